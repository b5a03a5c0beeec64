/* <sys/rset.h>: AIX resource sets, SRADs and resource-attached memory on
 * Linux NUMA (rashm's AIX face, librashm).
 *
 * Names, types and numeric values follow AIX so that programs written for
 * AIX compile unchanged and see the same ABI (LP64 only). Where AIX's value
 * is not public, the value chosen here is marked "rashm:" with the reason.
 *
 * Error convention (as on AIX): functions returning int return -1 and set
 * errno; rs_alloc returns 0 (NULL); ra_get_attachinfo returns
 * (attachinfo_t *)-1 on error and NULL when there is no attachment;
 * ra_mmap/ra_mmapv return MAP_FAILED.
 *
 * The Linux meaning of each call is described in docs/aix.md. In short:
 *   - an SDL (system detail level) is a depth of the hwloc topology:
 *     SDL 0 is the machine, R_MAXSDL the level of single CPUs (PUs), and
 *     R_MCMSDL == R_SRADSDL the NUMA level. RADs are the objects of a level.
 *   - an SRAD is a NUMA node that has CPUs; sradids are dense (0..n-1) in
 *     increasing Linux node number. Memory-only nodes are not SRADs.
 *   - an rset holds CPUs (R_PROCS, Linux CPU numbers) and memory pools
 *     (R_MEMPS, Linux NUMA node numbers).
 *   - the partition (RS_PARTITION) is what this process's cpuset cgroup
 *     allows: its CPUs and its memory nodes (mems). The affinity mask does
 *     not narrow it: sched_setaffinity is AIX's bindprocessor, which leaves
 *     the partition alone.
 */
#ifndef RASHM_SYS_RSET_H
#define RASHM_SYS_RSET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RASHM_API
#define RASHM_API __attribute__((visibility("default")))
#endif

/* ---- types ------------------------------------------------------------ */

typedef unsigned int uint_t;          /* AIX spelling */
typedef long tid_t;                   /* AIX kernel thread id (64-bit) */
typedef uint64_t size64_t;
typedef __off64_t off64_t;            /* same type glibc uses */

typedef void *rsethandle_t;           /* opaque; from rs_alloc */
typedef int rstype_t;
typedef int rsinfo_t;
typedef short sradid_t;

struct subrange;

typedef union rsid {
    pid_t at_pid;
    tid_t at_tid;
    int at_shmid;
    int at_fd;
    rsethandle_t at_rset;
    struct subrange *at_subrange;
    sradid_t at_sradid;               /* AIX 6.1+ */
} rsid_t;

/* One subrange of an object (ra_shmgetv, ra_mmapv, ra_attach R_SUBRANGE).
 * Layout as on AIX LP64. Unused and reserved fields must be 0. */
typedef struct subrange {
    off64_t su_offset;                /* from the start of the object */
    size64_t su_length;               /* 0: to the end of the object */
    rstype_t su_rstype;               /* R_RSET or R_SRADID */
    uint_t su_policy;                 /* P_DEFAULT, P_FIRST_TOUCH, P_BALANCED */
    rsid_t su_rsid;
    off64_t su_rsoffset;              /* reserved, must be 0 */
    size64_t su_rslength;             /* reserved, must be 0 */
} subrange_t;

/* One element of the list ra_get_attachinfo returns. */
typedef struct attachinfo {
    rstype_t at_rstype;               /* R_RSET or R_SRADID */
    rsid_t at_rsid;                   /* rset (owned by the list) or sradid */
    uint_t at_policy;                 /* P_* */
    int pad0;
    struct attachinfo *next_resource;
} attachinfo_t;

/* rs_info(RS_SRADID_LOADAVG): the tag is AIX's, so code that names
 * `struct loadavg_info` compiles. */
typedef struct loadavg_info {
    int load_average;                 /* scaled by 1 << SBITS, as AIX */
    int cpu_count;                    /* CPUs of the SRAD */
} loadavg_info_t;

/* What ra_mmap's arguments are packed into on AIX (kept for programs that
 * name the type; no librashm call takes it). LP64 layout as AIX. */
