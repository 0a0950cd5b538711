// Declarations only (include/CFuzzer.h); the driver comes from libFuzzer at link time.
#include "CFuzzer.h"
