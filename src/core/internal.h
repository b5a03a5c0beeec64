/* Internal interfaces between the files of the rashm core (and src/aix).
 * Convention: functions return 0 or -errno and write outputs only on
 * success; public entry points convert with rashm_fail(). */
#ifndef RASHM_CORE_INTERNAL_H
#define RASHM_CORE_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/types.h>

#include "rashm.h"

#include "errors.h"   /* rashm_fail (src/common) */
#include "export.h"   /* RASHM_API / RASHM_HIDDEN (src/common) */
#include "range.h"    /* rcom_round_up, rcom_range_check (src/common) */

/* Policy modes and flags by name: numaif.h (the header only; libnuma is
 * not linked), plus those not in every numaif.h. */
#include <numaif.h>
#ifndef MPOL_LOCAL
#define MPOL_LOCAL 4
#endif
#ifndef MPOL_PREFERRED_MANY
#define MPOL_PREFERRED_MANY 5
#endif
#ifndef MPOL_WEIGHTED_INTERLEAVE
#define MPOL_WEIGHTED_INTERLEAVE 6
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif


/* ---- configuration (config.c); read from the environment per call ------ */
struct rashm_cfg {
    int default_policy;       /* RASHM_POLICY_BALANCED or _FIRST_TOUCH */
    int weighted;             /* RASHM_BALANCED=weighted */
    int enhanced_affinity;    /* RASHM_ENHANCED_AFFINITY */
    int debug;                /* RASHM_DEBUG */
    int shmat_hook;           /* RASHM_SHMAT */
    char registry_dir[256];   /* RASHM_REGISTRY_DIR */
};
/* 0, or -EINVAL when a RASHM_* value is not accepted (reported on stderr;
 * *c then holds the defaults for what was bad). */
RASHM_HIDDEN int cfg_read(struct rashm_cfg *c);
/* registry.c: the verified registry top directory (fd) or -errno. */
RASHM_HIDDEN int reg_top_fd(int create);
RASHM_HIDDEN int cfg_debug(void);
RASHM_HIDDEN void rashm_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- sets (sets.c) ------------------------------------------------------ */
/* A kernel cpulist ("0-3,8", sysfs and /proc/PID/status) into *out, which
 * is cleared first and left partly written on -EINVAL. */
RASHM_HIDDEN int sets_parse_cpulist(const char *s, rashm_cpuset_t *out);

/* ---- topology (topology.c) -------------------------------------------- */
RASHM_HIDDEN int topo_get(const rashm_topo_t **out);     /* rashm_topo(), -errno */
/* hwloc's allowed CPUs and nodes (cgroup cpuset), without the affinity mask. */
RASHM_HIDDEN void topo_allowed(const rashm_topo_t *t, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes);
/* The partition of process PID (0: this one), see partition.c: the CPUs of
 * its cpuset cgroup (-ESRCH: no such process; -ENOENT: no cpuset
 * controller, the caller uses the whole system) and the nodes of its
 * Mems_allowed_list. For this system's topology. */
RASHM_HIDDEN int topo_partition_pid(const rashm_topo_t *t, pid_t pid, rashm_cpuset_t *cpus,
                                    rashm_nodeset_t *nodes);
/* partition.c */
RASHM_HIDDEN int sys_cpuset_cpus(pid_t pid, rashm_cpuset_t *out);
RASHM_HIDDEN int sys_mems_allowed(pid_t pid, rashm_nodeset_t *out);
/* Moves PID into a child cpuset with these CPUs and nodes (cpus NULL: back
 * out of it); see partition.c. */
RASHM_HIDDEN int sys_set_partition(pid_t pid, const rashm_cpuset_t *cpus, const rashm_nodeset_t *mems);
/* Default huge page size in bytes (from /proc/meminfo; 2 MiB if unknown). */
RASHM_HIDDEN uint64_t sys_huge_page_size(void);
/* Page size of a segment created with shmflg (SHM_HUGETLB + SHM_HUGE_*). */
RASHM_HIDDEN uint64_t shm_page_size(int shmflg);
/* Whether MPOL_WEIGHTED_INTERLEAVE exists here (sysfs knob present). */
RASHM_HIDDEN int kernel_has_weighted_interleave(void);

