// Internal shim: libbpf, the XDP uapi constants and the structures shared with the
// XDP program. Explicitly not public API; EBPFCapture imports it `internal`.
#ifndef CLIBBPF_SHIM_H
#define CLIBBPF_SHIM_H

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

// The one definition of every structure the program and user space exchange.
#include "../../bpf/network_monitor.h"

// libbpf's print callback receives a va_list; formatting it here keeps the Swift
// side free of C variadics.
static inline int clibbpf_vformat(char *buffer, size_t size, const char *format, va_list args) {
    return vsnprintf(buffer, size, format, args);
}

// CLOCK_MONOTONIC in nanoseconds: the clock of bpf_ktime_get_ns().
static inline __u64 clibbpf_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (__u64)now.tv_sec * 1000000000ull + (__u64)now.tv_nsec;
}

// BTF_KIND_DATASEC is declared by two headers, which makes it ambiguous in Swift.
static inline __u32 clibbpf_btf_kind_datasec(void) {
    return BTF_KIND_DATASEC;
}

#endif
