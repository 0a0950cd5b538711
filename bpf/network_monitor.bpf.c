// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * network_monitor: observe-only XDP program that aggregates traffic features in
 * the kernel. It always returns XDP_PASS.
 *
 * Per packet it parses Ethernet, up to two VLAN tags, IPv4 / IPv6 (skipping up to
 * NM_IPV6_EXT_MAX extension headers) and TCP / UDP / ICMP / ICMPv6, then updates
 * the maps of the current window slot:
 *
 *   nm_totals      PERCPU_ARRAY[2]   exact counters (struct nm_counters)
 *   nm_ports       ARRAY[2]          destination-port bitmap (atomic OR)
 *   nm_hll         PERCPU_ARRAY[2]   HyperLogLog of source addresses
 *   nm_source_cache PERCPU_ARRAY[2]  last source per CPU with pending counters
 *   nm_sources     ARRAY_OF_MAPS[2]  -> LRU_PERCPU_HASH nm_addr -> nm_source_stats
 *   nm_port_pairs  ARRAY_OF_MAPS[2]  -> LRU_HASH (source, port)  : distinct ports per source
 *   nm_host_pairs  ARRAY_OF_MAPS[2]  -> LRU_HASH (source, host)  : distinct hosts per source
 *   nm_flows       LRU_HASH          TCP flows seen (hash of the 4-tuple), across windows
 *   nm_events      RINGBUF           sampled packets, only when sample_every > 0
 *   nm_dns_events  RINGBUF           the start of every UDP port-53 message (dns_sampling)
 *
 * Probes. A probe is a packet that opens or tests a port or a host:
 *   - TCP SYN without ACK (a connection attempt, also counted as syn_packets);
 *   - TCP without SYN, ACK and RST: NULL, FIN, Xmas (stealth probes);
 *   - TCP ACK (FIN/ACK for Maimon) without SYN and RST on a flow the program has not
 *     seen: a flow is learned from a SYN, a SYN-ACK or such an ACK (nm_flows), so a
 *     connection already open when the program attached costs one ACK probe;
 *   - UDP from a non-service source port (>= 1024 and not a reflection or well-known
 *     service port) that reaches a port or host new for its source in this window;
 *   - ICMP echo, timestamp, information and address-mask requests, ICMPv6 echo requests;
 *   - ARP requests for an IPv4 address (sender not 0.0.0.0, not gratuitous): the
 *     sender is the source and the target address the destination host.
 * The pair tables record, per pair, what its first packet in the window was
 * (NM_PAIR_*), so user space can tell probed ports and hosts from replies.
 *
 * The slot is nm_control.epoch & 1, read once per packet. User space advances the
 * epoch, then updates an ARRAY_OF_MAPS entry: the kernel makes that syscall wait
 * for an RCU grace period, after which no program run can still be writing the
 * retired slot, so user space reads and clears it without racing the program.
 *
 * Per-CPU values are updated without atomics: XDP runs with migration disabled in
 * NAPI/softirq context, where one CPU never runs two instances at once. Values
 * shared across CPUs (port bitmap) use atomic OR; pair-table membership is
 * decided by the kernel's BPF_NOEXIST insert, so exactly one CPU counts a new pair.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "network_monitor.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define NM_IPV6_EXT_MAX 6
#define NM_IP_MF 0x2000
#define NM_IP_OFFSET 0x1FFF
#define NM_DNS_PORT 53
#define NM_ETH_P_ARP 0x0806

/* What a packet is, for probe and reflection accounting. */
enum nm_kind {
	NM_KIND_NONE = 0,
	NM_KIND_SYN,            /* SYN without ACK: a probe */
	NM_KIND_SYN_ACK,        /* backscatter or a reply to our connection */
	NM_KIND_RST,            /* backscatter or a refusal */
	NM_KIND_STEALTH,        /* no SYN, ACK or RST: a probe */
	NM_KIND_ACK,            /* ACK-class: a probe when its flow is unknown */
	NM_KIND_UDP_CANDIDATE,  /* UDP from a non-service port: a probe when its pair is new */
	NM_KIND_UDP_REFLECTION, /* UDP from a well-known reflection source port */
	NM_KIND_UDP_SERVICE,    /* UDP from another service port (a reply) */
	NM_KIND_ICMP_PROBE,     /* ICMP/ICMPv6 request */
	NM_KIND_ARP_REQUEST,    /* ARP request: a probe */
};

#define NM_TCP_FIN 0x01
#define NM_TCP_SYN 0x02
#define NM_TCP_RST 0x04
#define NM_TCP_ACK 0x10

const volatile struct nm_config nm_config = {
	.sample_every = 0,
	.ipv6_source_prefix = 64,
	.ringbuf_wakeup_bytes = 64 * 1024,
	.dns_sampling = 1,
};