/* ---- planning (plan.c, pure) ------------------------------------------ */
struct plan_entry {
    uint64_t offset, length;   /* page-aligned, inside the segment */
    int policy;                /* as requested (enum rashm_policy) */
    int eff_policy;            /* DEFAULT resolved: BALANCED or FIRST_TOUCH */
    int origin, srad;          /* provenance (RASHM_ORIGIN_GAP for gaps) */
    int range_index;           /* index of the source range, -1 for gaps */
    rashm_nodeset_t nodes;     /* the attachment's nodes */
    int mode;                  /* MPOL_* to apply */
    rashm_nodeset_t mask;      /* its node mask (empty for MPOL_LOCAL) */
    int populate_now;          /* populate in the creating process */
    int per_attach;            /* re-apply on every attach (hugetlb) */
};
struct plan_input {
    const rashm_topo_t *topo;
    uint64_t size;             /* segment size (bytes, as asked) */
    uint64_t page_size;
    int hugetlb;
    unsigned flags;            /* RASHM_POPULATE / RASHM_LOCK */
    int default_policy;        /* what RASHM_POLICY_DEFAULT means */
    int weighted;              /* use MPOL_WEIGHTED_INTERLEAVE for balanced */
};
struct plan {
    int n;
    struct plan_entry e[];     /* sorted by offset, non-overlapping, covering the segment */
};
/* Builds the placement plan. -EINVAL for a bad range, -ENOMEM. */
RASHM_HIDDEN int plan_build(const struct plan_input *in, const struct rashm_range *r, int n,
                            struct plan **out);
/* Checks one range against size/page size; -EINVAL if bad. Resolves
 * length 0 into *len_out. */
RASHM_HIDDEN int plan_check_range(uint64_t size, uint64_t page_size, uint64_t off, uint64_t len,
                                  uint64_t *len_out);
/* Rounded-up size of the segment in pages of page_size, in bytes. */
static inline uint64_t plan_end(uint64_t size, uint64_t page_size)
{
    return rcom_round_up(size, page_size);
}

/* ---- apply (apply.c): the only mbind / move_pages / get_mempolicy user -- */
#define APPLY_MOVE 0x1         /* migrate pages already there */
RASHM_HIDDEN int apply_mbind(void *addr, uint64_t len, int mode, const rashm_nodeset_t *mask,
                             unsigned aflags);
/* Applies every plan entry (optionally only per_attach ones) to a mapping
 * of the segment at base. */
RASHM_HIDDEN int apply_plan(void *base, const struct plan_entry *e, int n, int only_per_attach,
                            unsigned aflags);
/* Policy in force at addr (MPOL_F_ADDR). */
RASHM_HIDDEN int apply_get_policy(void *addr, int *mode, rashm_nodeset_t *mask);
/* Counts pages of [addr, addr+len) at `stride` per node with move_pages in
 * big batches; pages that are not mapped count as not resident. */
RASHM_HIDDEN int apply_count_pages(void *addr, uint64_t len, uint64_t stride, int node_slots,
                                   uint64_t *node_pages, uint64_t *resident);
RASHM_HIDDEN int apply_mems_allowed(rashm_nodeset_t *out);
/* set_mempolicy of the calling thread (mask unused for MPOL_DEFAULT and
 * MPOL_LOCAL); MPOL_PREFERRED_MANY falls back to MPOL_PREFERRED of the
 * first node where the kernel lacks it. */
RASHM_HIDDEN int apply_thread_policy(int mode, const rashm_nodeset_t *mask);
RASHM_HIDDEN int apply_numa_available(void);

/* ---- segments (segment.c) --------------------------------------------- */
/* shmat/shmdt without going through the exported shmat interposer. */
RASHM_HIDDEN void *seg_shmat_raw(int shmid, const void *addr, int shmflg);
RASHM_HIDDEN int seg_shmdt_raw(const void *addr);
/* Creation time (ns) of the shm file behind the mapping that starts at
 * addr: the segment's identity (ids and inode numbers are reused). */
