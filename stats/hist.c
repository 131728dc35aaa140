/* stats/hist.c — fixed-bucket histograms of durations (see stats.h). */
#include "stats/stats.h"

const uint64_t st_hist_bounds_us[ST_HIST_BUCKETS] = {
    5,     10,    25,     50,     100,    250,     500,     1000,    2500,     5000,     10000,
    25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000,
};

void st_hist_add(st_hist *h, uint64_t us)
{
    int i = 0;
    while (i < ST_HIST_BUCKETS && us > st_hist_bounds_us[i])
        i++;
    h->counts[i]++;
    h->n++;
    h->sum_us += us;
}

void st_hist_merge(st_hist *into, const st_hist *from)
{
    for (int i = 0; i <= ST_HIST_BUCKETS; i++)
        into->counts[i] += from->counts[i];
    into->n += from->n;
    into->sum_us += from->sum_us;
}

uint64_t st_hist_quantile(const st_hist *h, double q)
{
    if (h->n == 0)
        return 0;
    double rank = q * (double)h->n; /* the sample wanted, counted from 1 */
    uint64_t below = 0;
    for (int i = 0; i < ST_HIST_BUCKETS; i++) {
        if ((double)(below + h->counts[i]) >= rank && h->counts[i]) {
            double lo = i ? (double)st_hist_bounds_us[i - 1] : 0;
            double hi = (double)st_hist_bounds_us[i];
            double within = (rank - (double)below) / (double)h->counts[i];
            return (uint64_t)(lo + (hi - lo) * within + 0.5);
        }
        below += h->counts[i];
    }
    return st_hist_bounds_us[ST_HIST_BUCKETS - 1];
}

uint64_t st_hist_mean(const st_hist *h)
{
    return h->n ? (h->sum_us + h->n / 2) / h->n : 0;
}
