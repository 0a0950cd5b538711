// Internal shim for libpcap (capture-file reading). Explicitly not public API.
#ifndef CPCAP_SHIM_H
#define CPCAP_SHIM_H
// pcap/bpf.h and linux/bpf.h (through libbpf) both define struct bpf_insn; capture
// files are read without BPF filters, so libpcap's copy is left out.
#define PCAP_DONT_INCLUDE_PCAP_BPF_H 1
#include <pcap/pcap.h>
#endif
