#ifndef RECONCILE_CFUZZDRIVER_H
#define RECONCILE_CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that own `main` (compiler-rt's FuzzerDriver.cpp). It is
/// linked only into `-sanitize=fuzzer` builds; FuzzSupport calls it only when built with -DFUZZING.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
