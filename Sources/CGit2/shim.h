#ifndef RECONCILE_CGIT2_SHIM_H
#define RECONCILE_CGIT2_SHIM_H
#include <git2.h>
#endif