/* ---- maps ---------------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nm_control);
} nm_control SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NM_SLOTS);
	__type(key, __u32);
	__type(value, struct nm_counters);
} nm_totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NM_SLOTS);
	__type(key, __u32);
	__type(value, struct nm_port_set);
} nm_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NM_SLOTS);
	__type(key, __u32);
	__type(value, struct nm_hll);
} nm_hll SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NM_SLOTS);
	__type(key, __u32);
	__type(value, struct nm_source_cache);
} nm_source_cache SEC(".maps");

struct nm_source_table {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, NM_DEFAULT_SOURCE_ENTRIES);
	__type(key, struct nm_addr);
	__type(value, struct nm_source_stats);
} nm_sources_0 SEC(".maps"), nm_sources_1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NM_SLOTS);
	__type(key, __u32);
	__array(values, struct nm_source_table);
} nm_sources SEC(".maps") = {
	.values = { &nm_sources_0, &nm_sources_1 },
};

struct nm_port_pair_table {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_DEFAULT_PAIR_ENTRIES);
	__type(key, struct nm_port_pair_key);
	__type(value, __u8);
} nm_port_pairs_0 SEC(".maps"), nm_port_pairs_1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NM_SLOTS);
	__type(key, __u32);
	__array(values, struct nm_port_pair_table);
} nm_port_pairs SEC(".maps") = {
	.values = { &nm_port_pairs_0, &nm_port_pairs_1 },
};

struct nm_host_pair_table {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_DEFAULT_PAIR_ENTRIES);
	__type(key, struct nm_host_pair_key);
	__type(value, __u8);
} nm_host_pairs_0 SEC(".maps"), nm_host_pairs_1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NM_SLOTS);
	__type(key, __u32);
	__array(values, struct nm_host_pair_table);
} nm_host_pairs SEC(".maps") = {
	.values = { &nm_host_pairs_0, &nm_host_pairs_1 },
};

/* TCP flows seen, keyed by flow_hash(); not per window: a flow outlives windows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_DEFAULT_FLOW_ENTRIES);
	__type(key, __u64);
	__type(value, __u8);
} nm_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NM_DEFAULT_RINGBUF_BYTES);
} nm_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NM_DEFAULT_DNS_RINGBUF_BYTES);
} nm_dns_events SEC(".maps");

/* ---- parsing ------------------------------------------------------------- */

struct nm_vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

struct nm_ipv6_ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct nm_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

/* What one packet contributes; filled by the parse_* helpers. */
struct nm_packet {
	struct nm_addr source;
	struct nm_addr destination;
	__u32 bytes;
	__u16 source_port;
	__u16 destination_port;
	__u8 ip_version;   /* 0 = not IP */
	__u8 ip_protocol;  /* transport protocol after extension headers */
	__u8 tcp_flags;
	__u8 has_ports;    /* transport header with ports was parsed */
	__u8 malformed;
	__u8 fragment;
	__u8 first_fragment_or_whole; /* the transport header is in this packet */
	__u8 has_icmp_type;
	__u8 icmp_type;
	__u8 kind;         /* enum nm_kind */
	__u8 ack_probe;    /* NM_KIND_ACK on an unknown flow (decided in count_source) */
	__u16 transport_offset; /* bytes from the frame start to the transport header */
	struct nm_addr unmasked_source; /* the source before IPv6 prefix masking */
};

struct nm_arp_hdr {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 oper;
	__u8 sha[6];
	__u8 spa[4];
	__u8 tha[6];
	__u8 tpa[4];
} __attribute__((packed));

/* Ethernet plus up to two 802.1Q / 802.1ad tags. Returns the inner EtherType in
 * network order, or -1 when the headers are truncated. */
static __always_inline int parse_ethernet(void **cursor, void *end)
{
	struct ethhdr *eth = *cursor;
	if ((void *)(eth + 1) > end)
		return -1;
	*cursor = eth + 1;
	__u16 proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		struct nm_vlan_hdr *vlan = *cursor;
		if ((void *)(vlan + 1) > end)
			return -1;
		proto = vlan->encapsulated_proto;
		*cursor = vlan + 1;
	}
	return proto;
}

static __always_inline void map_ipv4(struct nm_addr *out, __be32 address)
{
	__builtin_memset(out->bytes, 0, 10);
	out->bytes[10] = 0xff;
	out->bytes[11] = 0xff;
	__builtin_memcpy(&out->bytes[12], &address, 4);
}

/* Returns 0 with the transport header position in *cursor, or -1 when the IPv4
 * header is truncated or inconsistent. */
