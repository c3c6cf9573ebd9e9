#ifndef RECONCILE_CMALLOC_SHIM_H
#define RECONCILE_CMALLOC_SHIM_H
/* glibc's allocator statistics and trim (mallinfo2, malloc_trim): not in Swift's Glibc module. */
#if defined(__linux__)
#include <malloc.h>
#endif
#endif
