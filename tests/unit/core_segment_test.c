/* The core on this machine (any node count): creation with ranges, the
 * placement query (which must never allocate), the existing-key rule,
 * cleanup on failure, lock, the registry across processes and after id
 * reuse, re-placement, and librashm's shmat for huge-page segments.
 *   core_segment_test         4 KiB pages
 *   core_segment_test huge    2 MiB pages (run inside the hugepages fixture) */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "rashm.h"

#define MiB (1ull << 20)
#define SEG (8 * MiB)
#define MPOL_DEFAULT_ 0
#define MPOL_INTERLEAVE_ 3
#define MPOL_LOCAL_ 4

static int huge;
static uint64_t page;

static struct rashm_range rng(uint64_t off, uint64_t len, int policy)
{
    struct rashm_range r;
    memset(&r, 0, sizeof r);
    r.offset = off;
    r.length = len;
    r.policy = policy;
    return r;
}

static int shmflg(void)
{
    return 0600 | IPC_CREAT | (huge ? SHM_HUGETLB : 0);
}

static key_t key_for(int salt)
{
    return (key_t)(0x52000000 | ((unsigned)getpid() & 0xfffff) << 4 | (unsigned)salt);
}

/* resident pages of range i, -1 if the query fails */
static long long resident(int id, int i)
{
    struct rashm_placement *p = rashm_query(id);
    if (!p || i >= p->nranges) {
        rashm_placement_free(p);
        return -1;
    }
    long long r = (long long)p->ranges[i].resident;
    rashm_placement_free(p);
    return r;
}

static int vma_mode(void *addr)
{
    int mode = -1;
    unsigned long mask[16] = {0};
    if (syscall(SYS_get_mempolicy, &mode, mask, 1025UL, addr, 2 /* MPOL_F_ADDR */))
        return -1;
    return mode;
}

