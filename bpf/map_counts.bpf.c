/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Counts the entries of one BPF map without reading them: a bpf_map iterator that writes
 * (map id, entries) for the map whose id user space put in nm_target_map_id, using the kernel's
 * own per-CPU element counters (bpf_map_sum_elem_count, Linux 6.6 and later; hash and LRU hash
 * maps keep them: an LRU eviction decrements them).
 *
 * The loader (EBPFCapture) reads it once per window to learn how many flows the LRU flow table
 * nm_flows holds, so that the flows it evicted are inserts minus entries, without a scan of its
 * 65,536 entries. A separate object: where the kernel lacks the kfunc or BTF, only this object
 * fails to load, and the loader counts by a scan instead.
 *
 * The kernel types are declared here with only the fields used; CO-RE relocates them against
 * the running kernel's BTF (no vmlinux.h needed).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __attribute__((preserve_access_index));

extern __s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

/* One record per iteration over the maps: the target's. */
struct nm_map_count {
	__u32 map_id;
	__u32 reserved;
	__s64 entries;
};

/* Set by the loader before load: the id of the map to count. */
const volatile __u32 nm_target_map_id = 0;

SEC("iter/bpf_map")
int nm_map_counts(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	if (!map || map->id != nm_target_map_id)
		return 0;
	struct nm_map_count record = { .map_id = map->id, .entries = bpf_map_sum_elem_count(map) };
	bpf_seq_write(ctx->meta->seq, &record, sizeof(record));
	return 0;
}
