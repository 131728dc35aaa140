/* protocol/protocol.h — the PostgreSQL v3 wire protocol as tombstone needs it: walking a byte
 * stream message by message, parsing startup packets, building the messages the proxy makes
 * itself and reading the ones it inspects. Pure code: no sockets, no event loop, so every
 * piece is unit-tested on byte arrays. */
#ifndef PROTO_PROTOCOL_H
#define PROTO_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_HDR_LEN 5 /* type byte + int32 length */
#define PROTO_VERSION_3 0x00030000u
#define PROTO_SSL_REQUEST 80877103u
#define PROTO_GSSENC_REQUEST 80877104u
#define PROTO_CANCEL_REQUEST 80877102u
#define PROTO_MAX_STARTUP 10000u /* PostgreSQL refuses longer startup packets too */
#define PROTO_MAX_MESSAGE 0x40000000u
#define PROTO_PEEK_MAX 1024u  /* how much of a PEEK message the handler sees */
#define PROTO_MIN_LIMIT 1024u /* proto_framer_limit never refuses a message this short */

/* Message types: the first byte of a typed message. The same byte means different messages
 * in each direction ('C' is Close from the client, CommandComplete from the server), hence
 * two enums. A startup packet has no type byte; the walk calls it type 0. */
typedef enum {
    PROTO_FE_STARTUP = 0,
    PROTO_FE_BIND = 'B',
    PROTO_FE_CLOSE = 'C',
    PROTO_FE_COPY_DATA = 'd',
    PROTO_FE_COPY_DONE = 'c',
    PROTO_FE_COPY_FAIL = 'f',
    PROTO_FE_DESCRIBE = 'D',
    PROTO_FE_EXECUTE = 'E',
    PROTO_FE_FLUSH = 'H',
    PROTO_FE_FUNCTION_CALL = 'F',
    PROTO_FE_PARSE = 'P',
    PROTO_FE_PASSWORD = 'p', /* also SASL and GSS responses */
    PROTO_FE_QUERY = 'Q',
    PROTO_FE_SYNC = 'S',
    PROTO_FE_TERMINATE = 'X',
} proto_fe_type;

typedef enum {
    PROTO_BE_AUTHENTICATION = 'R',
    PROTO_BE_BACKEND_KEY = 'K',
    PROTO_BE_BIND_COMPLETE = '2',
    PROTO_BE_CLOSE_COMPLETE = '3',
    PROTO_BE_COMMAND_COMPLETE = 'C',
    PROTO_BE_COPY_IN = 'G',
    PROTO_BE_DATA_ROW = 'D',
    PROTO_BE_EMPTY_QUERY = 'I',
    PROTO_BE_ERROR = 'E',
    PROTO_BE_NOTICE = 'N',
    PROTO_BE_NO_DATA = 'n',
    PROTO_BE_NOTIFICATION = 'A',
    PROTO_BE_PARAMETER_DESCRIPTION = 't',
    PROTO_BE_PARAMETER_STATUS = 'S',
    PROTO_BE_PARSE_COMPLETE = '1',
    PROTO_BE_PORTAL_SUSPENDED = 's',
    PROTO_BE_READY = 'Z',
    PROTO_BE_ROW_DESCRIPTION = 'T',
} proto_be_type;

/* ---- byte buffer ------------------------------------------------------------------------ */

/* A growable byte buffer (allocation failures end the process: common/mem.h). */
typedef struct {
    uint8_t *data;
    size_t len, cap;
} proto_buf;

void proto_buf_free(proto_buf *b);
void proto_buf_reserve(proto_buf *b, size_t extra);
void proto_buf_put(proto_buf *b, const void *p, size_t n);
void proto_buf_put_u8(proto_buf *b, uint8_t v);
void proto_buf_put_u16(proto_buf *b, uint16_t v);
void proto_buf_put_u32(proto_buf *b, uint32_t v);
void proto_buf_put_str(proto_buf *b, const char *s); /* with its terminating NUL */