RASHM_HIDDEN int seg_mapping_birth(const void *addr, size_t segsz, uint64_t *birth);
/* The mapping (VMA) that holds addr as the kernel sees it: its page size
 * (the huge page size for hugetlb, whatever any registry entry says), start
 * and length. PROCMAP_QUERY, else smaps. */
struct reg_entry;
struct seg_map_info {
    uint64_t page_size;
    uint64_t start, length;    /* the VMA: [start, start + length) */
    int hugetlb;               /* page_size is not the base page size */
};
RASHM_HIDDEN int seg_mapping_info(const void *addr, struct seg_map_info *out);
/* The registry entry of shmid, validated (reg_check_entry) against the
 * segment as the kernel shows it: its size and the page size of `mapped`
 * (an attach the caller has; NULL: a temporary read-only attach is made,
 * and when none is allowed only a possible page size is required);
 * known_map: seg_mapping_info(mapped) when the caller has it, else NULL.
 * check_nodes: also require node sets within the topology's nodes (loads
 * the topology; else only the type's bound, RASHM_MAX_NODES).
 * -ENOENT when there is no entry or it fails the checks. Caller frees. */
/* libc's shmctl, never librashm's interposer (shm.c). */
struct shmid_ds;
RASHM_HIDDEN int seg_shmctl_raw(int shmid, int cmd, struct shmid_ds *buf);
/* IPC_RMID and the segment's registry entry with it (interpose.c). */
RASHM_HIDDEN int seg_rmid_and_forget(int shmid);
RASHM_HIDDEN int seg_entry_load(int shmid, const void *mapped, const struct seg_map_info *known_map,
                                int check_nodes, struct reg_entry **out);
/* Plans and applies ranges on any mapping (ra_mmap, ra_attach R_SUBRANGE). */
RASHM_HIDDEN int seg_place_mapping(void *addr, uint64_t len, uint64_t page_size,
                                   const struct rashm_range *r, int n, unsigned aflags);
/* Policy of a mapping range back to the default. */
RASHM_HIDDEN int seg_unplace_mapping(void *addr, uint64_t len);
RASHM_HIDDEN int seg_populate(void *base, uint64_t off, uint64_t len,
                              const struct rashm_create_opts *opts, uint64_t done_before,
                              uint64_t total);
/* Maps into a fresh attach the pages the segment already has, allocating
 * none (query.c): move_pages and a moving mbind only see mapped pages. */
RASHM_HIDDEN int seg_map_resident(int shmid, void *base, uint64_t len, uint64_t page, int hugetlb,
                                  const struct shmid_ds *ds);

/* ---- registry (registry.c) -------------------------------------------- */
struct reg_range {
    uint64_t offset, length;
    int32_t policy, eff_policy, origin, srad, range_index, mode;
    int32_t populate_now, per_attach;
    rashm_nodeset_t nodes;
    rashm_nodeset_t mask;
    rashm_cpuset_t cpus;
};
struct reg_entry {
    uint32_t magic, version;
    int32_t shmid;
    int32_t key;
    int32_t cpid;
    int32_t hugetlb;
    uint64_t segsz;
    int64_t ctime;
    uint64_t birth;            /* 0: unknown (no map_files access) */
    uint64_t page_size;
    int32_t nranges;
    int32_t has_per_attach;
    struct reg_range r[];
};
/* Writes the entry for a segment (mapped at base, for the inode); h (may
 * be NULL): the creation record, whose directory is reused. 0 also
 * when the registry is not usable here (refused top directory, foreign
 * per-uid directory: said once on stderr); -errno when writing failed. */
struct reg_pending_h;
/* The entry reg_store writes for plan p (ranges: what the caller asked,
 * for the CPUs of each range), without the segment's facts (shmid, key,
 * sizes, times: the caller fills them). NULL when out of memory. */
RASHM_HIDDEN struct reg_entry *reg_entry_from_plan(const struct plan *p, const struct rashm_range *ranges,
                                                  int nranges, size_t *size);
