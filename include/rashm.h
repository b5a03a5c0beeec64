/* <rashm.h>: the rashm core API. Placed System V shared memory on Linux NUMA.
 *
 * Model (see docs/aix.md for the full story):
 *   - topology comes from hwloc. It is organised in SDLs (system detail
 *     levels): SDL 0 is the machine; then package / group levels; the NUMA
 *     level (whose RADs are the NUMA nodes that have CPUs, i.e. the SRADs);
 *     the L2 level; cores; and PUs (the last SDL, one CPU per RAD). Levels
 *     are ordered by how many RADs they have, so every SDL refines the one
 *     before it. Absent levels (e.g. no L2 in a synthetic topology) are left
 *     out and rashm_topo_sdl_of() returns -1 for them; package, group and L2
 *     levels identical to another level are folded into it.
 *   - an SRAD is a NUMA node with CPUs. sradids are dense, 0..n-1, in
 *     increasing Linux node number (node numbers may be sparse). Nodes
 *     without CPUs (CXL, HBM) are memory-only nodes: no SRAD, but they can be
 *     named directly in node sets (an extension over AIX).
 *   - a segment is created from a vector of ranges; each range has a policy
 *     and a node set. Ranges are advisory: placement falls back to any node
 *     when the chosen nodes have no memory; MPOL_BIND is never used.
 *   - the registry remembers, for every segment rashm placed, its ranges;
 *     any process can read it; entries are tied to the segment's identity
 *     and never describe a later segment that reuses the id.
 *
 * Conventions: functions return 0 (or a count / id) on success, -1 (or NULL)
 * with errno on failure. Outputs are written only on success. Thread-safe
 * unless noted.
 */
#ifndef RASHM_H
#define RASHM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RASHM_API
#define RASHM_API __attribute__((visibility("default")))
#endif

#define RASHM_MAX_NODES 1024   /* Linux node numbers 0..1023 */
#define RASHM_MAX_CPUS  4096   /* Linux CPU numbers 0..4095 */
#define RASHM_MAX_RANGES 1024  /* ranges per segment (and AIX rangecnt) */

/* ---- node and CPU sets ------------------------------------------------- */

/* Set of Linux NUMA node numbers. Plain value type: copy, compare with
 * rashm_nodeset_equal, zero with memset or RASHM_NODESET_EMPTY. */
typedef struct rashm_nodeset {
    uint64_t bits[RASHM_MAX_NODES / 64];
} rashm_nodeset_t;

/* Set of Linux CPU numbers. */
typedef struct rashm_cpuset {
    uint64_t bits[RASHM_MAX_CPUS / 64];
} rashm_cpuset_t;

/* Out-of-range numbers are ignored by set/clr and reported absent by isset. */
RASHM_API void rashm_nodeset_zero(rashm_nodeset_t *s);
RASHM_API void rashm_nodeset_set(rashm_nodeset_t *s, int node);
RASHM_API void rashm_nodeset_clr(rashm_nodeset_t *s, int node);
RASHM_API int rashm_nodeset_isset(const rashm_nodeset_t *s, int node);
RASHM_API int rashm_nodeset_count(const rashm_nodeset_t *s);
RASHM_API int rashm_nodeset_isempty(const rashm_nodeset_t *s);
RASHM_API int rashm_nodeset_equal(const rashm_nodeset_t *a, const rashm_nodeset_t *b);
/* First node > prev (prev = -1 to start); -1 when there is none. */
RASHM_API int rashm_nodeset_next(const rashm_nodeset_t *s, int prev);
/* "0,2-3" into buf (always NUL-terminated, truncated if too small);
 * returns the length the full string needs, like snprintf. */
RASHM_API int rashm_nodeset_format(const rashm_nodeset_t *s, char *buf, size_t len);
/* Parses "0,2-3" (empty string: empty set). -1/EINVAL on bad syntax or a
 * number >= RASHM_MAX_NODES. */
