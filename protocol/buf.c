/* protocol/buf.c — the growable byte buffer and the segment list a walk produces. */
#include "protocol/protocol.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

void proto_buf_free(proto_buf *b)
{
    free(b->data);
    *b = (proto_buf){0};
}

void proto_buf_reserve(proto_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    b->data = mem_realloc(b->data, cap);
    b->cap = cap;
}

void proto_buf_put(proto_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    proto_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void proto_buf_put_u8(proto_buf *b, uint8_t v)
{
    proto_buf_put(b, &v, 1);
}

void proto_buf_put_u16(proto_buf *b, uint16_t v)
{
    uint8_t be[2] = {v >> 8, v};
    proto_buf_put(b, be, 2);
}

void proto_buf_put_u32(proto_buf *b, uint32_t v)
{
    uint8_t be[4] = {v >> 24, v >> 16, v >> 8, v};
    proto_buf_put(b, be, 4);
}

void proto_buf_put_str(proto_buf *b, const char *s)
{
    proto_buf_put(b, s, strlen(s) + 1);
}

uint32_t proto_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint16_t proto_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static proto_seg *out_last(proto_out *o)
{
    return o->nseg ? &o->seg[o->nseg - 1] : NULL;
}

static void out_push(proto_out *o, proto_seg s)
{
    if (o->nseg == o->segcap) {
        size_t cap = o->segcap ? o->segcap * 2 : 64;
        o->seg = mem_realloc(o->seg, cap * sizeof *o->seg);
        o->segcap = cap;
    }
    o->seg[o->nseg++] = s;
}

void proto_out_seal(proto_out *o)
{
    if (o->buf.len == o->covered)
        return;
    proto_seg *last = out_last(o);
    /* Bytes built one after another stay one segment. */
    if (last && !last->ptr && last->off + last->len == o->covered)
        last->len += o->buf.len - o->covered;
    else
        out_push(o, (proto_seg){NULL, o->covered, o->buf.len - o->covered});
    o->covered = o->buf.len;
}

void proto_out_ref(proto_out *o, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    proto_out_seal(o);
    proto_seg *last = out_last(o);
    /* Consecutive pass-through messages of one read become one segment: one send. */
    if (last && last->ptr && last->ptr + last->len == p)
        last->len += n;
    else
        out_push(o, (proto_seg){p, 0, n});
}

void proto_out_copy(proto_out *o, const void *p, size_t n)
{
    proto_buf_put(&o->buf, p, n);
}

const uint8_t *proto_out_seg_data(const proto_out *o, const proto_seg *s)
{
    return s->ptr ? s->ptr : o->buf.data + s->off;
}

void proto_out_reset(proto_out *o)
{
    o->nseg = 0;
    o->buf.len = 0;
    o->covered = 0;
}

void proto_out_free(proto_out *o)
{
    free(o->seg);
    proto_buf_free(&o->buf);
    *o = (proto_out){0};
}