static void create_and_query(void)
{
    struct rashm_range r[2] = {rng(0, SEG / 2, RASHM_POLICY_BALANCED), rng(SEG / 2, 0, RASHM_POLICY_FIRST_TOUCH)};
    int created = -1;
    int id = rashm_create(IPC_PRIVATE, SEG, shmflg(), r, 2, 0, NULL, &created);
    CHECK(id >= 0);
    if (id < 0) {
        perror("rashm_create");
        return;
    }
    CHECK_EQ(created, 1);
    struct rashm_placement *p = rashm_query(id);
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ(p->registered, 1);
        CHECK_EQ(p->counts_valid, 1);
        CHECK_EQ(p->hugetlb, huge);
        CHECK_EQ(p->page_size, page);
        CHECK_EQ(p->nranges, 2);
        CHECK_EQ(p->ranges[0].policy, RASHM_POLICY_BALANCED);
        CHECK_EQ(p->ranges[1].policy, RASHM_POLICY_FIRST_TOUCH);
        CHECK_EQ(p->ranges[0].pages, SEG / 2 / page);
        CHECK_EQ(p->ranges[0].mode, MPOL_INTERLEAVE_);
        CHECK_EQ(p->ranges[1].mode, MPOL_LOCAL_);      /* first touch over every node */
        CHECK_EQ(p->ranges[0].mode_from_kernel, !huge);
        /* 4 KiB: nothing populated yet. Huge pages: the balanced range was
         * populated under its policy by the creator, first touch was not */
        CHECK_EQ(p->ranges[0].resident, huge ? SEG / 2 / page : 0);
        CHECK_EQ(p->ranges[1].resident, 0);
        uint64_t sum = 0;
        for (int n = 0; n < p->node_slots; n++)
            sum += p->ranges[0].node_pages[n];
        CHECK_EQ(sum, p->ranges[0].resident);
        rashm_placement_free(p);
    }
    /* the query itself must not allocate anything */
    CHECK_EQ(resident(id, 1), 0);
    char *a = shmat(id, NULL, 0);
    CHECK(a != (void *)-1);
    if (a != (void *)-1) {
        memset(a + SEG / 2, 1, 2 * MiB);
        CHECK_EQ(resident(id, 1), 2 * MiB / page);
        CHECK_EQ(rashm_populate(a, 0, 0, NULL), 0);
        CHECK_EQ(resident(id, 1), SEG / 2 / page);
        CHECK_EQ(resident(id, 0), SEG / 2 / page);
        CHECK_EQ(rashm_detach(a), 0);
    }
    /* attachinfo-style: the registry entry is visible from another process */
    pid_t pid = fork();
    if (pid == 0) {
        struct rashm_placement *q = rashm_query(id);
        _exit(q && q->registered && q->nranges == 2 && q->ranges[1].resident == SEG / 2 / page ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ(rashm_remove(id), 0);
    CHECK(rashm_query(id) == NULL);
}

static void progress_cb(void *arg, uint64_t done, uint64_t total)
{
    uint64_t *last = arg;
    if (done < last[0] || done > total)
        last[1] = 1;            /* not monotonic / past the total */
    last[0] = done;
    last[2]++;
    last[3] = total;
}

static void populate_and_lock(void)
{
    uint64_t seen[4] = {0, 0, 0, 0};
    struct rashm_create_opts o = {.progress = progress_cb, .progress_arg = seen, .progress_step = 2 * MiB};
    struct rashm_range r = rng(0, 0, RASHM_POLICY_FIRST_TOUCH);
    int id = rashm_create(IPC_PRIVATE, SEG, shmflg(), &r, 1, RASHM_LOCK, &o, NULL);
    CHECK(id >= 0);
    if (id < 0)
        return;
    CHECK_EQ(seen[1], 0);
    CHECK_EQ(seen[0], SEG);
    CHECK_EQ(seen[3], SEG);
    CHECK_EQ(seen[2], 4);
    CHECK_EQ(resident(id, 0), SEG / page);
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    if (!huge)   /* SHM_LOCK is a no-op on hugetlb (never swapped anyway) */
        CHECK(ds.shm_perm.mode & SHM_LOCKED);
    struct rashm_seg_info *v = NULL;
    int n = rashm_list(&v);
    CHECK(n > 0);
    int found = 0;
    for (int i = 0; i < n; i++)
        if (v[i].shmid == id) {
            found = 1;
            CHECK_EQ(v[i].registered, 1);
            CHECK_EQ(v[i].hugetlb, huge);
            CHECK_EQ(v[i].size, SEG);
            CHECK_EQ(v[i].cpid, getpid());
            if (!huge)
                CHECK_EQ(v[i].locked, 1);
        }
    CHECK(found);
    free(v);
    CHECK_EQ(rashm_remove(id), 0);
}

static void existing_key(void)
{
    key_t k = key_for(1);
    struct rashm_range r = rng(0, 0, RASHM_POLICY_BALANCED);
    int created = -1;
    int id = rashm_create(k, SEG, shmflg(), &r, 1, 0, NULL, &created);
    CHECK(id >= 0);
    CHECK_EQ(created, 1);
    if (id < 0)
        return;
    /* same key again: the existing id, placement untouched */
    struct rashm_range r2 = rng(0, 0, RASHM_POLICY_FIRST_TOUCH);
    CHECK_EQ(rashm_create(k, SEG, shmflg(), &r2, 1, RASHM_POPULATE, NULL, &created), id);
    CHECK_EQ(created, 0);
    struct rashm_placement *p = rashm_query(id);
    CHECK(p && p->nranges == 1 && p->ranges[0].policy == RASHM_POLICY_BALANCED);
    if (p && !huge)
        CHECK_EQ(p->ranges[0].resident, 0);      /* RASHM_POPULATE was not applied either */
    rashm_placement_free(p);
    CHECK_ERRNO(rashm_create(k, SEG, shmflg() | IPC_EXCL, &r2, 1, 0, NULL, NULL), -1, EEXIST);
    CHECK_EQ(rashm_create(k, 0, 0600, NULL, 0, 0, NULL, &created), id);   /* plain lookup */
    CHECK_EQ(created, 0);
    /* shmget's own checks still apply to an existing segment */
    CHECK_ERRNO(rashm_create(k, SEG * 2, shmflg(), &r2, 1, 0, NULL, NULL), -1, EINVAL);
    CHECK_EQ(rashm_remove(id), 0);
    CHECK_ERRNO(rashm_create(k, SEG, 0600, NULL, 0, 0, NULL, NULL), -1, ENOENT);
}

static void failures_leave_nothing(void)
{
    struct rashm_range bad = rng(page / 2, 0, RASHM_POLICY_BALANCED);
    CHECK_ERRNO(rashm_create(IPC_PRIVATE, SEG, shmflg(), &bad, 1, 0, NULL, NULL), -1, EINVAL);
    bad = rng(0, SEG + page, RASHM_POLICY_BALANCED);
    CHECK_ERRNO(rashm_create(IPC_PRIVATE, SEG, shmflg(), &bad, 1, 0, NULL, NULL), -1, EINVAL);
    bad = rng(0, 0, 7);
    CHECK_ERRNO(rashm_create(IPC_PRIVATE, SEG, shmflg(), &bad, 1, 0, NULL, NULL), -1, EINVAL);
    CHECK_ERRNO(rashm_create(IPC_PRIVATE, SEG, shmflg(), NULL, 1, 0, NULL, NULL), -1, EINVAL);
    CHECK_ERRNO(rashm_create(IPC_PRIVATE, SEG, shmflg(), NULL, 0, 0x100, NULL, NULL), -1, EINVAL);
    bad = rng(0, 0, RASHM_POLICY_BALANCED);
    rashm_nodeset_set(&bad.nodes, RASHM_MAX_NODES - 1);
    CHECK_ERRNO(rashm_create(IPC_PRIVATE, SEG, shmflg(), &bad, 1, 0, NULL, NULL), -1, EINVAL);
    if (huge) {
        /* more huge pages than reserved: shmget's ENOMEM, nothing left */
        CHECK_ERRNO(rashm_create(IPC_PRIVATE, 64ull << 30, shmflg(), NULL, 0, 0, NULL, NULL), -1, ENOMEM);
    } else {
        CHECK_ERRNO(rashm_create(IPC_PRIVATE, 1ull << 62, shmflg(), NULL, 0, 0, NULL, NULL), -1, ENOMEM);
    }
}

/* Segments whose creator is `pid` (cpid column of /proc/sysvipc/shm). */
static int segs_of(pid_t pid)
{
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    char line[512];
    int n = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        long long key, id, perms, size, cpid;
        if (sscanf(line, "%lld %lld %llo %lld %lld", &key, &id, &perms, &size, &cpid) == 5 && cpid == pid)
            n++;
    }
    fclose(f);
    return n;
}

