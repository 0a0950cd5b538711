/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one definition of every structure that crosses the kernel/user boundary.
 *
 * Included by the XDP program (bpf/network_monitor.bpf.c) and, through the internal
 * CLibBPF module, by the Swift loader (Sources/EBPFCapture). Swift reads the maps
 * through these exact C types, so a layout change here is a compile-time change
 * on both sides, never a silent mis-read. The static asserts pin the sizes the
 * tests also check from Swift.
 *
 * Window model (see network_monitor.bpf.c): every per-window map exists twice
 * ("slots"). The program writes into slot (epoch & 1); user space advances the
 * epoch, waits for an RCU grace period so that no program still writes the old
 * slot, then reads and clears the old slot. A packet therefore lands in exactly
 * one window.
 */
#ifndef NETWORK_MONITOR_H
#define NETWORK_MONITOR_H

#include <linux/types.h>

#include "counters.def"

#define NM_SLOTS 2
/* Destination-port set: one bit per port, 65536 bits. */
#define NM_PORT_WORDS 1024
/* HyperLogLog sketch of source addresses: 2^12 registers, standard error 1.04/64 = 1.6%. */
#define NM_HLL_PRECISION 12
#define NM_HLL_REGISTERS (1 << NM_HLL_PRECISION)

#define NM_DEFAULT_SOURCE_ENTRIES 16384
#define NM_DEFAULT_PAIR_ENTRIES 65536
#define NM_DEFAULT_RINGBUF_BYTES (256 * 1024)
#define NM_DEFAULT_FLOW_ENTRIES 65536
#define NM_DEFAULT_DNS_RINGBUF_BYTES (256 * 1024)
/* UDP payload bytes kept per sampled DNS message: the 12-byte header and a question of up to
 * 253 name characters (255 encoded), its type and class. */
#define NM_DNS_PAYLOAD 272

/* Flags of a (source, port) or (source, host) pair: what the packet that created the
 * pair in this window was. User space reads them to build probe horizons and to
 * find reflection victims. */
#define NM_PAIR_PROBE 0x01          /* a probe (see "Probes" in network_monitor.bpf.c) */
#define NM_PAIR_BACKSCATTER 0x02    /* a TCP SYN-ACK or RST */
#define NM_PAIR_UDP_REFLECTION 0x04 /* UDP from a well-known reflection source port */

/* Exact per-window totals; one copy per CPU and slot (PERCPU_ARRAY). The fields are the rows
 * of NM_WINDOW_COUNTERS in bpf/counters.def, each a __u64. Every packet is in exactly one
 * protocol bucket: TCP, UDP, ICMP (v4 and v6), or other (non-IP, unparseable IP, other
 * transport protocols). */
#define NM_COUNTER_FIELD(kind, field, swift, series, doc) __u64 field;
struct nm_counters {
	NM_WINDOW_COUNTERS(NM_COUNTER_FIELD)
};

/* Set of destination ports seen in a window (shared by all CPUs, atomic OR). */
struct nm_port_set {
	__u64 words[NM_PORT_WORDS];
};

/* HyperLogLog registers; per CPU, merged by max in user space. */
struct nm_hll {
	__u8 registers[NM_HLL_REGISTERS];
};

/* Source address. IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d);
 * IPv6 sources are masked to the configured prefix (default /64). */
struct nm_addr {
	__u8 bytes[16];
};

/* Per-source statistics for one window (LRU hash keyed by struct nm_addr): the rows of
 * NM_SOURCE_COUNTERS in bpf/counters.def, then the fields below. */
#define NM_SOURCE_FIELD(type, field, swift, cached, doc) type field;
struct nm_source_stats {
	NM_SOURCE_COUNTERS(NM_SOURCE_FIELD)
	/* Hints that skip a pair-table lookup when a source repeats its last
	 * destination: port + 1 and an IPv4 destination (0 = no hint). A hint is only
	 * written after its pair is in the pair table of the same window. */
	__u32 last_port_hint;
	__u32 last_ipv4_host_hint;
	/* Last UDP source port seen from this source (reflection/amplification);
	 * valid when udp_source_port_seen is 1 (0 is a legal port). */
	__u16 last_udp_source_port;
	__u16 udp_source_port_seen;
	__u32 reserved32;
};

/* The rows of NM_SOURCE_COUNTERS marked cached, as pending counters of struct nm_source_cache,
 * and the statements that clear them and move them into a table entry. */
#define NM_CACHED_FIELD(type, field, swift, cached, doc) NM_CACHED_FIELD_##cached(type, field)
#define NM_CACHED_FIELD_1(type, field) type field;
#define NM_CACHED_FIELD_0(type, field)
#define NM_CACHED_CLEAR(type, field, swift, cached, doc) NM_CACHED_CLEAR_##cached(field)
#define NM_CACHED_CLEAR_1(field) cache->field = 0;
#define NM_CACHED_CLEAR_0(field)
#define NM_CACHED_MOVE(type, field, swift, cached, doc) NM_CACHED_MOVE_##cached(field)
#define NM_CACHED_MOVE_1(field) s->field += cache->field;
#define NM_CACHED_MOVE_0(field)