RASHM_HIDDEN int reg_store(int shmid, const void *base, uint64_t page_size, int hugetlb,
                           const struct plan *p, const struct rashm_range *ranges, int nranges,
                           const struct reg_pending_h *h);
/* Reads and validates the entry of shmid. `mapped` (may be NULL) is an
 * attach of the segment that the caller already has, used to check the
 * identity; otherwise a temporary read-only attach is made when needed.
 * -ENOENT when there is no valid entry (also when it cannot be verified
 * by this reader). Caller frees *out. */
RASHM_HIDDEN int reg_load(int shmid, const void *mapped, struct reg_entry **out);
/* Cheap check: does a registry file exist for shmid (no validation). */
RASHM_HIDDEN int reg_exists(int shmid);
/* Where the entry of segment shmid created by cuid lives:
 * <RASHM_REGISTRY_DIR>/<cuid>/seg.<shmid> (for tests and fuzzers). An entry
 * is used only if it is a regular file owned by cuid or root, in a directory
 * owned by cuid or root and writable by nobody else. -ENAMETOOLONG. */
RASHM_HIDDEN int reg_entry_path(uid_t cuid, int shmid, char *buf, size_t len);
/* After a successful IPC_SET (which changes shm_ctime): rewrites the entry
 * with the new shm_ctime if it matched the segment before (old_ctime). */
RASHM_HIDDEN int reg_refresh(int shmid, int64_t old_ctime);
/* A creation in progress (see registry.c): begin writes the record before
 * shmget (never fails: without a usable registry there is no record),
 * set_id adds the id right after shmget, end deletes the record once the
 * creation returns (success or failure). */
struct reg_pending_h {
    int fd, dfd;               /* the record; its (verified) directory */
    uid_t uid, owner;          /* whose directory, who owns it */
    char name[112];
};
RASHM_HIDDEN void reg_pending_begin(key_t key, uint64_t size, struct reg_pending_h *h);
RASHM_HIDDEN void reg_pending_set_id(struct reg_pending_h *h, int shmid);
RASHM_HIDDEN void reg_pending_end(struct reg_pending_h *h);
/* Deletes the entry of shmid created by cuid. */
RASHM_HIDDEN void reg_remove(int shmid, uid_t cuid);
/* Prunes the caller's own directory: entries whose segment is gone,
 * segments (IPC_RMID) and records of creators that died mid-creation. */
RASHM_HIDDEN void reg_prune_own(const struct reg_pending_h *h);
/* reg_prune_own, and as root every uid's directory (at most 16384 entries
 * each), at most once per 10 s (a stamp in the top directory); foreign
 * per-uid directories are moved aside then. */
RASHM_HIDDEN void reg_prune(void);

/* ---- entry validation (reg_check.c, pure) ----------------------------- */
/* Facts about the live segment, from the kernel, never from the entry. */
struct reg_facts {
    int shmid;
    uint64_t segsz;            /* shm_segsz (IPC_STAT) */
    uint64_t page_size;        /* page size of a mapping of the segment as the
                                * kernel reports it; 0: unknown (not mapped) */
    int hugetlb;               /* that mapping is hugetlb (with page_size) */
    uint64_t base_page;        /* sysconf(_SC_PAGESIZE) */
    const rashm_nodeset_t *nodes; /* nodes the topology has; NULL: not known */
    int nsrads;                /* SRADs of the topology; -1: not known */
};
/* Most plan entries an entry can hold (plan_build: 2n+1) and the largest
 * page size accepted when the mapping's is not known. */
#define REG_MAX_RANGES (2 * RASHM_MAX_RANGES + 1)
#define REG_MAX_PAGE_SIZE (UINT64_C(16) << 30)
/* 0 when the entry (size bytes at buf, unaligned allowed) is one rashm
 * could have written for that segment: page size, ranges inside the
 * segment and covering it in order, counts, policies, MPOL modes, origins,
 * node sets, per-attach flags; -EINVAL otherwise. */
RASHM_HIDDEN int reg_check_entry(const void *buf, size_t size, const struct reg_facts *f);

#endif