uint32_t proto_get_u32(const uint8_t *p);
uint16_t proto_get_u16(const uint8_t *p);

/* ---- output of a walk: what to send to the peer, in order ------------------------------ */

/* A segment is either a reference to input bytes (sent without copying) or a range of the
 * output's own buffer (bytes the proxy built or had to keep). */
typedef struct {
    const uint8_t *ptr; /* NULL: the bytes are out->buf.data[off, off+len) */
    size_t off, len;
} proto_seg;

typedef struct {
    proto_seg *seg;
    size_t nseg, segcap;
    proto_buf buf;  /* builders append here; appended bytes become a segment automatically */
    size_t covered; /* buf bytes already turned into segments */
} proto_out;

void proto_out_ref(proto_out *o, const uint8_t *p, size_t n);
void proto_out_copy(proto_out *o, const void *p, size_t n);
/* Turns bytes appended to o->buf since the last segment into a segment. */
void proto_out_seal(proto_out *o);
const uint8_t *proto_out_seg_data(const proto_out *o, const proto_seg *s);
void proto_out_reset(proto_out *o); /* empties it, keeping the allocations for the next walk */
void proto_out_free(proto_out *o);

/* ---- walking a stream ------------------------------------------------------------------- */

typedef enum {
    PROTO_PASS,  /* stream the message through as its bytes arrive */
    PROTO_PEEK,  /* show the handler its first PROTO_PEEK_MAX bytes, then stream it through */
    PROTO_WHOLE, /* gather the complete message; the handler forwards, replaces or drops it */
    PROTO_HOLD,  /* not now: the walk ends before this message, which comes first next time */
} proto_policy;

typedef enum {
    PROTO_FORWARD,  /* send the message on unchanged (without copying when possible) */
    PROTO_CONSUMED, /* the handler dealt with it: it appended a replacement to out, or nothing */
} proto_verdict;

typedef struct {
    uint8_t type;        /* 0 for a startup packet, which has no type byte */
    const uint8_t *data; /* the message from its first byte */
    size_t len;          /* bytes at data: the whole message, or the peeked prefix */
    size_t msg_len;      /* the full message's size */
} proto_msg;

typedef struct {
    /* Called at every message header; decides how the message is handled. */
    proto_policy (*policy)(void *ctx, uint8_t type, size_t msg_len);
    /* Called for PEEK and WHOLE messages; a PEEK message is always forwarded. */
    proto_verdict (*handle)(void *ctx, const proto_msg *m, proto_out *out);
} proto_hooks;

/* The state of one direction of a connection between reads. Zero-initialised it expects a
 * typed message; set untyped while the next message is a startup packet, and one_byte too
 * while it is the one-byte answer to an SSLRequest ('S' or 'N'; the walk clears both once it
 * is taken). Only a split
 * header (at most 5 bytes, kept inline) and a split PEEK/WHOLE message need storage; the latter is
 * allocated while the message is incomplete and freed as soon as it has been handled. */
typedef struct {
    size_t pass_left; /* bytes of the current PASS message still to stream through */
    size_t want;      /* bytes gathered for the handler when complete; 0 = not gathering */
    size_t msg_len;
    proto_buf acc; /* the gathered part of a split PEEK/WHOLE message */
    uint32_t cut;  /* PROTO_MAX_MESSAGE minus the longest length accepted (proto_framer_limit) */
    uint8_t hdr[PROTO_HDR_LEN];
    uint8_t hdr_len; /* bytes of a split header held in hdr */
    uint8_t type;
    uint8_t policy;
    bool untyped;
    bool one_byte;
} proto_framer;

/* Refuses typed messages whose length word exceeds max (PROTO_MIN_LIMIT to PROTO_MAX_MESSAGE,
 * the default): the walk fails at the header, before any byte of the message is stored. */
void proto_framer_limit(proto_framer *f, uint32_t max);