/* A failure after the segment exists (here: SHM_LOCK refused, in a child
 * without CAP_IPC_LOCK and with RLIMIT_MEMLOCK 0) removes the segment. */
static int child_lock_refused(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d))
        return 3;
    d[0].effective &= ~(1u << CAP_IPC_LOCK);
    d[0].permitted &= ~(1u << CAP_IPC_LOCK);
    struct rlimit rl = {0, 0};
    if (syscall(SYS_capset, &h, d) || setrlimit(RLIMIT_MEMLOCK, &rl))
        return 3;
    struct rashm_range r = rng(0, 0, RASHM_POLICY_BALANCED);
    errno = 0;
    int id = rashm_create(IPC_PRIVATE, SEG, shmflg(), &r, 1, RASHM_LOCK, NULL, NULL);
    int e = errno;
    int left = segs_of(getpid());
    if (id != -1 || e != EPERM || left != 0) {
        fprintf(stderr, "lock refused: id %d errno %d, %d segment(s) left\n", id, e, left);
        if (id >= 0)
            shmctl(id, IPC_RMID, NULL);
        return 1;
    }
    return 0;
}

static void failure_after_creation(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_lock_refused());
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A placement recorded for segment id X must not describe the next
 * segment that gets id X. Forces the reuse with kernel.shm_next_id. */
