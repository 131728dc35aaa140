/* proxy/workers.c — the process: it reads the configuration, binds the listening sockets,
 * maps the memory the workers share, writes the pidfile, and runs `workers` event loops.
 * One worker runs in this process. More are forked: each accepts on a socket of its own
 * bound to the same port (SO_REUSEPORT: the kernel spreads the connections), and this
 * process becomes their supervisor. It forwards SIGHUP (after reading the file itself, so
 * that the reload is logged once), SIGTERM and SIGINT, and starts a worker that died again
 * on the same sockets, after taking back what it held in the shared memory.
 *
 * Processes, not threads: the sessions, the rewrite cache and the catalogs are a worker's
 * own, as they were when the proxy had one loop; only the shared region is touched by
 * several (shared/shared.h, atomics and one robust mutex). A crash takes one worker's clients,
 * not the others'. */
#include "proxy/workers.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proxy/log.h"
#include "proxy/proxy.h"

enum { MMAP_THRESHOLD = 256 * 1024 };

typedef struct {
    proxy_worker w; /* what every worker gets; w.worker is set per fork */
    listener_set sockets;
    pid_t *pids;        /* per worker, 0 when none runs */
    time_t *started_at; /* per worker, when it was last started */
    int *wake_fds;
    void *region;
    size_t region_size;
    sigset_t handled; /* the signals the supervisor waits for (blocked: sigwaitinfo) */
    int alive;
    bool stopping;
} workers;

/* Each client costs two descriptors: allow as many as the system lets this process have. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            log_warning("cannot raise the open files limit: %s", strerror(errno));
    }
}

static bool write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%d\n", (int)getpid()) < 0) {
        log_error("cannot write pidfile %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return false;
    }
    return fclose(f) == 0;
}

static int count_workers(const conf_config *cfg)
{
    if (cfg->workers > 0)
        return cfg->workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* The sockets, the shared memory and the wake-up descriptors; false with the reason logged. */
static bool prepare(workers *ws)
{
    char err[CONF_ERR_MAX];
    const conf_config *cfg = &ws->w.conf->cfg;
    int n = ws->w.workers;
    if (!listener_bind_all(&ws->sockets, cfg, n, err, sizeof err)) {
        log_error("%s", err);
        return false;
    }
    ws->region_size = shared_size(n, cfg->max_client_conn);
    ws->region =
        mmap(NULL, ws->region_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ws->region == MAP_FAILED) {
        ws->region = NULL;
        log_error("cannot map %zu bytes of shared memory: %s", ws->region_size, strerror(errno));
        return false;
    }
    ws->w.shared = shared_init(ws->region, n, cfg->max_client_conn);
    ws->pids = calloc((size_t)n, sizeof *ws->pids);
    ws->started_at = calloc((size_t)n, sizeof *ws->started_at);
    ws->wake_fds = calloc((size_t)n, sizeof *ws->wake_fds);
    for (int i = 0; i < n; i++)
        ws->wake_fds[i] = n > 1 ? eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : -1;
    ws->w.wake_fds = ws->wake_fds;
    ws->w.sockets = &ws->sockets;
    return !cfg->pidfile || write_pidfile(cfg->pidfile);
}

/* In a new worker process: its own sockets; it ends with its supervisor. The signals stay
 * blocked until its loop handles them (proxy_run), so that none sent meanwhile kills it. */
static int run_child(workers *ws, int worker)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != ws->w.supervisor)
        return 0; /* the supervisor is already gone */
    listener_set_close(&ws->sockets, worker, false);
    ws->w.worker = worker;
    log_info("worker %d started (pid %d)", worker, (int)getpid());
    return proxy_run(&ws->w);
}

/* Forks worker i; in the child, runs it and exits. */
static void start_worker(workers *ws, int i)
{
    pid_t pid = fork();
    if (pid == 0) {
        int status = run_child(ws, i);
        fflush(NULL);
        _exit(status);
    }
    if (pid < 0) {
        log_error("cannot start worker %d: %s", i, strerror(errno));
        return;
    }
    ws->pids[i] = pid;
    ws->started_at[i] = time(NULL);
    ws->alive++;
}

static void tell_workers(const workers *ws, int sig)
{
    for (int i = 0; i < ws->w.workers; i++)
        if (ws->pids[i] > 0)
            kill(ws->pids[i], sig);
}