/* Walks in[0, len): appends to out what must be sent to the peer, calling hooks for each
 * message. Returns NULL, or a description of the protocol violation (the stream is then
 * unusable). Segments in out may point into in, so send them before reusing in. *used is
 * how much of in was walked: all of it, unless a policy said PROTO_HOLD; then the rest
 * starts at a message (whose header the framer may keep: proto_framer_holding) and must be
 * walked again later, before anything newer. len may be 0 (in must not be NULL). The policy is
 * asked for startup packets too (type 0) and one-byte answers (type: the byte): anything but
 * PROTO_HOLD means PROTO_WHOLE for them. */
const char *proto_walk(proto_framer *f, const uint8_t *in, size_t len, const proto_hooks *hooks,
                       void *ctx, proto_out *out, size_t *used);
/* True when the walk ended at a PROTO_HOLD on a header that arrived split across reads: the
 * framer keeps that header, so the walk must be called again (with the rest of the input,
 * or with none) once the policy may take it, even when *used was all of the input. */
bool proto_framer_holding(const proto_framer *f);
/* True between messages: nothing of a message is half-sent, so the proxy may insert one. */
bool proto_framer_at_boundary(const proto_framer *f);
void proto_framer_free(proto_framer *f);

/* ---- startup packets -------------------------------------------------------------------- */

typedef enum {
    PROTO_STARTUP_V3,
    PROTO_STARTUP_SSL,
    PROTO_STARTUP_GSSENC,
    PROTO_STARTUP_CANCEL,
} proto_startup_kind;

#define PROTO_MAX_PARAMS 64

typedef struct {
    const char *name, *value;
} proto_param;

/* A parsed startup packet; strings point into the packet (or wherever a caller's
 * proto_startup_set value lives). */
typedef struct {
    proto_startup_kind kind;
    uint32_t version;
    int nparams;
    proto_param params[PROTO_MAX_PARAMS];
    uint32_t cancel_pid, cancel_key;
} proto_startup;

/* Parses a complete startup packet (length word first). Returns NULL or an error text. */
const char *proto_parse_startup(const uint8_t *pkt, size_t len, proto_startup *out);
const char *proto_startup_get(const proto_startup *s, const char *name);
/* Replaces the parameter's value, or adds it; false when the table is full. */
bool proto_startup_set(proto_startup *s, const char *name, const char *value);

/* ---- builders: each appends one complete message ------------------------------------- */

size_t proto_msg_begin(proto_buf *b, uint8_t type); /* returns the message's offset */
void proto_msg_end(proto_buf *b, size_t start);     /* fills in the length word */

void proto_build_startup(proto_buf *b, const proto_startup *s);
void proto_build_cancel(proto_buf *b, uint32_t pid, uint32_t key);
void proto_build_error(proto_buf *b, const char *severity, const char *sqlstate,
                       const char *message);
void proto_build_ready(proto_buf *b, char status);
void proto_build_query(proto_buf *b, const char *sql);
void proto_build_command_complete(proto_buf *b, const char *tag);
void proto_build_terminate(proto_buf *b);
void proto_build_close(proto_buf *b, char kind, const char *name); /* 'S' statement, 'P' portal */
/* Parse, Bind and Execute without parameters, for a statement the proxy runs by itself. */
void proto_build_parse(proto_buf *b, const char *name, const char *query);
void proto_build_bind(proto_buf *b, const char *portal, const char *stmt);
void proto_build_execute(proto_buf *b, const char *portal);
/* A message with no body: ParseComplete, BindComplete, CloseComplete, NoData,
 * EmptyQueryResponse. */
void proto_build_empty(proto_buf *b, uint8_t type);
/* A result's columns, in text format (the admin console's row sets). */
typedef struct {
    const char *name;
    uint32_t type; /* the type's OID: 25 text, 20 int8, 701 float8, 16 bool */
} proto_column;
void proto_build_row_description(proto_buf *b, const proto_column *cols, int n);
/* A ParameterDescription of a statement without parameters. */
void proto_build_no_parameters(proto_buf *b);
/* A DataRow, value by value: proto_data_row_begin (it returns the message's offset), then
 * exactly nvalues proto_data_row_value (NULL: SQL NULL), then proto_msg_end. */