typedef struct mmap_struct {
    uint64_t mm_addr;
    size64_t mm_len;
    off64_t mm_pos;
    int mm_prot;
    int mm_flags;
    int mm_fd;
} mmap_struct_t;

/* rs_getnameattr / rs_setnameattr */
typedef struct rs_attributes {
    uid_t owner;
    gid_t group;
    uint_t mode;
} rs_attributes_t;

#ifdef __cplusplus
#define RASHM_STATIC_ASSERT static_assert
#else
#define RASHM_STATIC_ASSERT _Static_assert
#endif
RASHM_STATIC_ASSERT(sizeof(rsid_t) == 8, "rsid_t is 8 bytes on AIX LP64");
RASHM_STATIC_ASSERT(offsetof(subrange_t, su_offset) == 0, "subrange_t ABI");
RASHM_STATIC_ASSERT(offsetof(subrange_t, su_length) == 8, "subrange_t ABI");
RASHM_STATIC_ASSERT(offsetof(subrange_t, su_rstype) == 16, "subrange_t ABI");
RASHM_STATIC_ASSERT(offsetof(subrange_t, su_policy) == 20, "subrange_t ABI");
RASHM_STATIC_ASSERT(offsetof(subrange_t, su_rsid) == 24, "subrange_t ABI");
RASHM_STATIC_ASSERT(offsetof(subrange_t, su_rsoffset) == 32, "subrange_t ABI");
RASHM_STATIC_ASSERT(offsetof(subrange_t, su_rslength) == 40, "subrange_t ABI");
RASHM_STATIC_ASSERT(sizeof(subrange_t) == 48, "subrange_t ABI");
RASHM_STATIC_ASSERT(offsetof(attachinfo_t, at_rsid) == 8, "attachinfo_t ABI");
RASHM_STATIC_ASSERT(offsetof(attachinfo_t, at_policy) == 16, "attachinfo_t ABI");
RASHM_STATIC_ASSERT(offsetof(attachinfo_t, next_resource) == 24, "attachinfo_t ABI");
RASHM_STATIC_ASSERT(sizeof(attachinfo_t) == 32, "attachinfo_t ABI");

/* ---- rstype_t --------------------------------------------------------- */
#define R_NADA      0
#define R_PROCESS   1
#define R_RSET      2
#define R_SUBRANGE  3
#define R_SHM       4
#define R_FILDES    5
#define R_THREAD    6
#define R_SRADID    13
#define R_PROCMEM   14

/* Spelled as AIX 6.1 code spells it, so a program that defines it itself
 * (a compatibility block for 5.3 headers) sees an identical redefinition. */
#define SRADID_ANY          (-1)
#define RS_MYSELF   (-1)

/* ---- policies and attachment flags ------------------------------------ */
#define P_DEFAULT        0
#define P_FIRST_TOUCH    1
#define P_BALANCED       2
/* Values spelled as AIX's header spells them (identical redefinitions are
 * not diagnosed, different spellings of the same value are). */
#define R_MEMP_MASK      0x000000ff
#define R_ATTACH_STRSET  0x00000100
#define R_MIGRATE_ASYNC  0x00000200
/* rashm: AIX's value is not public; the next free bit after R_MIGRATE_ASYNC
 * so both migrate flags can be tested independently. */
#define R_MIGRATE_SYNC   0x400
/* rashm: AIX's value is not public (pthread_attr_setsrad_np flag); a bit
 * unused by any other flag here. Accepted nowhere in librashm. */
#define R_STRICT_SRAD    0x800
#define R_DETACH_ALLTHRDS 0x00000001

/* Bit layout of a flags word (AIX): resource type, availability. */
#define R_TYPE_MASK     0x000000FF
#define R_AVAIL_MASK    0x0000FF00

/* ---- rs_alloc / rs_init flags ----------------------------------------- */
#define RS_EMPTY      0
#define RS_SYSTEM     1
#define RS_ALL        2
#define RS_PARTITION  3