/* SIGHUP: the file is read here (the reload is logged once, the log reopened); when it is
 * good, every worker reads it too. */
static void reload(workers *ws)
{
    char err[CONF_ERR_MAX];
    config *c = config_reload(ws->w.conf_path, ws->w.conf, shared_capacity(ws->w.shared),
                              ws->w.verbose, true, err, sizeof err);
    if (!c)
        return;
    config_unref(ws->w.conf);
    ws->w.conf = c;
    tell_workers(ws, SIGHUP);
}

/* A worker ended. While the proxy runs, it died: its share of the region is taken back (the
 * others look again at the catalogs whose DDL it had under way) and it starts again on the
 * same sockets, so that the connections waiting in their queue are served. */
static void reap(workers *ws, pid_t pid, int status)
{
    int i = 0;
    while (i < ws->w.workers && ws->pids[i] != pid)
        i++;
    if (i == ws->w.workers)
        return;
    ws->pids[i] = 0;
    ws->alive--;
    if (ws->stopping)
        return;
    if (WIFSIGNALED(status))
        log_error("worker %d (pid %d) killed by signal %d: starting it again", i, (int)pid,
                  WTERMSIG(status));
    else
        log_error("worker %d (pid %d) exited with status %d: starting it again", i, (int)pid,
                  WEXITSTATUS(status));
    shared_worker_reset(ws->w.shared, i);
    proxy_wake_workers(&ws->w, i);
    if (time(NULL) - ws->started_at[i] < 1)
        sleep(1); /* one that dies as it starts must not make this a fork loop */
    start_worker(ws, i);
}

static void supervise(workers *ws)
{
    while (ws->alive > 0) {
        int sig = sigwaitinfo(&ws->handled, NULL);
        if (sig == SIGHUP) {
            reload(ws);
        } else if (sig == SIGTERM || sig == SIGINT) {
            ws->stopping = true;
            /* no worker starts again: the port closes as the workers close theirs */
            listener_set_close(&ws->sockets, -1, true);
            tell_workers(ws, sig);
        } else if (sig == SIGCHLD) {
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                reap(ws, pid, status);
        }
    }
}

static int run_all(workers *ws)
{
    if (ws->w.workers == 1) {
        log_info("tombstone started (pid %d)", (int)getpid());
        int status = proxy_run(&ws->w);
        log_info("tombstone stopped");
        return status;
    }
    sigemptyset(&ws->handled);
    int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGCHLD};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&ws->handled, sigs[i]);
    sigprocmask(SIG_BLOCK, &ws->handled, NULL);
    ws->w.supervisor = getpid();
    log_info("tombstone started (pid %d, %d workers)", (int)getpid(), ws->w.workers);
    for (int i = 0; i < ws->w.workers; i++)
        start_worker(ws, i);
    supervise(ws);
    log_info("tombstone stopped");
    return 0;
}

static void cleanup(workers *ws)
{
    listener_set_close(&ws->sockets, -1, true);
    for (int i = 0; ws->wake_fds && i < ws->w.workers; i++)
        if (ws->wake_fds[i] >= 0)
            close(ws->wake_fds[i]);
    free(ws->wake_fds);
    free(ws->pids);
    free(ws->started_at);
    if (ws->region)
        munmap(ws->region, ws->region_size);
    if (ws->w.conf->cfg.pidfile)
        unlink(ws->w.conf->cfg.pidfile);
    config_unref(ws->w.conf);
}

int workers_run(const char *conf_path, bool verbose)
{
    char err[CONF_ERR_MAX];
    workers ws = {.w = {.conf_path = conf_path, .verbose = verbose}};
    ws.w.conf = config_load(conf_path, err, sizeof err);
    if (!ws.w.conf) {
        log_error("%s", err);
        return 1;
    }
    if (!config_apply_log(ws.w.conf, verbose)) {
        config_unref(ws.w.conf);
        return 1;
    }
    /* large buffers (a 50 MB statement, its rewrite) are mapped and unmapped whole, so that
     * freeing them gives the memory back to the system: glibc would otherwise raise this
     * threshold after the first such free and keep later ones in its heap */
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    ws.w.workers = count_workers(&ws.w.conf->cfg);
    int status = prepare(&ws) ? run_all(&ws) : 1;
    cleanup(&ws);
    return status;
}