static __always_inline int parse_ipv4(void **cursor, void *end, struct nm_packet *pkt)
{
	struct iphdr *ip = *cursor;
	if ((void *)(ip + 1) > end)
		return -1;
	__u32 header_len = ip->ihl * 4;
	if (ip->version != 4 || header_len < sizeof(*ip))
		return -1;
	if ((void *)ip + header_len > end)
		return -1;
	if (bpf_ntohs(ip->tot_len) < header_len)
		return -1;

	__u16 frag = bpf_ntohs(ip->frag_off);
	pkt->fragment = (frag & (NM_IP_MF | NM_IP_OFFSET)) != 0;
	pkt->first_fragment_or_whole = (frag & NM_IP_OFFSET) == 0;
	pkt->ip_protocol = ip->protocol;
	map_ipv4(&pkt->source, ip->saddr);
	map_ipv4(&pkt->destination, ip->daddr);
	*cursor = (void *)ip + header_len;
	return 0;
}

static __always_inline void mask_ipv6_source(struct nm_addr *address)
{
	__u32 prefix = nm_config.ipv6_source_prefix;
	if (prefix >= 128)
		return;
#pragma unroll
	for (int i = 0; i < 16; i++) {
		__u32 first_bit = i * 8;
		if (first_bit >= prefix)
			address->bytes[i] = 0;
		else if (first_bit + 8 > prefix)
			address->bytes[i] &= (__u8)(0xff << (8 - (prefix - first_bit)));
	}
}

/* Returns 0 with the transport header position in *cursor (when the packet
 * carries it), or -1 when the IPv6 header or an extension header is truncated. */
static __always_inline int parse_ipv6(void **cursor, void *end, struct nm_packet *pkt)
{
	struct ipv6hdr *ip6 = *cursor;
	if ((void *)(ip6 + 1) > end)
		return -1;
	if (ip6->version != 6)
		return -1;
	__builtin_memcpy(pkt->source.bytes, &ip6->saddr, 16);
	__builtin_memcpy(pkt->destination.bytes, &ip6->daddr, 16);
	pkt->unmasked_source = pkt->source;
	mask_ipv6_source(&pkt->source);

	void *pos = ip6 + 1;
	__u8 next = ip6->nexthdr;
	pkt->first_fragment_or_whole = 1;

#pragma unroll
	for (int i = 0; i < NM_IPV6_EXT_MAX; i++) {
		if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
			struct nm_ipv6_ext_hdr *ext = pos;
			if ((void *)(ext + 1) > end)
				return -1;
			__u32 len = ((__u32)ext->hdrlen + 1) * 8;
			if (pos + len > end)
				return -1;
			next = ext->nexthdr;
			pos += len;
		} else if (next == IPPROTO_AH) {
			struct nm_ipv6_ext_hdr *ext = pos;
			if ((void *)(ext + 1) > end)
				return -1;
			__u32 len = ((__u32)ext->hdrlen + 2) * 4;
			if (pos + len > end)
				return -1;
			next = ext->nexthdr;
			pos += len;
		} else if (next == IPPROTO_FRAGMENT) {
			struct nm_ipv6_frag_hdr *frag = pos;
			if ((void *)(frag + 1) > end)
				return -1;
			pkt->fragment = 1;
			if (bpf_ntohs(frag->frag_off) & 0xFFF8)
				pkt->first_fragment_or_whole = 0;
			next = frag->nexthdr;
			pos = frag + 1;
		} else {
			break;
		}
	}
	pkt->ip_protocol = next;
	*cursor = pos;
	return 0;
}

/* Transport header. Ports and flags are taken when the fixed header is complete;
 * an inconsistent length field or a missing header marks the packet malformed. */
static __always_inline void parse_transport(void *pos, void *end, struct nm_packet *pkt)
{
	switch (pkt->ip_protocol) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = pos;
		if ((void *)(tcp + 1) > end) {
			pkt->malformed = 1;
			return;
		}
		__u32 header_len = tcp->doff * 4;
		if (header_len < sizeof(*tcp) || pos + header_len > end)
			pkt->malformed = 1;
		pkt->source_port = bpf_ntohs(tcp->source);
		pkt->destination_port = bpf_ntohs(tcp->dest);
		pkt->tcp_flags = ((__u8 *)tcp)[13];
		pkt->has_ports = 1;
		return;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = pos;
		if ((void *)(udp + 1) > end) {
			pkt->malformed = 1;
			return;
		}
		if (bpf_ntohs(udp->len) < sizeof(*udp))
			pkt->malformed = 1;
		pkt->source_port = bpf_ntohs(udp->source);
		pkt->destination_port = bpf_ntohs(udp->dest);
		pkt->has_ports = 1;
		return;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* type, code, checksum */
		if (pos + 4 > end) {
			pkt->malformed = 1;
			return;
		}
		pkt->icmp_type = *(__u8 *)pos;
		pkt->has_icmp_type = 1;
		return;
	default:
		return;
	}
}

/* An ARP request for an IPv4 address becomes a probe from its sender to its target
 * (parse_arp). Other ARP frames (replies, gratuitous, probes from 0.0.0.0, truncated)
 * stay addressless non-IP frames. */