/* ---- rsinfo_t (rs_getinfo) -------------------------------------------- */
#define R_NUMPROCS   0
#define R_NUMMEMPS   1
#define R_MEMSIZE    2     /* MB */
#define R_MAXSDL     3
#define R_SMPSDL     4
#define R_MCMSDL     5
#define R_MAXPROCS   6
#define R_MAXMEMPS   7
#define R_LGPGFREE   8
#define R_LGPGDEF    9
#define R_SHMATTCAP  10    /* 1: ra_shmget/ra_shmgetv are supported */
#define R_L2CSDL     11
#define R_PCORESDL   12
#define R_REF1SDL    13
/* rashm: AIX 6.1's value is not public. An SRAD is a RAD at the NUMA level,
 * which is the MCM level here, so the two queries are the same query (the
 * alias OMR uses when building against AIX 5.3 headers). */
#define R_SRADSDL    R_MCMSDL

/* ---- resource types (rs_op RS_*RESOURCE) ------------------------------ */
#define R_PROCS          1
#define R_MEMPS          2
#define R_ALL_RESOURCES  (R_MEMPS | R_PROCS)

/* ---- rs_op commands --------------------------------------------------- */
#define RS_UNION         1
#define RS_INTERSECTION  2
#define RS_EXCLUSION     3
#define RS_COPY          4
#define RS_FIRST         5
#define RS_NEXT          6
#define RS_NEXT_WRAP     7
#define RS_ISEMPTY       8
#define RS_ISEQUAL       9
#define RS_ISCONTAINED   10
#define RS_TESTRESOURCE  11
#define RS_ADDRESOURCE   12
#define RS_DELRESOURCE   13
#define RS_STSET         14

/* rs_op flag (AIX); accepted and ignored: librashm has no exclusive-use
 * processors. */
#define RS_NON_EXCLUSIVE 0x00000001

/* ---- attached rset types (rs_getpartition) ---------------------------- */
#define RS_EFFECTIVE_RSET         2
#define RS_PARTITION_RSET         3
#define RS_DEFAULT_RSET           4
#define RS_THREAD_RSET            5
#define RS_THREAD_PARTITION_RSET  6
#define RS_DEFAULT                ((rsethandle_t)RS_DEFAULT_RSET)

/* rs_info commands. RS_SRADID_LOADAVG is AIX's value; AIX does not publish
 * the others, see the rs_info comment for what these are. */
#define RS_SRADID_LOADAVG         2
#define RS_SRADID_USABLE_LOADAVG  3    /* rashm: value not public */
#define RS_CONFINING_RAD          4    /* rashm: value not public */
#define RAD_NAME_SIZE      32
#define RSET_NAME_SIZE     255

/* ---- named rset registry (AIX's names and values) ---------------------- */
#define RS_DEFINE       0      /* leave an existing registration alone */
#define RS_REDEFINE     1      /* replace an existing registration */
#define RS_OWNER        1      /* rs_setnameattr: change the owner */
#define RS_GROUP        2      /*                 the group */
#define RS_PERM         4      /*                 the permissions */
#define RS_PERMMASK     0000666
#define RS_TYPMASK      0003000
#define RS_APPDEF       0000000
#define RS_SYSADM       0001000
#define RS_SYSRAD       0002000
#define RS_IRUSR        0000400
#define RS_IWUSR        0000200
#define RS_IRGRP        0000040
#define RS_IWGRP        0000020
#define RS_IROTH        0000004
#define RS_IWOTH        0000002

/* ---- AIX shmget flags ------------------------------------------------- */
/* rashm: AIX's numeric values are not usable on Linux. Linux shmget flags
 * occupy bits 0-8 (permissions), 9 (IPC_CREAT), 10 (IPC_EXCL),
 * 11 (SHM_HUGETLB), 12 (SHM_NORESERVE) and 26-31 (SHM_HUGE_* page size), so
 * bits 20 and 21 collide with nothing. librashm strips them before calling
 * shmget. Pass them only to ra_shmget/ra_shmgetv (plain shmget ignores
 * unknown bits, so they would silently do nothing there).
 *   SHM_PIN: after the call every page is resident, placed by the segment's
 *            policy, and locked (shmctl SHM_LOCK; hugetlb is never swapped).
 *   SHM_LGPAGE: large pages; means SHM_HUGETLB (default huge page size). */
