#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for programs that keep their own main: SwiftPM names an executable's main
// after its module on Linux, so the targets call this instead of relying on libFuzzer's main.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