RASHM_API int rashm_nodeset_parse(const char *str, rashm_nodeset_t *out);

/* The same calls for CPU sets (Linux CPU numbers 0..RASHM_MAX_CPUS-1):
 * zero, set, clr, isset, count, next (first CPU > prev, -1 at the end),
 * format ("0-3,8", returns the length needed, like snprintf), isempty,
 * equal. Out-of-range numbers are ignored by set/clr, absent for isset. */
RASHM_API void rashm_cpuset_zero(rashm_cpuset_t *s);
RASHM_API void rashm_cpuset_set(rashm_cpuset_t *s, int cpu);
RASHM_API void rashm_cpuset_clr(rashm_cpuset_t *s, int cpu);
RASHM_API int rashm_cpuset_isset(const rashm_cpuset_t *s, int cpu);
RASHM_API int rashm_cpuset_count(const rashm_cpuset_t *s);
RASHM_API int rashm_cpuset_next(const rashm_cpuset_t *s, int prev);
RASHM_API int rashm_cpuset_format(const rashm_cpuset_t *s, char *buf, size_t len);
RASHM_API int rashm_cpuset_isempty(const rashm_cpuset_t *s);
RASHM_API int rashm_cpuset_equal(const rashm_cpuset_t *a, const rashm_cpuset_t *b);
/* "0-3,8" (the kernel's cpulist format). 0, or -1 with errno EINVAL. */
RASHM_API int rashm_cpuset_parse(const char *str, rashm_cpuset_t *out);

/* Set algebra. out may be a or b. The types stay fixed-size bitmaps (the
 * registry stores them and mbind takes them as they are): their layout is
 * part of the ABI, and these calls are the one implementation of the
 * operations (hwloc bitmaps are used inside the core only where hwloc
 * hands them out). */
RASHM_API void rashm_nodeset_and(rashm_nodeset_t *out, const rashm_nodeset_t *a, const rashm_nodeset_t *b);
RASHM_API void rashm_nodeset_or(rashm_nodeset_t *out, const rashm_nodeset_t *a, const rashm_nodeset_t *b);
RASHM_API void rashm_nodeset_andnot(rashm_nodeset_t *out, const rashm_nodeset_t *a, const rashm_nodeset_t *b);
RASHM_API int rashm_nodeset_intersects(const rashm_nodeset_t *a, const rashm_nodeset_t *b);
RASHM_API int rashm_nodeset_issubset(const rashm_nodeset_t *a, const rashm_nodeset_t *b); /* a within b */
RASHM_API void rashm_cpuset_and(rashm_cpuset_t *out, const rashm_cpuset_t *a, const rashm_cpuset_t *b);
RASHM_API void rashm_cpuset_or(rashm_cpuset_t *out, const rashm_cpuset_t *a, const rashm_cpuset_t *b);
RASHM_API void rashm_cpuset_andnot(rashm_cpuset_t *out, const rashm_cpuset_t *a, const rashm_cpuset_t *b);
RASHM_API int rashm_cpuset_intersects(const rashm_cpuset_t *a, const rashm_cpuset_t *b);
RASHM_API int rashm_cpuset_issubset(const rashm_cpuset_t *a, const rashm_cpuset_t *b); /* a within b */

/* ---- topology ---------------------------------------------------------- */

typedef struct rashm_topo rashm_topo_t;

enum rashm_sdl_kind {
    RASHM_SDL_MACHINE = 0,
    RASHM_SDL_PACKAGE = 1,
    RASHM_SDL_GROUP = 2,
    RASHM_SDL_NUMA = 3,     /* = AIX R_MCMSDL = R_SRADSDL */
    RASHM_SDL_L2 = 4,       /* = AIX R_L2CSDL */
    RASHM_SDL_CORE = 5,     /* = AIX R_PCORESDL */
    RASHM_SDL_PU = 6,       /* = AIX R_MAXSDL */
};

