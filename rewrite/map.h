/* rewrite/map.h — a string-keyed hash map (open addressing, linear probing). Keys are
 * byte strings with explicit length; the map copies neither keys nor values, so they must
 * outlive it (the schema snapshot keeps both in its arena). */
#ifndef RW_MAP_H
#define RW_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *key;
    size_t klen;
    uint64_t hash;
    void *value;
} rw_map_slot;

typedef struct {
    rw_map_slot *slots;
    size_t cap, n;
} rw_map;

uint64_t rw_hash(const void *data, size_t len);

/* Sets key → value, replacing an existing value. */
void rw_map_put(rw_map *m, const char *key, size_t klen, void *value);
void *rw_map_get(const rw_map *m, const char *key, size_t klen);
/* Removes key; returns its value (NULL if absent) and, in *old_key, the key pointer the
 * map held, for the caller to free. */
void *rw_map_remove(rw_map *m, const char *key, size_t klen, const char **old_key);
/* Calls fn on every key and value, in no particular order (the map must not change). */
void rw_map_each(const rw_map *m, void (*fn)(const char *key, void *value, void *arg), void *arg);
void rw_map_free(rw_map *m);

#endif
