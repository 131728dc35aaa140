/* tests/fuzz/fuzz_config.c — the configuration parser (conf/) on any text: it accepts or
 * refuses with a message, never crashes or leaks; what it accepts parses again the same way
 * (the error buffer is always a terminated string). */
#include "conf/conf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0; /* conf_load reads the file as a string: a NUL ends it there too */
    conf_config c, again;
    char err[256], err2[256];
    memset(err, 'x', sizeof err);
    bool ok = conf_parse("fuzz.ini", text, &c, err, sizeof err);
    if (!ok && !memchr(err, 0, sizeof err))
        abort(); /* a refusal without a terminated message */
    bool ok2 = conf_parse("fuzz.ini", text, &again, err2, sizeof err2);
    if (ok != ok2 || (ok && (c.ndbs != again.ndbs)))
        abort(); /* the parser keeps no state between calls */
    if (ok) {
        conf_free(&c);
        conf_free(&again);
    }
    free(text);
    return 0;
}