#ifndef SHM_PIN
#define SHM_PIN     0x00100000
#endif
#ifndef SHM_LGPAGE
#define SHM_LGPAGE  0x00200000
#endif

/* ---- resource sets ---------------------------------------------------- */

/* New rset filled per `flags` (RS_EMPTY, RS_SYSTEM: the CPUs and nodes of the
 * system; RS_ALL: also those offline/not allowed to anybody; RS_PARTITION:
 * this process's partition). 0 with errno EINVAL (bad flags) or ENOMEM. */
RASHM_API rsethandle_t rs_alloc(uint_t flags);
/* Frees an rset from rs_alloc (NULL is ignored). */
RASHM_API void rs_free(rsethandle_t rset);
/* Named rsets (docs/aix.md "Named resource sets"): shared by every process
 * until reboot; only root may register, replace, discard or change the
 * attributes of a name (EPERM otherwise). */
RASHM_API int rs_registername(rsethandle_t rset, char *name_space, char *rsname, uint_t mode, uint_t command);
RASHM_API int rs_getnamedrset(char *name_space, char *rsname, rsethandle_t rset);
RASHM_API int rs_discardname(char *name_space, char *rsname);
RASHM_API int rs_getnameattr(char *name_space, char *rsname, rs_attributes_t *attr);
RASHM_API int rs_setnameattr(char *name_space, char *rsname, uint_t command, rs_attributes_t *attr);
/* Refills `rset` as rs_alloc(flags) would. EINVAL: bad flags or handle. */
RASHM_API int rs_init(rsethandle_t rset, uint_t flags);
/* R_NUMPROCS / R_NUMMEMPS / R_MEMSIZE of `rset`; R_MAXSDL, R_SMPSDL,
 * R_MCMSDL (= R_SRADSDL), R_L2CSDL, R_PCORESDL, R_REF1SDL: SDL numbers (0 when
 * the level does not exist); R_MAXPROCS / R_MAXMEMPS: highest CPU / node
 * number + 1; R_LGPGFREE / R_LGPGDEF: free / total huge pages; R_SHMATTCAP: 1.
 * EINVAL: bad info or flags != 0, or a NULL rset for a per-rset query. */
RASHM_API int rs_getinfo(rsethandle_t rset, rsinfo_t info, uint_t flags);
/* Number of RADs at `sdl` that have CPUs in `rset`. EINVAL: sdl > R_MAXSDL,
 * flags != 0, bad rset. */
RASHM_API int rs_numrads(rsethandle_t rset, uint_t sdl, uint_t flags);
/* out = RAD(sdl, index) ∩ in, where index counts only the RADs that
 * intersect `in` (0..rs_numrads(in, sdl)-1). A RAD's memory pools are the
 * nodes its CPUs belong to. EINVAL: sdl, index, flags, handles. */
RASHM_API int rs_getrad(rsethandle_t in, rsethandle_t out, uint_t sdl, uint_t index, uint_t flags);
/* Operations on rsets (AIX semantics; r2 receives results):
 *   RS_UNION: r2 = r1 ∪ r2;  RS_INTERSECTION: r2 = r1 ∩ r2;
 *   RS_EXCLUSION: r2 = r2 \ r1;  RS_COPY: r2 = the resources of r1 of type
 *   `flags` (R_PROCS, R_MEMPS, R_ALL_RESOURCES; 0 means all);
 *   RS_FIRST: r2 = {first resource of type flags in r1} (empty if none);
 *   RS_NEXT: r2 = {resource of r1 after the one r2 holds} (empty at the end);
 *   RS_NEXT_WRAP: as RS_NEXT but wraps to the first;
 *   (with R_ALL_RESOURCES CPUs come before memory pools)
 *   RS_ISEMPTY(r1), RS_ISEQUAL(r1, r2), RS_ISCONTAINED (every resource of r2
 *   is in r1), RS_TESTRESOURCE (resource `id` of type `flags` in r1): 1 or 0;
 *   RS_ADDRESOURCE / RS_DELRESOURCE: add / remove resource `id` of type
 *   `flags` (R_PROCS: a CPU number, R_MEMPS: a node number) in r1.
 * Other commands return 0. EINVAL: bad cmd, NULL handle where one is used,
 * bad resource type, id out of range (>= R_MAXPROCS / R_MAXMEMPS of RS_ALL). */
