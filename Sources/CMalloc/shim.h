// Internal shim over glibc's <malloc.h> (malloc_trim), which Swift's Glibc module leaves out.
// Only AnomalyModels imports it, with `internal import`; it is never re-exported.
#ifndef ANOMALY_MODELS_CMALLOC_SHIM_H
#define ANOMALY_MODELS_CMALLOC_SHIM_H
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
#endif