/* Per-CPU cache of the last source seen in a slot. A packet repeating the cached
 * source, destination and destination port (a flow, a flood) only adds to the
 * pending counters here, without a hash-table lookup; any other packet first
 * flushes the pending counters into the source's table entry. User space adds the
 * pending counters of every CPU when it reads the slot. Repeats of the same
 * (source, port, host) can never add a distinct port or host, so counts stay exact.
 * A TCP packet takes the fast path only on the cached packet's 4-tuple and protocol,
 * and an ACK only when that flow is known, so ACK probes stay exact too. */
struct nm_source_cache {
	struct nm_addr source;
	struct nm_addr destination;
	__u32 valid;     /* source, destination and port_hint describe the last packet */
	__u32 port_hint; /* destination port + 1 of the cached packets, 0 without ports */
	NM_SOURCE_COUNTERS(NM_CACHED_FIELD)
	__u16 last_udp_source_port;
	__u16 udp_source_port_seen;
	__u16 source_port;   /* source port of the cached packet */
	__u8 protocol;       /* IP protocol of the cached packet */
	__u8 flow_known;     /* the cached TCP packet's flow is in nm_flows */
	__u32 reserved;
};

struct nm_port_pair_key {
	struct nm_addr source;
	__u16 port;
	__u16 reserved;
};

struct nm_host_pair_key {
	struct nm_addr source;
	struct nm_addr destination;
};

/* Written by user space: the current window epoch. The program uses slot epoch & 1. */
struct nm_control {
	__u32 epoch;
	__u32 reserved;
};

/* Load-time settings (const volatile .rodata, set before load). */
struct nm_config {
	/* Emit one sampled event every N packets per CPU; 0 disables sampling. */
	__u32 sample_every;
	/* Prefix length kept for IPv6 sources (1-128). */
	__u32 ipv6_source_prefix;
	/* Wake the ring-buffer consumer once this many bytes are pending. */
	__u32 ringbuf_wakeup_bytes;
	/* Copy every UDP port-53 message's start to nm_dns_events (1) or not (0). */
	__u32 dns_sampling;
};

/* A sampled packet (the original design's NetworkEvent view). */
struct nm_event {
	__u64 timestamp_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	struct nm_addr source;
	struct nm_addr destination;
	__u32 packet_bytes;
	__u16 source_port;
	__u16 destination_port;
	__u8 ip_version; /* 4, 6, or 0 for non-IP */
	__u8 ip_protocol;
	__u8 tcp_flags;
	__u8 reserved[5];
};

/* A DNS message's start (UDP to or from port 53), for query-content analysis in user space. */
struct nm_dns_event {
	__u64 timestamp_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	struct nm_addr source;      /* not masked: the client or server itself */
	struct nm_addr destination;
	__u16 source_port;
	__u16 destination_port;
	__u16 payload_length; /* UDP payload bytes in the packet */
	__u16 captured;       /* bytes of it in payload (at most NM_DNS_PAYLOAD) */
	__u8 payload[NM_DNS_PAYLOAD];
};

/* The sizes are the sums of the fields, the counters' from bpf/counters.def: no padding inside
 * (nm_source_cache ends in 4 bytes of it, to its 8-byte alignment). */
#define NM_SIZE_OF_COUNTER(kind, field, swift, series, doc) +8
#define NM_SIZE_OF_SOURCE_FIELD(type, field, swift, cached, doc) +sizeof(type)
#define NM_SIZE_OF_CACHED_FIELD(type, field, swift, cached, doc) +(cached) * sizeof(type)
_Static_assert(sizeof(struct nm_counters) == 0 NM_WINDOW_COUNTERS(NM_SIZE_OF_COUNTER), "nm_counters layout");
_Static_assert(sizeof(struct nm_dns_event) == 8 + 32 + 8 + NM_DNS_PAYLOAD, "nm_dns_event layout");
_Static_assert(sizeof(struct nm_source_stats) == 0 NM_SOURCE_COUNTERS(NM_SIZE_OF_SOURCE_FIELD) + 2 * 4 + 2 * 2 + 4,
	       "nm_source_stats layout");
_Static_assert(sizeof(struct nm_source_cache) == 32 + 8 + 0 NM_SOURCE_COUNTERS(NM_SIZE_OF_CACHED_FIELD) + 2 * 2 + 2 + 2 + 4 + 4,
	       "nm_source_cache layout");
_Static_assert(sizeof(struct nm_port_pair_key) == 20, "nm_port_pair_key layout");
_Static_assert(sizeof(struct nm_host_pair_key) == 32, "nm_host_pair_key layout");
_Static_assert(sizeof(struct nm_event) == 56, "nm_event layout");
_Static_assert(sizeof(struct nm_config) == 16, "nm_config layout");

#endif /* NETWORK_MONITOR_H */