static void stale_after_reuse(void)
{
    struct rashm_range r = rng(0, 0, RASHM_POLICY_BALANCED);
    int id = rashm_create(IPC_PRIVATE, SEG, shmflg(), &r, 1, 0, NULL, NULL);
    CHECK(id >= 0);
    if (id < 0)
        return;
    /* removed behind librashm's back (its shmctl would drop the entry) */
    CHECK_EQ(syscall(SYS_shmctl, id, IPC_RMID, NULL), 0);
    FILE *f = fopen("/proc/sys/kernel/shm_next_id", "w");
    if (!f) {
        fprintf(stderr, "note: no kernel.shm_next_id, id reuse not forced\n");
        return;
    }
    fprintf(f, "%d\n", id);
    fclose(f);
    /* hugetlbfs files have no generation number; their identity is the
     * creation time, which ticks with the coarse clock: a segment made with
     * the same id within the same tick (only possible with shm_next_id and
     * a removal librashm did not see) would pass for the old one */
    if (huge)
        usleep(20000);
    int id2 = shmget(IPC_PRIVATE, SEG, shmflg());    /* same creator, size, key, second */
    CHECK(id2 >= 0);
    if (id2 == id) {
        struct rashm_placement *p = rashm_query(id2);
        CHECK(p != NULL);
        if (p) {
            CHECK_EQ(p->registered, 0);
            CHECK_EQ(p->nranges, 1);
            CHECK_EQ(p->ranges[0].policy, -1);
        }
        rashm_placement_free(p);
        struct rashm_seg_info *v = NULL;
        int n = rashm_list(&v);
        for (int i = 0; i < n; i++)
            if (v[i].shmid == id2)
                CHECK_EQ(v[i].registered, 0);
        free(v);
    } else {
        fprintf(stderr, "note: shm_next_id did not give id %d back (got %d)\n", id, id2);
    }
    if (id2 >= 0)
        shmctl(id2, IPC_RMID, NULL);
}

/* RASHM_BALANCED=weighted: MPOL_WEIGHTED_INTERLEAVE where the kernel has
 * it (sysfs knob), plain interleave elsewhere. */
static void weighted(void)
{
    int have = access("/sys/kernel/mm/mempolicy/weighted_interleave", F_OK) == 0;
    setenv("RASHM_BALANCED", "weighted", 1);
    struct rashm_range r = rng(0, 0, RASHM_POLICY_BALANCED);
    int id = rashm_create(IPC_PRIVATE, SEG, shmflg(), &r, 1, RASHM_POPULATE, NULL, NULL);
    unsetenv("RASHM_BALANCED");
    CHECK(id >= 0);
    if (id < 0)
        return;
    struct rashm_placement *p = rashm_query(id);
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ(p->ranges[0].mode, have ? 6 : MPOL_INTERLEAVE_);
        CHECK_EQ(p->ranges[0].resident, SEG / page);
    }
    rashm_placement_free(p);
    CHECK_EQ(rashm_remove(id), 0);
}

static void place_existing(void)
{
    int id = shmget(IPC_PRIVATE, SEG, shmflg());
    CHECK(id >= 0);
    if (id < 0)
        return;
    struct rashm_placement *p = rashm_query(id);
    CHECK(p && !p->registered && p->ranges[0].policy == -1);
    rashm_placement_free(p);
    struct rashm_range r = rng(0, 0, RASHM_POLICY_BALANCED);
    CHECK_EQ(rashm_place(id, &r, 1, 1), 0);
    p = rashm_query(id);
    CHECK(p && p->registered && p->ranges[0].mode == MPOL_INTERLEAVE_);
    rashm_placement_free(p);
    CHECK_EQ(rashm_unplace(id), 0);
    p = rashm_query(id);
    CHECK(p && !p->registered);
    if (p && !huge)
        CHECK_EQ(p->ranges[0].mode, MPOL_DEFAULT_);
    rashm_placement_free(p);
    CHECK_EQ(rashm_remove(id), 0);
}