/* The process-wide topology, loaded on first use and kept for the life of
 * the process. Normally the real machine. For planning unit tests only, the
 * environment can substitute a fake one: RASHM_TOPOLOGY_SYNTHETIC (an hwloc
 * synthetic description) or RASHM_TOPOLOGY_XML (path of an hwloc XML file);
 * with a fake topology, calls that would touch real memory (segment
 * creation, placement) fail with ENOTSUP. NULL with errno on failure. */
RASHM_API const rashm_topo_t *rashm_topo(void);
/* A private topology from an hwloc synthetic string or XML text (free with
 * rashm_topo_free). Such a topology is never "this system". EINVAL on a
 * description hwloc rejects. */
RASHM_API rashm_topo_t *rashm_topo_load_synthetic(const char *description);
RASHM_API rashm_topo_t *rashm_topo_load_xml(const char *xml, size_t len);
RASHM_API void rashm_topo_free(rashm_topo_t *t);
/* 1 when the topology describes the running machine (placement allowed). */
RASHM_API int rashm_topo_is_this_system(const rashm_topo_t *t);

/* Number of SDLs (max SDL + 1). */
RASHM_API int rashm_topo_nsdl(const rashm_topo_t *t);
/* Kind of an SDL, or -1/EINVAL if sdl is out of range. */
RASHM_API int rashm_topo_sdl_kind(const rashm_topo_t *t, int sdl);
/* SDL of a kind; -1 (errno ENOENT) when the level is absent. For PACKAGE /
 * GROUP with several such levels: the first (coarsest). A package, group or
 * L2 level identical to another level (same RADs) is folded into it and
 * answers with that level's SDL. */
RASHM_API int rashm_topo_sdl_of(const rashm_topo_t *t, enum rashm_sdl_kind kind);
/* Name of a kind: "machine", "package", "group", "numa", "l2", "core", "pu". */
RASHM_API const char *rashm_sdl_kind_name(int kind);
/* RADs at an SDL (RADs without CPUs are not counted). -1/EINVAL bad sdl. */
RASHM_API int rashm_topo_nrads(const rashm_topo_t *t, int sdl);
/* CPUs and memory nodes of RAD `index` at `sdl` (nodes: the nodes whose
 * CPUs intersect the RAD's CPUs; plus, at SDL 0, every node). EINVAL. */
RASHM_API int rashm_topo_rad(const rashm_topo_t *t, int sdl, int index, rashm_cpuset_t *cpus,
                             rashm_nodeset_t *nodes);

/* SRADs: NUMA nodes with CPUs. */
RASHM_API int rashm_topo_nsrads(const rashm_topo_t *t);
/* Linux node number of an SRAD; -1/ENODEV when there is no such SRAD. */
RASHM_API int rashm_topo_srad_node(const rashm_topo_t *t, int sradid);
/* sradid of a Linux node; -1/ENODEV for a memory-only or absent node. */
RASHM_API int rashm_topo_node_srad(const rashm_topo_t *t, int node);
/* SRAD of a CPU; -1/EINVAL when the CPU is unknown. */
RASHM_API int rashm_topo_cpu_srad(const rashm_topo_t *t, int cpu);

struct rashm_node_info {
    int node;                   /* Linux node number */
    int sradid;                 /* -1 for a memory-only node */
    int allowed;                /* in this process's mems_allowed */
    rashm_cpuset_t cpus;        /* empty for a memory-only node */
    uint64_t mem_total;         /* bytes (hwloc's local memory) */
};
/* Number of NUMA nodes (with and without CPUs). */
RASHM_API int rashm_topo_nnodes(const rashm_topo_t *t);
/* Node by position 0..nnodes-1 (increasing node number). EINVAL. */
RASHM_API int rashm_topo_node(const rashm_topo_t *t, int index, struct rashm_node_info *out);

