/* rewrite/map.c — string-keyed hash map. */
#include "rewrite/map.h"

#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

/* FNV-1a over 8-byte words, then a final avalanche: fast on the short keys of the maps.
 * Long texts (the cache hashes every statement it is sent, some of them kilobytes) go
 * through four independent lanes of 32 bytes per step, so that the multiplications
 * overlap instead of waiting for each other. */
uint64_t rw_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL ^ len;
    if (len >= 64) {
        uint64_t lane[4] = {h, h ^ 0x9e3779b97f4a7c15ULL, h ^ 0xc2b2ae3d27d4eb4fULL,
                            h ^ 0x165667b19e3779f9ULL};
        for (; len >= 32; p += 32, len -= 32) {
            uint64_t w[4];
            memcpy(w, p, 32);
            for (int i = 0; i < 4; i++) /* one multiplication per word; mix() spreads after */
                lane[i] = (lane[i] ^ w[i]) * 0x9e3779b97f4a7c15ULL;
        }
        h = mix(mix(mix(mix(h, lane[0]), lane[1]), lane[2]), lane[3]);
    }
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix(h, w);
    }
    for (; len; p++, len--)
        h = (h ^ *p) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static rw_map_slot *find(const rw_map *m, const char *key, size_t klen, uint64_t h)
{
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        rw_map_slot *s = &m->slots[i];
        if (!s->key || (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0))
            return s;
    }
}

static void grow(rw_map *m)
{
    rw_map old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->slots = mem_array(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key)
            *find(m, old.slots[i].key, old.slots[i].klen, old.slots[i].hash) = old.slots[i];
    free(old.slots);
}

void rw_map_put(rw_map *m, const char *key, size_t klen, void *value)
{
    if ((m->n + 1) * 4 > m->cap * 3)
        grow(m);
    uint64_t h = rw_hash(key, klen);
    rw_map_slot *s = find(m, key, klen, h);
    if (!s->key)
        m->n++;
    *s = (rw_map_slot){key, klen, h, value};
}

void *rw_map_get(const rw_map *m, const char *key, size_t klen)
{
    if (!m->n)
        return NULL;
    return find(m, key, klen, rw_hash(key, klen))->value;
}

/* Backward-shift deletion: later entries of the probe run move up, so no tombstones. */
void *rw_map_remove(rw_map *m, const char *key, size_t klen, const char **old_key)
{
    if (!m->n)
        return NULL;
    rw_map_slot *s = find(m, key, klen, rw_hash(key, klen));
    if (!s->key)
        return NULL;
    void *value = s->value;
    if (old_key)
        *old_key = s->key;
    size_t mask = m->cap - 1, hole = (size_t)(s - m->slots);
    for (size_t i = (hole + 1) & mask; m->slots[i].key; i = (i + 1) & mask) {
        size_t home = m->slots[i].hash & mask;
        /* the entry may move to the hole if its home is not between the hole and it */
        if (((i - home) & mask) >= ((i - hole) & mask)) {
            m->slots[hole] = m->slots[i];
            hole = i;
        }
    }
    m->slots[hole] = (rw_map_slot){0};
    m->n--;
    return value;
}

void rw_map_each(const rw_map *m, void (*fn)(const char *key, void *value, void *arg), void *arg)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            fn(m->slots[i].key, m->slots[i].value, arg);
}

void rw_map_free(rw_map *m)
{
    free(m->slots);
    *m = (rw_map){0};
}