RASHM_API int rs_op(uint_t cmd, rsethandle_t r1, rsethandle_t r2, uint_t flags, uint_t id);
/* Fills `rset` with the partition of `pid` (0 or RS_MYSELF or getpid():
 * this process; another pid: /proc/PID/cpuset and the cgroup's cpuset files
 * for the CPUs, Mems_allowed_list for the nodes; the whole system where
 * there is no cpuset controller). Returns RS_PARTITION_RSET when the
 * partition is narrower than the system, else RS_DEFAULT_RSET.
 * ESRCH: no such process; EFAULT/EINVAL: bad handle. */
RASHM_API int rs_getpartition(pid_t pid, rsethandle_t rset);
/* Sets (rset RS_DEFAULT: removes) the partition of `pid` (RS_MYSELF or 0:
 * this process): moves it into a child cpuset cgroup, named rashm-part-PID,
 * under the cpuset it is in, with the rset's CPUs and nodes (an rset without
 * nodes keeps the process's). flags: 0 or R_ATTACH_STRSET (accepted, no
 * effect). Errors in IBM's order: EINVAL flags; EFAULT bad handle; ENODEV no
 * available CPU in the rset; ESRCH no such process; EPERM caller not root,
 * no cpuset hierarchy, a cpuset not owned by root, or CPUs/nodes outside the
 * cpuset that confines the process. */
RASHM_API int rs_setpartition(pid_t pid, rsethandle_t rset, unsigned int flags);
/* SRAD of the CPU the calling thread runs on; SRADID_ANY when enhanced
 * affinity is switched off (RASHM_ENHANCED_AFFINITY=0) or unknown. */
RASHM_API sradid_t rs_get_homesrad(void);

/* ---- placed shared memory --------------------------------------------- */

/* shmget plus an advisory attachment of the whole new segment to an rset
 * (R_RSET, rsid.at_rset: only its CPUs count) or an SRAD (R_SRADID,
 * rsid.at_sradid) with policy att_flags (P_DEFAULT, P_FIRST_TOUCH,
 * P_BALANCED). `flags`: shmget flags plus SHM_PIN / SHM_LGPAGE.
 * Checks, in this order: EINVAL (rstype, att_flags, rset handle or empty
 * rset), ENOTSUP (R_SRADID with enhanced affinity off or no NUMA), ENODEV
 * (no such SRAD), EPERM (resource outside the partition), then shmget's own
 * errors. An existing key (no IPC_EXCL): its id is returned and its placement
 * is left alone. A failure after creation removes the segment. */
RASHM_API int ra_shmget(key_t key, size64_t size, int flags, rstype_t rstype, rsid_t rsid,
                        uint_t att_flags);
/* Same with `rangecnt` subranges (1..RASHM_MAX_RANGES from <rashm.h>), each
 * with its own rstype/rsid/policy; parts of the segment no subrange covers
 * get P_DEFAULT over the system's SRADs. Subrange checks (EINVAL), per
 * subrange in order: su_rstype, su_policy, su_rsoffset/su_rslength != 0,
 * su_offset not a multiple of the segment's page size or past the end,
 * su_length not a multiple or offset+length past the end; NULL rangevec or
 * bad rangecnt is checked first. Then ENOTSUP, ENODEV, EPERM as above. */
RASHM_API int ra_shmgetv(key_t key, size64_t size, int flags, int rangecnt, subrange_t *rangevec);

/* Attachments of [off, off+len) (len 0: to the end) of an object: R_SHM
 * (rsid.at_shmid; any process's segment), or R_PROCMEM (rsid.at_pid
 * RS_MYSELF; off is an address of this process, len > 0; one element per
 * mapping piece with a policy, R_RSET). flags must be 0. Returns a list
 * (free with ra_free_attachinfo), NULL when there is no attachment, or
 * (attachinfo_t *)-1 with errno EINVAL (rstype, flags, range) or what
 * shmctl(IPC_STAT) gives (EINVAL/EIDRM no segment, EACCES). */
