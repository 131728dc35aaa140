/* tests/fuzz/fuzz_server_stream.c — the server's stream through the walker: the one-byte
 * answer to the proxy's SSLRequest first ('S' or 'N'; the walk asks the policy with that
 * byte as the type), then typed messages; every split of the input must frame the same
 * messages as the reference (tests/fuzz/stream.h). */
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return stream_fuzz(data, size, (stream_start){.one_byte = true});
}