/* Well-known UDP services that answer small requests with large replies; their
 * source port marks reflection and amplification traffic. Must match
 * PacketKind.reflectionUDPSourcePorts in Sources/TrafficFeatures/PacketSummary.swift. */
static __always_inline int is_reflection_port(__u16 port)
{
	switch (port) {
	case 19: case 53: case 69: case 111: case 123: case 137: case 161: case 389:
	case 500: case 520: case 1434: case 1900: case 3283: case 3702: case 4500: case 5353:
	case 5683: case 10001: case 11211: case 37810: case 47808:
		return 1;
	default:
		return 0;
	}
}

/* A UDP source port that marks a service answering rather than a client probing. */
static __always_inline int is_service_port(__u16 port)
{
	return port < 1024 || is_reflection_port(port) || port == 3478;
}

static __always_inline void parse_arp(void *pos, void *end, struct nm_packet *pkt)
{
	struct nm_arp_hdr *arp = pos;
	if ((void *)(arp + 1) > end)
		return;
	if (arp->htype != bpf_htons(1) || arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != 6 || arp->plen != 4 ||
	    arp->oper != bpf_htons(1))
		return;
	__be32 sender, target;
	__builtin_memcpy(&sender, arp->spa, 4);
	__builtin_memcpy(&target, arp->tpa, 4);
	if (sender == 0 || sender == target)
		return;
	map_ipv4(&pkt->source, sender);
	map_ipv4(&pkt->destination, target);
	pkt->kind = NM_KIND_ARP_REQUEST;
}

static __always_inline void classify(struct nm_packet *pkt)
{
	if (pkt->kind == NM_KIND_ARP_REQUEST || pkt->ip_version == 0)
		return;
	switch (pkt->ip_protocol) {
	case IPPROTO_TCP: {
		if (!pkt->has_ports)
			return;
		__u8 f = pkt->tcp_flags;
		if ((f & (NM_TCP_SYN | NM_TCP_ACK)) == NM_TCP_SYN)
			pkt->kind = NM_KIND_SYN;
		else if (f & NM_TCP_SYN)
			pkt->kind = NM_KIND_SYN_ACK;
		else if (f & NM_TCP_RST)
			pkt->kind = NM_KIND_RST;
		else if (!(f & NM_TCP_ACK))
			pkt->kind = NM_KIND_STEALTH;
		else
			pkt->kind = NM_KIND_ACK;
		return;
	}
	case IPPROTO_UDP:
		if (!pkt->has_ports)
			return;
		if (is_reflection_port(pkt->source_port))
			pkt->kind = NM_KIND_UDP_REFLECTION;
		else if (is_service_port(pkt->source_port))
			pkt->kind = NM_KIND_UDP_SERVICE;
		else
			pkt->kind = NM_KIND_UDP_CANDIDATE;
		return;
	case IPPROTO_ICMP: {
		__u8 t = pkt->icmp_type;
		if (pkt->has_icmp_type && (t == 8 || t == 13 || t == 15 || t == 17))
			pkt->kind = NM_KIND_ICMP_PROBE;
		return;
	}
	case IPPROTO_ICMPV6:
		if (pkt->has_icmp_type && pkt->icmp_type == 128)
			pkt->kind = NM_KIND_ICMP_PROBE;
		return;
	default:
		return;
	}
}

/* ---- accounting ---------------------------------------------------------- */