RASHM_API attachinfo_t *ra_get_attachinfo(rstype_t rstype, rsid_t rsid, off64_t off, size64_t len,
                                          uint_t flags);
/* Frees a list from ra_get_attachinfo. EINVAL for NULL or (attachinfo_t*)-1. */
RASHM_API int ra_free_attachinfo(attachinfo_t *list);

/* mmap plus an attachment of the whole mapping (ra_mmap) or of subranges
 * (ra_mmapv; su_offset relative to the mapping's start). Errors: mmap's,
 * and the EINVAL/ENOTSUP/ENODEV/EPERM checks of ra_shmget(v). A failure
 * after mmap unmaps. */
RASHM_API void *ra_mmap(void *addr, size_t len, int prot, int flags, int fd, off64_t off,
                        rstype_t rstype, rsid_t rsid, uint_t att_flags);
RASHM_API void *ra_mmapv(void *addr, size_t len, int prot, int flags, int fd, off64_t off,
                         int rangecnt, subrange_t *rangevec);

/* Attach a work component t1/id1 to a resource t2/id2 (R_RSET or R_SRADID):
 *   R_PROCESS (id1.at_pid, RS_MYSELF: this process) / R_THREAD (id1.at_tid,
 *   a Linux thread id, RS_MYSELF: the calling thread): as ra_attachrset,
 *   with the policy of `flags` for the memory the thread(s) allocate;
 *   R_SRADID is refused for R_PROCESS (EINVAL), as on AIX;
 *   R_SHM (id1.at_shmid): the whole segment, recorded in the registry;
 *   R_SUBRANGE (id1.at_subrange): the range [su_offset, su_offset+su_length)
 *   of the caller's address space (4 KiB multiples).
 * flags: a policy (P_*) | R_MIGRATE_SYNC or R_MIGRATE_ASYNC (memory
 * objects: move the pages already there; ASYNC returns before they moved,
 * a helper thread moves them) | R_ATTACH_STRSET (processes and threads).
 * Errors as ra_shmget, plus EINVAL for other t1, ESRCH for a missing
 * process/thread, EPERM as ra_attachrset, and shmctl's for R_SHM. */
RASHM_API int ra_attach(rstype_t t1, rsid_t id1, rstype_t t2, rsid_t id2, uint_t flags);
/* Undo ra_attach of t1/id1 from t2/id2. rstype2 must be R_RSET or
 * R_SRADID (AIX keeps one attachment per work component, so id2 is not
 * compared). R_SHM / R_SUBRANGE: policy back to the default; R_PROCESS /
 * R_THREAD: as ra_detachrset. flags: 0, or R_DETACH_ALLTHRDS for
 * R_PROCESS. EINVAL: types, flags, subrange; ESRCH; EPERM. */
RASHM_API int ra_detach(rstype_t t1, rsid_t id1, rstype_t t2, rsid_t id2, uint_t flags);

/* ---- processes and threads (attach.c) --------------------------------- */

/* Attach a process (R_PROCESS, rsid.at_pid; RS_MYSELF or 0 for this one)
 * or a kernel thread (R_THREAD, rsid.at_tid: a Linux tid; RS_MYSELF for the
 * calling thread) to `rset`: its CPUs bind every thread of the process (or
 * the thread) with sched_setaffinity; the nodes of those CPUs become the
 * memory policy (MPOL_PREFERRED_MANY, advisory) of the calling thread when
 * it is the target or one of the target's threads; other threads keep their
 * own memory policy (Linux has no call that sets another thread's policy)
 * and allocate on their CPUs' nodes by the kernel's local default.
 * flags: 0 or R_ATTACH_STRSET (one hardware thread per core of the rset).
 * Checks in order: EINVAL (rstype, flags, rset handle, no available CPU in
 * the rset), ESRCH (no such process/thread), EPERM (caller is not root and
 * its effective uid differs from the target's; a bindprocessor binding in
 * the target; rset not inside the target's partition; for R_PROCESS an rset
 * that does not contain a thread's attached rset; for R_THREAD an rset
 * outside the process's effective rset). */