/* Whole-machine and partition sets. The partition is what this process's
 * cpuset cgroup allows, read at the time of the call: the CPUs of the cpuset
 * (the whole system without a cpuset controller) and the nodes of its
 * mems_allowed. The affinity mask (sched_setaffinity, taskset) does not
 * narrow it. For a fake topology the partition is the topology's allowed
 * sets. */
RASHM_API void rashm_topo_all_cpus(const rashm_topo_t *t, rashm_cpuset_t *out);
RASHM_API void rashm_topo_all_nodes(const rashm_topo_t *t, rashm_nodeset_t *out); /* nodes with memory */
RASHM_API void rashm_topo_srad_nodes(const rashm_topo_t *t, rashm_nodeset_t *out); /* nodes with CPUs */
RASHM_API int rashm_topo_partition(const rashm_topo_t *t, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes);
/* Nodes of a set of CPUs (hwloc cpuset -> nodeset: the nodes local to them). */
RASHM_API void rashm_topo_cpus_to_nodes(const rashm_topo_t *t, const rashm_cpuset_t *cpus,
                                        rashm_nodeset_t *out);
/* The partition of process `pid` (0: this process), as rashm_topo_partition
 * describes it: the CPUs of its cpuset cgroup (/proc/PID/cpuset; the whole
 * system without a cpuset controller) and the nodes of its
 * Mems_allowed_list, each within the topology. 0, or -1 with errno ESRCH
 * (no such process), EINVAL (t, cpus or nodes NULL). */
RASHM_API int rashm_topo_partition_pid(const rashm_topo_t *t, pid_t pid, rashm_cpuset_t *cpus,
                                       rashm_nodeset_t *nodes);
/* The sets hwloc calls allowed when the topology was loaded: what the
 * machine lets anybody use (offline or reserved CPUs and nodes left out),
 * not narrowed to this process's cgroup at the time of the call. */
RASHM_API void rashm_topo_allowed(const rashm_topo_t *t, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes);
/* The nodes process `pid` may allocate from now: Mems_allowed_list of
 * /proc/PID/status; pid 0: the calling thread's, from
 * get_mempolicy(MPOL_F_MEMS_ALLOWED) where NUMA calls work. 0, or -1 with errno ESRCH
 * (no such process), ENOENT (no such line), EINVAL (out NULL). */
RASHM_API int rashm_mems_allowed(pid_t pid, rashm_nodeset_t *out);
/* Moves process `pid` into a partition of its own: a child cpuset cgroup
 * (rashm-part-PID) of the cpuset it is in, or of the one above when it is
 * in such a partition already, with exactly these CPUs and nodes. cpus and
 * mems NULL: back into that parent. Empty partitions of processes that
 * exited are removed by the next call under the same parent (docs/aix.md,
 * rs_setpartition). Root only. 0, or -1 with errno: EINVAL (one of cpus
 * and mems NULL), ESRCH (no such process), EPERM (not root, no cpuset
 * hierarchy, a delegated cgroup, or CPUs/nodes outside the parent's),
 * ENOMEM. */
RASHM_API int rashm_set_partition(pid_t pid, const rashm_cpuset_t *cpus, const rashm_nodeset_t *mems);

/* Memory of a node on this machine, from sysfs (free memory, 2 MiB pages). */
struct rashm_node_mem {
    uint64_t mem_total, mem_free;          /* bytes */
    uint64_t huge_total, huge_free;        /* pages of huge_page_size */
    uint64_t huge_page_size;               /* bytes (default huge page size) */
};
/* Fills *out for Linux node `node` from its sysfs meminfo and hugepages
 * files, read at the time of the call. 0, or -1 with errno EINVAL (node out
 * of range, out NULL) or ENODEV (no such node). */
RASHM_API int rashm_node_mem(int node, struct rashm_node_mem *out);

/* ---- policies and configuration ------------------------------------------ */