/* A mapping that is no segment: rashm_place_mapping sets the policy of the
 * range it names (relative offsets), leaves the rest, and records nothing. */
static void place_mapping(void)
{
    uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
    size_t len = 8 * pg;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    if (m == MAP_FAILED)
        return;
    struct rashm_range r = rng(0, 0, RASHM_POLICY_BALANCED);
    CHECK_EQ(rashm_place_mapping(m + 2 * pg, 4 * pg, &r, 1, 0), 0);
    CHECK_EQ(vma_mode(m), MPOL_DEFAULT_);
    CHECK_EQ(vma_mode(m + 2 * pg), MPOL_INTERLEAVE_);
    CHECK_EQ(vma_mode(m + 5 * pg), MPOL_INTERLEAVE_);
    CHECK_EQ(vma_mode(m + 6 * pg), MPOL_DEFAULT_);
    CHECK_EQ(rashm_unplace_mapping(m + 2 * pg, 4 * pg), 0);
    CHECK_EQ(vma_mode(m + 2 * pg), MPOL_DEFAULT_);
    errno = 0;
    CHECK_EQ(rashm_place_mapping(m + 1, pg, &r, 1, 0), -1);
    CHECK_EQ(errno, EINVAL);
    munmap(m, len);
    errno = 0;
    CHECK_EQ(rashm_place_mapping(m, len, &r, 1, 0), -1);   /* nothing mapped there now */
    CHECK_EQ(errno, ENOMEM);
}

/* Huge pages keep no shared policy: librashm's shmat applies the
 * first-touch range's policy to each new mapping (RASHM_SHMAT=0: not). */
static int child_attach(int id, int expect_mode)
{
    char *a = shmat(id, NULL, 0);
    if (a == (void *)-1)
        return 2;
    int m0 = vma_mode(a), m1 = vma_mode(a + SEG / 2);
    memset(a + SEG / 2, 7, 2 * MiB);
    shmdt(a);
    if (m0 != MPOL_DEFAULT_ || m1 != expect_mode) {
        fprintf(stderr, "child: modes %d %d, expected 0 %d\n", m0, m1, expect_mode);
        return 1;
    }
    return 0;
}

static void per_attach(void)
{
    struct rashm_range r[2] = {rng(0, SEG / 2, RASHM_POLICY_BALANCED), rng(SEG / 2, 0, RASHM_POLICY_FIRST_TOUCH)};
    int id = rashm_create(IPC_PRIVATE, SEG, shmflg(), r, 2, 0, NULL, NULL);
    CHECK(id >= 0);
    if (id < 0)
        return;
    for (int hook = 1; hook >= 0; hook--) {
        pid_t pid = fork();
        if (pid == 0) {
            if (!hook)
                setenv("RASHM_SHMAT", "0", 1);
            _exit(child_attach(id, hook ? MPOL_LOCAL_ : MPOL_DEFAULT_));
        }
        int st = -1;
        waitpid(pid, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_EQ(resident(id, 1), 2 * MiB / page);   /* what the children touched */
    CHECK_EQ(rashm_remove(id), 0);
}

int main(int argc, char **argv)
{
    check_begin();
    huge = argc > 1 && !strcmp(argv[1], "huge");
    page = huge ? 2 * MiB : (uint64_t)sysconf(_SC_PAGESIZE);
    if (!rashm_numa_available()) {
        fprintf(stderr, "no NUMA system calls here\n");
        return TEST_SKIP;
    }
    create_and_query();
    populate_and_lock();
    existing_key();
    failures_leave_nothing();
    failure_after_creation();
    stale_after_reuse();
    place_existing();
    if (!huge)
        place_mapping();
    weighted();
    if (huge)
        per_attach();
    return check_end();
}
