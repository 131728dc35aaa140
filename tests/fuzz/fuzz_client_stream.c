/* tests/fuzz/fuzz_client_stream.c — the client's stream through the walker: a startup
 * packet first (SSLRequests and GSSENCRequests keep the walk untyped, a v3 StartupMessage
 * ends that phase, as in proxy/session.c), then typed messages; every split of the input
 * must frame the same messages as the reference (tests/fuzz/stream.h). */
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return stream_fuzz(data, size, (stream_start){.untyped = true});
}