/* Range policies. The values are AIX's P_* values on purpose. */
enum rashm_policy {
    RASHM_POLICY_DEFAULT = 0,      /* the configured default (RASHM_DEFAULT_POLICY) */
    RASHM_POLICY_FIRST_TOUCH = 1,  /* near the touching CPU, within the nodes */
    RASHM_POLICY_BALANCED = 2,     /* round-robin over the nodes */
    RASHM_POLICY_PREFERRED = 3,    /* the nodes first, any node when they are full
                                      (MPOL_PREFERRED for one node, else
                                      MPOL_PREFERRED_MANY); no AIX equivalent */
};
/* Name of an enum rashm_policy value ("unknown" for another value). */
RASHM_API const char *rashm_policy_name(int policy); /* "default", "first-touch", "balanced", "preferred" */

/* Where a range's node set came from. Kept in the registry so a face can
 * report the attachment the way it was made (ra_get_attachinfo). */
enum rashm_origin {
    RASHM_ORIGIN_NODES = 0,        /* node set given directly (native API, CLI) */
    RASHM_ORIGIN_CPUS = 1,         /* AIX R_RSET: nodes derived from `cpus` */
    RASHM_ORIGIN_SRAD = 2,         /* AIX R_SRADID: the node of SRAD `srad` */
    RASHM_ORIGIN_GAP = 3,          /* (query output only) not covered by any range */
};

/* Effective configuration. The RASHM_* variables are read from the
 * environment at every call that uses them (a change takes effect at the
 * next call); only RASHM_TOPOLOGY_* are read once, when rashm_topo() first
 * loads the process-wide topology. rashm_config_items lists every RASHM_*
 * variable with its effective value so a program (the CLI) can show it. */
struct rashm_config_item {
    const char *name;              /* "RASHM_DEFAULT_POLICY" */
    const char *value;             /* effective value */
    const char *default_value;
    const char *description;       /* one line */
    int from_env;                  /* 1 when set in the environment */
};
/* Sets *items to a static array and returns its length. */
RASHM_API int rashm_config_items(const struct rashm_config_item **items);
/* What RASHM_POLICY_DEFAULT means now: RASHM_POLICY_BALANCED or
 * RASHM_POLICY_FIRST_TOUCH. */
RASHM_API int rashm_config_default_policy(void);
/* 0 when SRAD support is switched off (RASHM_ENHANCED_AFFINITY=0). */
RASHM_API int rashm_config_enhanced_affinity(void);
/* 1 when NUMA system calls work here (get_mempolicy does not say ENOSYS). */
RASHM_API int rashm_numa_available(void);

/* The memory policy of the calling thread (threads it creates later
 * inherit it), for memory it allocates outside placed mappings:
 *   RASHM_POLICY_BALANCED     interleave over `nodes`;
 *   RASHM_POLICY_FIRST_TOUCH  the nearest node of `nodes` to the CPU that
 *                             allocates (MPOL_PREFERRED_MANY; before Linux
 *                             5.15 the first node, MPOL_PREFERRED);
 *   RASHM_POLICY_PREFERRED    as rashm_range: one node MPOL_PREFERRED,
 *                             several as first touch;
 *   RASHM_POLICY_DEFAULT      what RASHM_DEFAULT_POLICY means.
 * Never binding: a full node falls back to others. nodes NULL or empty:
 * back to the kernel's default (local) policy, whatever `policy` says.
 * A no-op returning 0 where NUMA calls are not available. 0, or -1 with
 * errno EINVAL (bad policy, a node the topology does not have), ENOTSUP
 * (the topology is not this machine's), set_mempolicy's errors. */
RASHM_API int rashm_thread_policy(int policy, const rashm_nodeset_t *nodes);

/* ---- segments ---------------------------------------------------------- */