size_t proto_data_row_begin(proto_buf *b, int nvalues);
void proto_data_row_value(proto_buf *b, const char *value, size_t len);
/* A field of an ErrorResponse or NoticeResponse ('M' message, 'W' context, 'P'
 * position...) to set to value, or to leave out when value is NULL. */
typedef struct {
    char field;
    const char *value;
} proto_error_change;
/* An ErrorResponse or NoticeResponse like `orig` with these fields changed (fields it does
 * not have are not added). */
bool proto_build_error_edit(proto_buf *b, const uint8_t *orig, size_t orig_len,
                            const proto_error_change *changes, int n);
/* A Parse message like `orig` (name and parameter types kept) with another query text. */
bool proto_build_parse_like(proto_buf *b, const uint8_t *orig, size_t orig_len, const char *query,
                            size_t query_len);
/* The same, with every parameter type the client left unspecified (0) set to `unspecified`
 * (when not 0): a text that does not use the parameters (a refusal) is then still
 * prepared with them, instead of failing on their unknown types. */
bool proto_build_parse_typed(proto_buf *b, const uint8_t *orig, size_t orig_len, const char *query,
                             size_t query_len, uint32_t unspecified);

/* ---- readers: each takes a complete message (type byte first) -------------------------- */

/* Reads through a message's payload; any overrun sets bad and yields zeros/NULL. */
typedef struct {
    const uint8_t *p, *end;
    bool bad;
} proto_reader;

proto_reader proto_reader_init(const uint8_t *msg, size_t len);
const char *proto_read_str(proto_reader *r);
uint32_t proto_read_u32(proto_reader *r);
uint16_t proto_read_u16(proto_reader *r);
const uint8_t *proto_read_bytes(proto_reader *r, size_t n);

bool proto_read_command_complete(const uint8_t *msg, size_t len, const char **tag);
bool proto_read_ready(const uint8_t *msg, size_t len, char *status);
bool proto_read_backend_key(const uint8_t *msg, size_t len, uint32_t *pid, uint32_t *key);

typedef struct {
    const char *severity, *sqlstate, *message, *detail, *hint, *position;
} proto_error_fields;

/* One field of an ErrorResponse or NoticeResponse, or NULL. */
const char *proto_error_field(const uint8_t *msg, size_t len, char field);

/* ErrorResponse or NoticeResponse; fields not present are NULL. */
bool proto_read_error(const uint8_t *msg, size_t len, proto_error_fields *out);

typedef struct {
    const char *name, *query;
    size_t query_len;
    uint16_t nparams;
    const uint8_t *param_types; /* nparams big-endian OIDs */
} proto_parse_fields;

bool proto_read_parse(const uint8_t *msg, size_t len, proto_parse_fields *out);
/* Works on a peeked prefix too: false when the two names are not complete in it. */
bool proto_read_bind_names(const uint8_t *msg, size_t len, const char **portal, const char **stmt);
bool proto_read_execute(const uint8_t *msg, size_t len, const char **portal, uint32_t *max_rows);
/* FunctionCall: the oid of the function it calls. Works on a peeked prefix too. */
bool proto_read_function_oid(const uint8_t *msg, size_t len, uint32_t *oid);
/* Close and Describe: kind is 'S' (statement) or 'P' (portal). */
bool proto_read_target(const uint8_t *msg, size_t len, char *kind, const char **name);

/* A DataRow's values as NUL-terminated text (NULL for SQL NULL), as the proxy reads rows of
 * its own queries. The strings and the array live in `store`, valid until it changes. */
bool proto_read_data_row_text(const uint8_t *msg, size_t len, proto_buf *store,
                              const char *const **values, int *n);
bool proto_read_row_description(const uint8_t *msg, size_t len, const char **names, int max,
                                int *n);

#endif