RASHM_API int ra_attachrset(rstype_t rstype, rsid_t rsid, rsethandle_t rset, uint_t flags);
/* Undo ra_attachrset: the process's threads (R_PROCESS; with
 * R_DETACH_ALLTHRDS also every R_THREAD attachment of its threads) or the
 * thread (R_THREAD) run on the whole partition again (R_THREAD: on the
 * process's effective rset if it has one). EINVAL, ESRCH, EPERM as above. */
RASHM_API int ra_detachrset(rstype_t rstype, rsid_t rsid, uint_t flags);
/* Fills `rset` with what the process/thread is attached to and returns
 * RS_EFFECTIVE_RSET (explicit attachment), RS_THREAD_RSET (thread with its
 * own attachment), RS_PARTITION_RSET (none, but a partition narrower than
 * the system) or RS_DEFAULT_RSET. EINVAL (rstype, flags != 0, handle),
 * ESRCH. */
RASHM_API int ra_getrset(rstype_t rstype, rsid_t rsid, uint_t flags, rsethandle_t rset);

/* fork() whose child is attached to the rset rsid.at_rset (rstype must be
 * R_RSET, flags 0), as ra_attachrset(R_PROCESS) would attach it. Returns
 * fork's values. Checked before forking: EINVAL (rstype, flags), EFAULT (not
 * an rset), ENODEV (no available processor in it), EPERM (not inside this
 * process's partition); then fork's errors. */
RASHM_API pid_t ra_fork(rstype_t rstype, rsid_t rsid, uint_t flags);
/* exec*() after attaching the calling process to the rset (same arguments
 * and checks as ra_fork); they do not return on success; when the exec
 * fails, the previous attachment (or none) is restored and exec's errno is
 * returned. */
RASHM_API int ra_execl(rstype_t rstype, rsid_t rsid, uint_t flags, const char *path, ...);
RASHM_API int ra_execle(rstype_t rstype, rsid_t rsid, uint_t flags, const char *path, ...);
RASHM_API int ra_execlp(rstype_t rstype, rsid_t rsid, uint_t flags, const char *file, const char *arg0, ...);
RASHM_API int ra_execv(rstype_t rstype, rsid_t rsid, uint_t flags, const char *path, char *const argv[]);
RASHM_API int ra_execve(rstype_t rstype, rsid_t rsid, uint_t flags, const char *path, char *const argv[],
                        char *const envp[]);
RASHM_API int ra_execvp(rstype_t rstype, rsid_t rsid, uint_t flags, const char *file, char *const argv[]);
RASHM_API int ra_exect(rstype_t rstype, rsid_t rsid, uint_t flags, char *path, char *argv[], char *envp[]);

/* ---- SRAD information (procinfo.c) ------------------------------------ */

/* rs_info(out, RS_SRADID_LOADAVG, sradid, 0): out is a loadavg_info_t: the
 * SRAD's run-queue load (sum over its CPUs of the scheduler's running
 * tasks, averaged like the 1-minute load average, scaled by 65536 as AIX)
 * and its CPU count. RS_SRADID_USABLE_LOADAVG: the same over the CPUs of
 * the SRAD this process may use. EINVAL: bad command, sradid or a1/a2;
 * EFAULT: out is NULL; ENOTSUP: enhanced affinity off. */
RASHM_API long rs_info(void *out, long command, long arg1, long arg2);
/* Associativity of a processor (type R_PROCS, id: a CPU): arr[0] = number
 * of entries that follow (at most n-1): the domain ids from the widest to
 * the narrowest (package, NUMA node, core, CPU). Root only. EINVAL (type,
 * id, arr NULL or n == 0), EPERM (not root), ENODEV (CPU not present). */
RASHM_API int rs_getassociativity(uint_t type, uint_t id, uint_t *arr, uint_t n);

#ifdef __cplusplus
}
#endif

#endif