/* One range of a segment to place. */
struct rashm_range {
    uint64_t offset;               /* multiple of the segment's page size */
    uint64_t length;               /* multiple of the page size; 0: to the end */
    int policy;                    /* enum rashm_policy */
    int origin;                    /* enum rashm_origin (0 for native callers) */
    int srad;                      /* RASHM_ORIGIN_SRAD: the sradid */
    rashm_nodeset_t nodes;         /* the attachment's nodes; empty: all SRAD nodes */
    rashm_cpuset_t cpus;           /* RASHM_ORIGIN_CPUS: the rset's CPUs (informational) */
};

/* Creation flags (rashm_create `flags`). */
#define RASHM_POPULATE  0x1   /* every page resident after the call, placed by its range */
#define RASHM_LOCK      0x2   /* RASHM_POPULATE + shmctl(SHM_LOCK) (AIX SHM_PIN) */

/* Progress of long operations (populate): called from the calling thread
 * with bytes done so far and the total, at least at the end. */
typedef void (*rashm_progress_fn)(void *arg, uint64_t done, uint64_t total);

struct rashm_create_opts {
    rashm_progress_fn progress;    /* NULL: none */
    void *progress_arg;
    uint64_t progress_step;        /* bytes per callback (0: 64 MiB) */
};

/* Create a placed System V segment.
 *   key, size, shmflg: as shmget (perms, IPC_CREAT, IPC_EXCL, SHM_HUGETLB,
 *   SHM_HUGE_*, SHM_NORESERVE).
 *   ranges[0..nranges-1] (nranges 0..RASHM_MAX_RANGES; ranges may be NULL when
 *   nranges is 0): placement; parts not covered get RASHM_POLICY_DEFAULT over
 *   all SRAD nodes. Later ranges win where ranges overlap.
 *   flags: RASHM_POPULATE, RASHM_LOCK.  opts: may be NULL.
 * Existing key: with IPC_CREAT the segment is created with IPC_EXCL first;
 * if it exists and the caller did not ask for IPC_EXCL, the existing id is
 * returned (after shmget's own permission/size checks) and its placement,
 * population and lock are left as they are; *created (if not NULL) says
 * which happened. Without IPC_CREAT: a lookup, no placement.
 * Returns the shmid, or -1 with errno: EINVAL (bad range: misaligned, past
 * the end, bad policy, node >= RASHM_MAX_NODES, nranges), ENOTSUP (fake
 * topology / no NUMA and a range names nodes), shmget's errors, mbind's,
 * ENOMEM when populating fails. A segment created by a failing call is
 * removed. Huge-page segments: see docs/aix.md, "huge pages". */
RASHM_API int rashm_create(key_t key, uint64_t size, int shmflg, const struct rashm_range *ranges,
                           int nranges, unsigned flags, const struct rashm_create_opts *opts,
                           int *created);

/* shmat that keeps rashm placement: attaches and, for a huge-page segment
 * with first-touch ranges, applies their policy to the new mapping (the
 * kernel keeps no shared policy for hugetlb). librashm also exports `shmat`
 * itself with the same behaviour, so programs linked with -lrashm get it
 * from plain shmat calls. (void *)-1 with shmat's errno on failure. */
RASHM_API void *rashm_attach(int shmid, const void *addr, int shmflg);
/* shmdt. */
RASHM_API int rashm_detach(const void *addr);

/* Make [offset, offset+length) of an attached segment resident (length 0:
 * to the end of the mapping at `base`): MADV_POPULATE_WRITE in steps, with
 * progress callbacks when opts->progress is set. The pages land where the
 * policy in force for the mapping puts them. EINVAL, ENOMEM, EFAULT. */
RASHM_API int rashm_populate(void *base, uint64_t offset, uint64_t length,
                             const struct rashm_create_opts *opts);
/* Populate the whole segment under its placement (temporary attach) and
 * lock it (shmctl SHM_LOCK; a no-op for hugetlb, never swapped anyway). */
RASHM_API int rashm_lock(int shmid, const struct rashm_create_opts *opts);

