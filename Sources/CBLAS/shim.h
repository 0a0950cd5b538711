// Internal shim over OpenBLAS's CBLAS interface (Debian: libopenblas-dev).
// Only AnomalyModels imports it, with `internal import`; it is never re-exported.
#ifndef ANOMALY_MODELS_CBLAS_SHIM_H
#define ANOMALY_MODELS_CBLAS_SHIM_H
#include <cblas.h>
#endif