static __always_inline __u64 mix64(__u64 x)
{
	/* murmur3 fmix64 */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Must match HyperLogLog.hash(_:) in Sources/TrafficFeatures. */
static __always_inline __u64 hash_addr(const struct nm_addr *a)
{
	__u64 hi, lo;
	__builtin_memcpy(&hi, &a->bytes[0], 8);
	__builtin_memcpy(&lo, &a->bytes[8], 8);
	return mix64(hi ^ mix64(lo ^ 0x9e3779b97f4a7c15ULL));
}

static __always_inline void hll_add(struct nm_hll *hll, const struct nm_addr *a)
{
	__u64 h = hash_addr(a);
	__u32 index = h >> (64 - NM_HLL_PRECISION);
	__u64 rest = h << NM_HLL_PRECISION;
	/* rank = leading zeros of the remaining 52 bits + 1 (53 when all are zero) */
	__u8 rank = rest ? (__u8)(__builtin_clzll(rest) + 1) : (64 - NM_HLL_PRECISION + 1);
	index &= NM_HLL_REGISTERS - 1;
	if (hll->registers[index] < rank)
		hll->registers[index] = rank;
}

static __always_inline void add_port(__u32 slot, __u16 port)
{
	struct nm_port_set *set = bpf_map_lookup_elem(&nm_ports, &slot);
	if (!set)
		return;
	__u64 bit = 1ULL << (port & 63);
	__u64 *word = &set->words[(port >> 6) & (NM_PORT_WORDS - 1)];
	if (!(*word & bit))
		__sync_fetch_and_or(word, bit);
}

static __always_inline void count_totals(struct nm_counters *c, const struct nm_packet *pkt)
{
	__u64 bytes = pkt->bytes;
	c->packets++;
	c->bytes += bytes;

	switch (pkt->ip_version) {
	case 4:
		c->ipv4_packets++;
		break;
	case 6:
		c->ipv6_packets++;
		break;
	default:
		c->non_ip_packets++;
		break;
	}
	if (pkt->fragment)
		c->fragment_packets++;
	if (pkt->malformed)
		c->malformed_packets++;

	if (pkt->ip_version == 0) {
		c->other_packets++;
		c->other_bytes += bytes;
		if (pkt->kind == NM_KIND_ARP_REQUEST)
			c->arp_request_packets++;
		return;
	}
	switch (pkt->ip_protocol) {
	case IPPROTO_TCP:
		c->tcp_packets++;
		c->tcp_bytes += bytes;
		break;
	case IPPROTO_UDP:
		c->udp_packets++;
		c->udp_bytes += bytes;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		c->icmp_packets++;
		c->icmp_bytes += bytes;
		break;
	default:
		c->other_packets++;
		c->other_bytes += bytes;
		break;
	}

	if (pkt->ip_protocol == IPPROTO_TCP && pkt->has_ports) {
		__u8 f = pkt->tcp_flags;
		if ((f & (NM_TCP_SYN | NM_TCP_ACK)) == NM_TCP_SYN)
			c->syn_packets++;
		if ((f & (NM_TCP_SYN | NM_TCP_ACK)) == (NM_TCP_SYN | NM_TCP_ACK))
			c->syn_ack_packets++;
		if (f & NM_TCP_RST)
			c->rst_packets++;
		if (f & NM_TCP_FIN)
			c->fin_packets++;
	}
	if (pkt->has_ports && (pkt->source_port == NM_DNS_PORT || pkt->destination_port == NM_DNS_PORT)) {
		c->dns_packets++;
		c->dns_bytes += bytes;
	}
	switch (pkt->kind) {
	case NM_KIND_STEALTH:
		c->stealth_probe_packets++;
		break;
	case NM_KIND_ICMP_PROBE:
		c->icmp_probe_packets++;
		break;
	case NM_KIND_UDP_REFLECTION:
		c->udp_reflection_packets++;
		c->udp_reflection_bytes += bytes;
		break;
	}
}

/* Inserts (source, port) into this window's pair table. Returns 1 when the pair
 * is new, 0 when it was already there or could not be recorded (counted). */
/* The NM_PAIR_* flags of a packet. */
static __always_inline __u8 pair_flags(const struct nm_packet *pkt)
{
	switch (pkt->kind) {
	case NM_KIND_SYN:
	case NM_KIND_STEALTH:
	case NM_KIND_UDP_CANDIDATE: /* the pair is new: a UDP probe */
	case NM_KIND_ICMP_PROBE:
	case NM_KIND_ARP_REQUEST:
		return NM_PAIR_PROBE;
	case NM_KIND_ACK:
		return pkt->ack_probe ? NM_PAIR_PROBE : 0;
	case NM_KIND_SYN_ACK:
	case NM_KIND_RST:
		return NM_PAIR_BACKSCATTER;
	case NM_KIND_UDP_REFLECTION:
		return NM_PAIR_UDP_REFLECTION;
	default:
		return 0;
	}
}

static __always_inline int insert_port_pair(__u32 slot, struct nm_counters *c,
					    const struct nm_packet *pkt)
{
	void *pairs = bpf_map_lookup_elem(&nm_port_pairs, &slot);
	if (!pairs)
		return 0;
	struct nm_port_pair_key key = { .port = pkt->destination_port };
	key.source = pkt->source;
	if (bpf_map_lookup_elem(pairs, &key))
		return 0;
	__u8 flags = pair_flags(pkt);
	long err = bpf_map_update_elem(pairs, &key, &flags, BPF_NOEXIST);
	if (err == 0) {
		c->port_pair_inserts++;
		return 1;
	}
	if (err != -17 /* EEXIST: another CPU inserted it first */)
		c->port_pair_insert_failures++;
	return 0;
}

static __always_inline int insert_host_pair(__u32 slot, struct nm_counters *c,
					    const struct nm_packet *pkt)
{
	void *pairs = bpf_map_lookup_elem(&nm_host_pairs, &slot);
	if (!pairs)
		return 0;
	struct nm_host_pair_key key;
	key.source = pkt->source;
	key.destination = pkt->destination;
	if (bpf_map_lookup_elem(pairs, &key))
		return 0;
	__u8 flags = pair_flags(pkt);
	long err = bpf_map_update_elem(pairs, &key, &flags, BPF_NOEXIST);
	if (err == 0) {
		c->host_pair_inserts++;
		return 1;
	}
	if (err != -17)
		c->host_pair_insert_failures++;
	return 0;
}

static __always_inline int same_addr(const struct nm_addr *a, const struct nm_addr *b)
{
	__u64 a0, a1, b0, b1;
	__builtin_memcpy(&a0, &a->bytes[0], 8);
	__builtin_memcpy(&a1, &a->bytes[8], 8);
	__builtin_memcpy(&b0, &b->bytes[0], 8);
	__builtin_memcpy(&b1, &b->bytes[8], 8);
	return a0 == b0 && a1 == b1;
}

/* Must match PacketKind.flowHash in Sources/TrafficFeatures/PacketSummary.swift. */
static __always_inline __u64 flow_hash(const struct nm_packet *pkt)
{
	__u64 s0, s1, d0, d1;
	__builtin_memcpy(&s0, &pkt->source.bytes[0], 8);
	__builtin_memcpy(&s1, &pkt->source.bytes[8], 8);
	__builtin_memcpy(&d0, &pkt->destination.bytes[0], 8);
	__builtin_memcpy(&d1, &pkt->destination.bytes[8], 8);
	__u64 ports = ((__u64)pkt->source_port << 16) | pkt->destination_port;
	return mix64(s0 ^ mix64(s1 ^ mix64(d0 ^ mix64(d1 ^ mix64(ports ^ 0x9e3779b97f4a7c15ULL)))));
}

/* Records the packet's TCP flow; returns 1 when it is in the table afterwards. */
static __always_inline int remember_flow(struct nm_counters *c, __u64 key)
{
	__u8 one = 1;
	long err = bpf_map_update_elem(&nm_flows, &key, &one, BPF_NOEXIST);
	if (err == 0) {
		c->flow_inserts++;
		return 1;
	}
	if (err == -17 /* EEXIST */)
		return 1;
	c->flow_insert_failures++;
	return 0;
}

/* Learns TCP flows and decides whether an ACK-class packet is a probe. Returns
 * whether the packet's flow is known afterwards. */
static __always_inline int track_flow(struct nm_counters *c, struct nm_packet *pkt)
{
	switch (pkt->kind) {
	case NM_KIND_SYN:
	case NM_KIND_SYN_ACK:
		return remember_flow(c, flow_hash(pkt));
	case NM_KIND_ACK: {
		__u64 key = flow_hash(pkt);
		if (bpf_map_lookup_elem(&nm_flows, &key))
			return 1;
		pkt->ack_probe = 1;
		c->ack_probe_packets++;
		return remember_flow(c, key);
	}
	default:
		return 0;
	}
}

/* Adds one packet's per-source counters to the pending counters of the cache. */
static __always_inline void add_pending(struct nm_source_cache *cache, const struct nm_packet *pkt)
{
	__u64 bytes = pkt->bytes;
	cache->packets++;
	cache->bytes += bytes;
	switch (pkt->ip_protocol) {
	case IPPROTO_TCP:
		cache->tcp_packets++;
		if (pkt->has_ports && (pkt->tcp_flags & (NM_TCP_SYN | NM_TCP_ACK)) == NM_TCP_SYN)
			cache->syn_packets++;
		if (pkt->has_ports && (pkt->tcp_flags & (NM_TCP_SYN | NM_TCP_ACK)) == (NM_TCP_SYN | NM_TCP_ACK))
			cache->syn_ack_packets++;
		if (pkt->has_ports && (pkt->tcp_flags & NM_TCP_RST))
			cache->rst_packets++;
		break;
	case IPPROTO_UDP:
		cache->udp_packets++;
		if (pkt->has_ports) {
			cache->last_udp_source_port = pkt->source_port;
			cache->udp_source_port_seen = 1;
		}
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		cache->icmp_packets++;
		break;
	}
	if (pkt->has_ports && (pkt->source_port == NM_DNS_PORT || pkt->destination_port == NM_DNS_PORT)) {
		cache->dns_packets++;
		cache->dns_bytes += bytes;
	}
	switch (pkt->kind) {
	case NM_KIND_STEALTH:
		cache->stealth_probes++;
		break;
	case NM_KIND_ACK:
		cache->ack_probes += pkt->ack_probe;
		break;
	case NM_KIND_ICMP_PROBE:
		cache->icmp_probes++;
		break;
	case NM_KIND_ARP_REQUEST:
		cache->arp_requests++;
		break;
	case NM_KIND_UDP_REFLECTION:
		cache->udp_reflection_packets++;
		break;
	}
}

static __always_inline void clear_pending(struct nm_source_cache *cache)
{
	NM_SOURCE_COUNTERS(NM_CACHED_CLEAR)
	cache->udp_source_port_seen = 0;
}

/* Moves the cache's pending counters into a table entry. */
static __always_inline void move_pending(struct nm_source_cache *cache, struct nm_source_stats *s)
{
	NM_SOURCE_COUNTERS(NM_CACHED_MOVE)
	if (cache->udp_source_port_seen) {
		s->last_udp_source_port = cache->last_udp_source_port;
		s->udp_source_port_seen = 1;
	}
	clear_pending(cache);
}

/* The table entry of `source`, created (and added to the sketch) when new. */
static __always_inline struct nm_source_stats *source_entry(void *sources, __u32 slot, struct nm_counters *c,
							     const struct nm_addr *source)
{
	struct nm_source_stats *s = bpf_map_lookup_elem(sources, source);
	if (s)
		return s;
	struct nm_source_stats zero = {};
	long err = bpf_map_update_elem(sources, source, &zero, BPF_NOEXIST);
	if (err == 0) {
		c->source_inserts++;
		struct nm_hll *hll = bpf_map_lookup_elem(&nm_hll, &slot);
		if (hll)
			hll_add(hll, source);
	} else if (err != -17 /* EEXIST: another CPU inserted it first */) {
		c->source_insert_failures++;
		return NULL;
	}
	s = bpf_map_lookup_elem(sources, source);
	if (!s)
		c->source_insert_failures++;
	return s;
}

static __always_inline void count_source(__u32 slot, struct nm_counters *c,
					 struct nm_packet *pkt)
{
	struct nm_source_cache *cache = bpf_map_lookup_elem(&nm_source_cache, &slot);
	if (!cache)
		return;
	__u32 port_hint = pkt->has_ports ? (__u32)pkt->destination_port + 1 : 0;
	int cached_source = cache->valid && same_addr(&cache->source, &pkt->source);
	/* TCP repeats must be the same flow; an ACK repeat also needs the flow known. */
	int tcp = pkt->ip_protocol == IPPROTO_TCP && pkt->has_ports;
	int same_flow = !tcp || (cache->source_port == pkt->source_port &&
				 (pkt->kind != NM_KIND_ACK || cache->flow_known));

	/* Fast path: the same source, port, host (and flow) as the previous packet on this CPU. */
	if (cached_source && cache->port_hint == port_hint && cache->protocol == pkt->ip_protocol && same_flow &&
	    same_addr(&cache->destination, &pkt->destination)) {
		add_pending(cache, pkt);
		return;
	}

	/* The fast path needs no port-set update: the cached packet set this bit. */
	if (pkt->has_ports)
		add_port(slot, pkt->destination_port);

	void *sources = bpf_map_lookup_elem(&nm_sources, &slot);
	if (!sources)
		return;
	/* Pending counters always belong to the cache's current source. */
	if (cache->valid && !cached_source && cache->packets) {
		struct nm_source_stats *previous = source_entry(sources, slot, c, &cache->source);
		if (previous)
			move_pending(cache, previous);
		else
			clear_pending(cache); /* lost attribution, counted as an insert failure */
	}
	cache->flow_known = tcp ? track_flow(c, pkt) : 0;
	add_pending(cache, pkt);
	cache->source = pkt->source;
	cache->destination = pkt->destination;
	cache->port_hint = port_hint;
	cache->source_port = pkt->source_port;
	cache->protocol = pkt->ip_protocol;
	cache->valid = 1;

	struct nm_source_stats *s = source_entry(sources, slot, c, &pkt->source);
	if (!s)
		return; /* the packet stays pending; user space adds it to its source */
	move_pending(cache, s);

	/* Distinct destination ports (hint: this CPU's copy of the last new port). */
	int new_pair = 0;
	if (pkt->has_ports && s->last_port_hint != port_hint) {
		if (insert_port_pair(slot, c, pkt)) {
			s->unique_ports++;
			new_pair = 1;
		}
		s->last_port_hint = port_hint;
	}

	/* Distinct destination hosts (hint for IPv4 destinations and ARP targets). */
	__u32 v4 = 0;
	if (pkt->ip_version == 4 || pkt->kind == NM_KIND_ARP_REQUEST)
		__builtin_memcpy(&v4, &pkt->destination.bytes[12], 4);
	if (v4 == 0 || s->last_ipv4_host_hint != v4) {
		if (insert_host_pair(slot, c, pkt)) {
			s->unique_hosts++;
			new_pair = 1;
		}
		s->last_ipv4_host_hint = v4;
	}

	/* A UDP datagram from a client port is a probe when it reaches a new port or host. */
	if (pkt->kind == NM_KIND_UDP_CANDIDATE && new_pair) {
		s->udp_probes++;
		c->udp_probe_packets++;
	}
}

static __always_inline void sample_event(struct nm_counters *c, const struct nm_packet *pkt)
{
	__u32 every = nm_config.sample_every;
	if (every == 0)
		return;
	if (c->packets % every != 0)
		return;
	struct nm_event *e = bpf_ringbuf_reserve(&nm_events, sizeof(*e), 0);
	if (!e) {
		c->ringbuf_reserve_failures++;
		return;
	}
	e->timestamp_ns = bpf_ktime_get_ns();
	e->source = pkt->source;
	e->destination = pkt->destination;
	e->packet_bytes = pkt->bytes;
	e->source_port = pkt->source_port;
	e->destination_port = pkt->destination_port;
	e->ip_version = pkt->ip_version;
	e->ip_protocol = pkt->ip_protocol;
	e->tcp_flags = pkt->tcp_flags;
	__builtin_memset(e->reserved, 0, sizeof(e->reserved));
	c->sampled_events++;
	/* Wake the consumer only past a fill threshold: a wake-up per event costs
	 * more than the event itself. The consumer also drains on a timer. */
	__u64 flags = bpf_ringbuf_query(&nm_events, BPF_RB_AVAIL_DATA) >= nm_config.ringbuf_wakeup_bytes
			      ? BPF_RB_FORCE_WAKEUP
			      : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* Copies the start of a UDP port-53 message to nm_dns_events. */
static __always_inline void sample_dns(struct xdp_md *ctx, struct nm_counters *c, const struct nm_packet *pkt)
{
	if (!nm_config.dns_sampling || pkt->ip_protocol != IPPROTO_UDP || !pkt->has_ports || pkt->malformed)
		return;
	if (pkt->source_port != NM_DNS_PORT && pkt->destination_port != NM_DNS_PORT)
		return;
	__u32 payload_offset = (__u32)pkt->transport_offset + 8;
	__u32 frame = ctx->data_end - ctx->data;
	if (payload_offset >= frame)
		return;
	__u32 length = frame - payload_offset;
	struct nm_dns_event *e = bpf_ringbuf_reserve(&nm_dns_events, sizeof(*e), 0);
	if (!e) {
		c->dns_samples_lost++;
		return;
	}
	__u32 captured = length < NM_DNS_PAYLOAD ? length : NM_DNS_PAYLOAD;
	e->timestamp_ns = bpf_ktime_get_ns();
	e->source = pkt->ip_version == 6 ? pkt->unmasked_source : pkt->source;
	e->destination = pkt->destination;
	e->source_port = pkt->source_port;
	e->destination_port = pkt->destination_port;
	e->payload_length = length > 0xFFFF ? 0xFFFF : length;
	/* Keep the compiler from folding the bounds check the verifier needs on this register. */
	asm volatile("" : "+r"(captured));
	if (captured >= 1 && captured <= NM_DNS_PAYLOAD) {
		if (bpf_xdp_load_bytes(ctx, payload_offset, e->payload, captured) < 0)
			captured = 0;
	} else {
		captured = 0;
	}
	e->captured = captured;
	c->dns_samples++;
	__u64 flags = bpf_ringbuf_query(&nm_dns_events, BPF_RB_AVAIL_DATA) >= nm_config.ringbuf_wakeup_bytes
			      ? BPF_RB_FORCE_WAKEUP
			      : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

SEC("xdp")
int network_monitor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	__u32 zero = 0;
	struct nm_control *control = bpf_map_lookup_elem(&nm_control, &zero);
	if (!control)
		return XDP_PASS;
	__u32 slot = control->epoch & 1;
	struct nm_counters *c = bpf_map_lookup_elem(&nm_totals, &slot);
	if (!c)
		return XDP_PASS;

	struct nm_packet pkt = {};
	pkt.bytes = end - data;

	void *cursor = data;
	int proto = parse_ethernet(&cursor, end);
	if (proto < 0) {
		pkt.malformed = 1;
	} else if (proto == bpf_htons(NM_ETH_P_ARP)) {
		parse_arp(cursor, end, &pkt);
	} else if (proto == bpf_htons(ETH_P_IP)) {
		pkt.ip_version = 4;
		if (parse_ipv4(&cursor, end, &pkt) < 0)
			pkt.malformed = 1;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		pkt.ip_version = 6;
		if (parse_ipv6(&cursor, end, &pkt) < 0)
			pkt.malformed = 1;
	}

	if (pkt.ip_version != 0 && pkt.malformed) {
		/* Unusable IP header: the packet counts as "other", with no addresses. */
		pkt.ip_protocol = 0;
	} else if (pkt.ip_version != 0 && pkt.first_fragment_or_whole) {
		pkt.transport_offset = cursor - data;
		parse_transport(cursor, end, &pkt);
	}

	classify(&pkt);
	count_totals(c, &pkt);
	if ((pkt.ip_version != 0 && !(pkt.malformed && pkt.ip_protocol == 0)) || pkt.kind == NM_KIND_ARP_REQUEST)
		count_source(slot, c, &pkt);
	sample_event(c, &pkt);
	sample_dns(ctx, c, &pkt);
	return XDP_PASS;
}