/* Place an existing segment: apply the ranges (like rashm_create would) to
 * segment `shmid`, moving pages already resident when `move` is non-zero
 * (MPOL_MF_MOVE_ALL when permitted, else MPOL_MF_MOVE). Replaces the
 * registry entry. EINVAL, EPERM (not the owner or creator, nor root),
 * shmctl's errors. */
RASHM_API int rashm_place(int shmid, const struct rashm_range *ranges, int nranges, int move);
/* Forget a segment's placement: policy back to the default (4 KiB: the
 * shared policy is removed) and registry entry deleted. */
RASHM_API int rashm_unplace(int shmid);

/* Place an existing mapping of this process (anonymous, a file, a SysV
 * attach, hugetlb): apply the ranges to [addr, addr+len), offsets relative
 * to addr, planned with the page size of the mapping that contains addr.
 * Parts no range covers keep their policy. `move` non-zero migrates pages
 * already resident. Nothing is recorded in the registry (the mapping may
 * not be a segment). 0, or -1 with errno: EINVAL (addr not page aligned,
 * len 0, a bad range), ENOMEM (no mapping at addr), ENOTSUP (the topology
 * is not this machine's), mbind's errors. */
RASHM_API int rashm_place_mapping(void *addr, uint64_t len, const struct rashm_range *ranges, int nranges,
                                  int move);
/* The policy of [addr, addr+len) back to the default (MPOL_DEFAULT). */
RASHM_API int rashm_unplace_mapping(void *addr, uint64_t len);

/* The mapping (VMA) of this process that holds addr, as the kernel shows
 * it. page_size is the huge page size for hugetlb (whatever flags made
 * it), else the base page size (transparent huge pages do not count). */
struct rashm_mapping_info {
    uint64_t start, length;        /* [start, start + length) */
    uint64_t page_size;
    int hugetlb;
};
/* 0, or -1 with errno ENOMEM (nothing mapped at addr), EINVAL (out NULL). */
RASHM_API int rashm_mapping_info(const void *addr, struct rashm_mapping_info *out);
/* The memory policy in force at addr of this process (get_mempolicy with
 * MPOL_F_ADDR): *mode an MPOL_* mode (flags stripped), *nodes its mask
 * (empty for MPOL_DEFAULT / MPOL_LOCAL). Cheap: reads no page. 0, or -1
 * with errno EFAULT (nothing mapped at addr), ENOSYS (no NUMA calls),
 * EINVAL (mode or nodes NULL). */
RASHM_API int rashm_mapping_policy(const void *addr, int *mode, rashm_nodeset_t *nodes);
/* Page size of a segment shmget would create with shmflg: the base page
 * size without SHM_HUGETLB, else the size SHM_HUGE_* encodes or the
 * default huge page size (Hugepagesize of /proc/meminfo). mmap's
 * MAP_HUGE_* use the same encoding: pass SHM_HUGETLB | (flags &
 * (SHM_HUGE_MASK << SHM_HUGE_SHIFT)) for an mmap with MAP_HUGETLB. */
RASHM_API uint64_t rashm_shm_page_size(int shmflg);

/* IPC_RMID plus removal of the registry entry. */
RASHM_API int rashm_remove(int shmid);

/* ---- placement query ---------------------------------------------------- */

struct rashm_range_placement {
    uint64_t offset, length;       /* bytes */
    int policy;                    /* enum rashm_policy as requested; -1 unknown */
    int origin;                    /* enum rashm_origin */
    int srad;                      /* for RASHM_ORIGIN_SRAD */
    rashm_nodeset_t nodes;         /* the attachment's nodes as requested */
    rashm_cpuset_t cpus;           /* for RASHM_ORIGIN_CPUS */
    int mode;                      /* MPOL_* in force for the range */
    rashm_nodeset_t mode_nodes;    /* its node mask */
    int mode_from_kernel;          /* 1: read back with get_mempolicy (4 KiB
                                      shared policy); 0: from the registry
                                      (hugetlb: the policy applied when
                                      populating / per attach) */
    uint64_t pages;                /* pages in the range */
    uint64_t resident;             /* of which resident on some node */
    uint64_t *node_pages;          /* [node_slots]: resident pages per Linux node */
};

