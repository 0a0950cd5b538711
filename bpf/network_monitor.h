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

/* Exact per-window totals; one copy per CPU and slot (PERCPU_ARRAY). */
struct nm_counters {
	__u64 packets;
	__u64 bytes;
	/* Every packet is in exactly one protocol bucket: TCP, UDP, ICMP (v4 and v6),
	 * or other (non-IP, unparseable IP, other transport protocols). */
	__u64 tcp_packets;
	__u64 tcp_bytes;
	__u64 udp_packets;
	__u64 udp_bytes;
	__u64 icmp_packets;
	__u64 icmp_bytes;
	__u64 other_packets;
	__u64 other_bytes;
	/* TCP flags: syn = SYN set and ACK clear (connection attempts). */
	__u64 syn_packets;
	__u64 syn_ack_packets;
	__u64 rst_packets;
	__u64 fin_packets;
	/* TCP or UDP with source or destination port 53. */
	__u64 dns_packets;
	__u64 dns_bytes;
	__u64 ipv4_packets;
	__u64 ipv6_packets;
	__u64 non_ip_packets;
	__u64 fragment_packets;
	/* Truncated or inconsistent headers (passed, counted here and in their bucket). */
	__u64 malformed_packets;
	/* New entries created in the per-source table and the pair tables. */
	__u64 source_inserts;
	__u64 port_pair_inserts;
	__u64 host_pair_inserts;
	/* Inserts the kernel refused (counted, never silent). */
	__u64 source_insert_failures;
	__u64 port_pair_insert_failures;
	__u64 host_pair_insert_failures;
	/* Sampled per-packet events: written, and lost because the ring buffer was full. */
	__u64 sampled_events;
	__u64 ringbuf_reserve_failures;
	/* Probes other than SYNs (see "Probes" in network_monitor.bpf.c). */
	__u64 ack_probe_packets;     /* TCP ACK without SYN/RST on no known flow */
	__u64 stealth_probe_packets; /* TCP without SYN, ACK and RST: NULL, FIN, Xmas */
	__u64 udp_probe_packets;     /* UDP from a non-service port to a new port or host */
	__u64 icmp_probe_packets;    /* ICMP echo/timestamp/info/mask requests, ICMPv6 echo requests */
	__u64 arp_request_packets;   /* ARP requests for an IPv4 address */
	/* UDP from a well-known reflection source port (53, 123, 161, 389, 1900, ...). */
	__u64 udp_reflection_packets;
	__u64 udp_reflection_bytes;
	/* Flows the program learned (TCP 4-tuples in nm_flows), and inserts refused. */
	__u64 flow_inserts;
	__u64 flow_insert_failures;
	/* DNS messages (UDP port 53) copied to nm_dns_events, and lost because it was full. */
	__u64 dns_samples;
	__u64 dns_samples_lost;
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

/* Per-source statistics for one window (LRU hash keyed by struct nm_addr). */
struct nm_source_stats {
	__u64 packets;
	__u64 bytes;
	__u64 tcp_packets;
	__u64 udp_packets;
	__u64 icmp_packets;
	__u64 syn_packets;
	__u64 dns_packets;
	__u64 dns_bytes;
	__u64 ack_probes;
	__u64 stealth_probes;
	__u64 udp_probes;
	__u64 icmp_probes;
	__u64 arp_requests;
	__u64 syn_ack_packets;
	__u64 rst_packets;
	__u64 udp_reflection_packets;
	/* Exact distinct destination ports / hosts, maintained through the pair tables. */
	__u32 unique_ports;
	__u32 unique_hosts;
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
	__u64 packets;
	__u64 bytes;
	__u64 tcp_packets;
	__u64 udp_packets;
	__u64 icmp_packets;
	__u64 syn_packets;
	__u64 dns_packets;
	__u64 dns_bytes;
	__u64 ack_probes;
	__u64 stealth_probes;
	__u64 icmp_probes;
	__u64 arp_requests;
	__u64 syn_ack_packets;
	__u64 rst_packets;
	__u64 udp_reflection_packets;
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

_Static_assert(sizeof(struct nm_counters) == 40 * 8, "nm_counters layout");
_Static_assert(sizeof(struct nm_dns_event) == 8 + 32 + 8 + NM_DNS_PAYLOAD, "nm_dns_event layout");
_Static_assert(sizeof(struct nm_source_stats) == 16 * 8 + 4 * 4 + 2 * 2 + 4, "nm_source_stats layout");
_Static_assert(sizeof(struct nm_source_cache) == 32 + 8 + 15 * 8 + 2 * 2 + 2 + 2 + 4 + 4, "nm_source_cache layout");
_Static_assert(sizeof(struct nm_port_pair_key) == 20, "nm_port_pair_key layout");
_Static_assert(sizeof(struct nm_host_pair_key) == 32, "nm_host_pair_key layout");
_Static_assert(sizeof(struct nm_event) == 56, "nm_event layout");
_Static_assert(sizeof(struct nm_config) == 16, "nm_config layout");

#endif /* NETWORK_MONITOR_H */