struct rashm_placement {
    int shmid;
    uint64_t size;                 /* shm_segsz */
    uint64_t page_size;            /* 4096 or the huge page size */
    int hugetlb;
    int registered;                /* 1: ranges come from the registry */
    int node_slots;                /* length of each node_pages array */
    int nranges;
    struct rashm_range_placement *ranges;
    int counts_valid;              /* 0: residency could not be read (4 KiB
                                      segment of another user without write
                                      permission, or userfaultfd refused for
                                      huge pages): counts show 0 */
};

/* Per range: the policy in force and the pages resident on each node, read
 * with move_pages over a temporary read-only attach (batches of 16384
 * pages; huge-page segments at huge-page stride). Works for any segment the
 * caller may read; segments rashm did not place show one range, policy -1.
 * NULL with errno (shmctl/shmat errors, ENOMEM). */
RASHM_API struct rashm_placement *rashm_query(int shmid);
/* rashm_query_flags flags. */
#define RASHM_QUERY_RANGES 0x1    /* the ranges only, as the registry entry records
                                     them: no page is counted and nothing stays
                                     attached; pages, resident and node_pages
                                     are 0, counts_valid 0, mode and mode_nodes
                                     as recorded (mode_from_kernel 0) */
/* rashm_query with flags (0: the same as rashm_query). With
 * RASHM_QUERY_RANGES it reads the registry entry alone, validated against
 * the segment as rashm_query validates it (a temporary read-only attach
 * checks the page size when the caller may attach): what a face needs to
 * report the attachments (ra_get_attachinfo). page_size and hugetlb come
 * from the validated entry, else from a temporary attach (0 when none is
 * possible). NULL with errno: EINVAL (unknown flags), rashm_query's
 * errors. */
RASHM_API struct rashm_placement *rashm_query_flags(int shmid, unsigned flags);
RASHM_API void rashm_placement_free(struct rashm_placement *p);

/* ---- listing ------------------------------------------------------------ */

struct rashm_seg_info {
    int shmid;
    key_t key;
    uint64_t size;
    int perms;                     /* low 9 bits of shm_perm.mode */
    uid_t uid;
    gid_t gid;
    pid_t cpid, lpid;
    uint64_t nattch;
    int64_t ctime;
    uint64_t rss;                  /* bytes resident (from /proc/sysvipc/shm) */
    int locked;                    /* SHM_LOCKED */
    int registered;                /* placed by rashm (registry entry valid) */
    int hugetlb;                   /* 1, 0, or -1 unknown (not registered) */
    int nranges;                   /* registry ranges (0 if not registered) */
};
/* Every System V segment on the system (as /proc/sysvipc/shm), with the
 * registry's view. Stale registry entries met on the way are pruned.
 * Sets *out (free with free()) and returns the count, or -1. */
RASHM_API int rashm_list(struct rashm_seg_info **out);

/* ---- the registry's directory ------------------------------------------ */

/* The registry's top directory (RASHM_REGISTRY_DIR), opened with the
 * checks placement entries get (its path walked from "/" without following
 * links, every component and the top owned by root or the caller, writable
 * by others only with the sticky bit), for the records a face keeps beside
 * the entries (the AIX named rsets, in a root-only subdirectory the face
 * verifies itself). With `create`, root (or the owner of the parent
 * directory) makes it when missing. A read-only O_DIRECTORY descriptor
 * (close-on-exec; the caller closes it), or -1 with errno ENOENT
 * (missing), EPERM (refused: not to be trusted), EINVAL (a RASHM_* value
 * is not accepted). */
RASHM_API int rashm_registry_fd(int create);

/* Error text for the CLI: strerror plus rashm-specific hints. */
RASHM_API const char *rashm_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif
