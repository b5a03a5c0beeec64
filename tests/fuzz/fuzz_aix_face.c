/* Fuzz target: the AIX face's argument handling (<sys/rset.h>).
 *
 * Each input is a short program of calls on a few rset handles: rs_alloc,
 * rs_free, rs_init, rs_getinfo, rs_numrads, rs_getrad, rs_op,
 * rs_getpartition, rs_get_homesrad, ra_shmget, ra_shmgetv,
 * ra_get_attachinfo, ra_mmap, ra_mmapv, ra_attach, ra_detach, with fuzzed
 * flags, policies, resource types, SDLs, indexes and subrange vectors.
 * Handles passed are always ones the AIX contract allows a caller to pass
 * (an rset from rs_alloc, NULL, RS_DEFAULT, small integers, a pointer to
 * memory that is not an rset); addresses passed for R_SUBRANGE lie inside
 * a buffer of ours or in the unmapped low megabyte. Sizes stay small, and
 * every segment and mapping made is removed before the next input (in a
 * private IPC namespace in any case).
 *
 * The first byte picks the topology: this machine, or one of three
 * synthetic shapes (RASHM_TOPOLOGY_SYNTHETIC; placement then ends in
 * ENOTSUP, but the rs_* calls and the checks before it see a wider machine),
 * and whether enhanced affinity is on.
 *
 * Oracles beyond ASan/UBSan: errno conventions (-1 comes with an errno, a
 * failing ra_shmget(v) leaves no segment), rs_numrads agrees with
 * rs_getrad, results of rs_getinfo counts are not negative. */
#include "fuzz_common.h"

#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "aix.h"

#ifndef SHM_HUGETLB
#define SHM_HUGETLB 04000
#endif
#ifndef SHM_NORESERVE
#define SHM_NORESERVE 010000
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

#define NSLOTS 4
#define MAXSEGS 4
#define MAXMAPS 4
#define MAXOPS 48
#define MAXSUB 8
#define BUFLEN (64u << 10)

static const char *const topologies[] = {
    NULL,                                          /* this machine */
    "pack:2 numa:2 core:2 pu:1",
    "numa:4 core:2 pu:2",
    "pack:2 numa:2(indexes=0,3,5,8) core:2 pu:1",  /* sparse node numbers */
};

struct state {
    struct fuzz_in in;
    rsethandle_t slot[NSLOTS];
    int segs[MAXSEGS];
    int nsegs;
    void *maps[MAXMAPS];
    size_t maplen[MAXMAPS];
    int nmaps;
};

static struct rset not_an_rset;    /* readable, wrong magic */
static uint8_t *buf;               /* R_SUBRANGE target memory */

static void fail(const char *what)
{
    fprintf(stderr, "ORACLE: %s\n", what);
    abort();
}

/* -1 must come with an errno that means something */
static void check_fail(int rc, const char *call)
{
    if (rc == -1 && (errno <= 0 || errno > 4095)) {
        fprintf(stderr, "ORACLE: %s returned -1 with errno %d\n", call, errno);
        abort();
    }
}

static rsethandle_t handle(struct state *s)
{
    uint8_t b = fuzz_byte(&s->in);
    switch (b % 8) {
    case 4: return NULL;
    case 5: return RS_DEFAULT;
    case 6: return &not_an_rset;
    case 7: return (rsethandle_t)(uintptr_t)(1 + b / 8);
    default: return s->slot[b % 4];
    }
}

static rstype_t rstype(struct state *s)
{
    uint8_t b = fuzz_byte(&s->in);
    switch (b % 4) {
    case 0: return R_RSET;
    case 1: return R_SRADID;
    case 2: return (rstype_t)(b / 4);              /* any small type */
    default: return (rstype_t)fuzz_word(&s->in);
    }
}

static rsid_t rsid_for(struct state *s, rstype_t t)
{
    rsid_t id;
    memset(&id, 0, sizeof id);
    if (t == R_RSET)
        id.at_rset = handle(s);
    else
        id.at_sradid = (sradid_t)(int8_t)fuzz_byte(&s->in);
    return id;
}

static uint_t policy(struct state *s)
{
    uint8_t b = fuzz_byte(&s->in);
    return b < 200 ? b % 4 : fuzz_word(&s->in);
}

/* shmget flags: permissions, IPC_CREAT always (IPC_PRIVATE), then some of
 * SHM_PIN, SHM_LGPAGE, SHM_HUGETLB, SHM_NORESERVE, IPC_EXCL and a huge
 * page size field. */
static int shm_flags(struct state *s)
{
    uint8_t b = fuzz_byte(&s->in);
    int f = IPC_CREAT | 0600;
    if (b & 1)
        f |= SHM_PIN;
    if (b & 2)
        f |= SHM_LGPAGE;
    if (b & 4)
        f |= SHM_HUGETLB;
    if (b & 8)
        f |= SHM_NORESERVE;
    if (b & 16)
        f |= IPC_EXCL;
    if (b & 32)
        f |= (int)(((unsigned)fuzz_byte(&s->in) % 64) << 26);   /* SHM_HUGE_* */
    return f;
}

static uint64_t seg_size(struct state *s, int flags)
{
    uint8_t b = fuzz_byte(&s->in);
    if (flags & (SHM_HUGETLB | SHM_LGPAGE))
        return (b % 2 + 1) * (2u << 20);
    switch (b % 6) {
    case 0: return 0;
    case 1: return 1 + fuzz_byte(&s->in);
    case 5: return fuzz_word(&s->in) % (256u << 10);
    default: return (uint64_t)(b % 6) * 4096;
    }
}

/* offsets and lengths: mostly page multiples near the segment, sometimes raw */
static uint64_t span(struct state *s)
{
    uint8_t b = fuzz_byte(&s->in);
    if (b < 192)
        return (uint64_t)(b % 16) * 4096 + (b & 0x40 ? (uint64_t)(b % 3) : 0);
    if (b < 224)
        return (uint64_t)(b % 4) * (2u << 20);
    return fuzz_quad(&s->in);
}

static void subrange(struct state *s, subrange_t *r)
{
    memset(r, 0, sizeof *r);
    r->su_offset = (off64_t)span(s);
    r->su_length = span(s);
    r->su_rstype = rstype(s);
    r->su_policy = policy(s);
    r->su_rsid = rsid_for(s, r->su_rstype);
    uint8_t b = fuzz_byte(&s->in);
    if (b == 0xfe)
        r->su_rsoffset = (off64_t)fuzz_quad(&s->in);
    if (b == 0xff)
        r->su_rslength = fuzz_quad(&s->in);
}

static int nsegs_now(void)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    if (!f)
        return -1;
    char line[512];
    int n = -1;                /* the header */
    while (fgets(line, sizeof line, f))
        n++;
    fclose(f);
    return n;
}

static void keep_seg(struct state *s, int id)
{
    if (id < 0)
        return;
    if (s->nsegs < MAXSEGS)
        s->segs[s->nsegs++] = id;
    else
        shmctl(id, IPC_RMID, NULL);
}

static void keep_map(struct state *s, void *p, size_t len)
{
    if (p == MAP_FAILED)
        return;
    if (s->nmaps < MAXMAPS) {
        s->maps[s->nmaps] = p;
        s->maplen[s->nmaps++] = len;
    } else {
        munmap(p, len);
    }
}

static int some_shmid(struct state *s)
{
    uint8_t b = fuzz_byte(&s->in);
    if (s->nsegs && b < 200)
        return s->segs[b % s->nsegs];
    return (int)(int8_t)b;
}

static void op_shmget(struct state *s, int vec)
{
    int flags = shm_flags(s);
    uint64_t size = seg_size(s, flags);
    int before = nsegs_now();
    int id;
    if (vec) {
        uint8_t b = fuzz_byte(&s->in);
        int cnt = b < 240 ? b % (MAXSUB + 1) : (int)fuzz_word(&s->in);
        subrange_t v[MAXSUB];
        int n = cnt < 0 ? 0 : cnt > MAXSUB ? MAXSUB : cnt;
        for (int i = 0; i < n; i++)
            subrange(s, &v[i]);
        /* a count larger than the vector would make the library read past
         * it, which is the caller's fault, not the library's: only counts
         * the vector covers, or ones it must refuse before reading */
        if (cnt > MAXSUB && cnt <= RASHM_MAX_RANGES)
            cnt = n;
        id = ra_shmgetv(IPC_PRIVATE, size, flags, cnt, b == 239 ? NULL : v);
        check_fail(id, "ra_shmgetv");
    } else {
        rstype_t t = rstype(s);
        rsid_t r = rsid_for(s, t);
        id = ra_shmget(IPC_PRIVATE, size, flags, t, r, policy(s));
        check_fail(id, "ra_shmget");
    }
    /* a pending R_MIGRATE_ASYNC mover may hold an attach of the failed
     * creation's segment for a moment (it got the id of the segment it was
     * to move, looked, and lets go): a removed segment stays listed until
     * then, so look again for up to two seconds (and a segment removed
     * earlier that such an attach kept listed may go meanwhile: fewer is
     * fine; the end of the input requires none at all) */
    for (int tries = 0; id < 0 && before >= 0 && nsegs_now() > before; tries++) {
        if (tries == 200)
            fail("a failing ra_shmget(v) left a segment behind");
        usleep(10000);
    }
    keep_seg(s, id);
}

static void op_mmap(struct state *s, int vec)
{
    uint8_t b = fuzz_byte(&s->in);
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
    if (b & 1)
        flags |= MAP_HUGETLB | MAP_NORESERVE;
    if (b & 2)
        flags |= (int)(((unsigned)fuzz_byte(&s->in) % 64) << MAP_HUGE_SHIFT);
    size_t len = (b & 1) ? (2u << 20) : (size_t)((b >> 2) % 8) * 4096 + ((b & 0x80) ? 1 : 0);
    void *p;
    if (vec) {
        int cnt = fuzz_byte(&s->in) % (MAXSUB + 1);
        subrange_t v[MAXSUB];
        for (int i = 0; i < cnt; i++)
            subrange(s, &v[i]);
        p = ra_mmapv(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0, cnt, v);
    } else {
        rstype_t t = rstype(s);
        rsid_t r = rsid_for(s, t);
        p = ra_mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0, t, r, policy(s));
    }
    if (p == MAP_FAILED && (errno <= 0 || errno > 4095))
        fail("ra_mmap(v) failed without an errno");
    keep_map(s, p, len);
}

/* the fuzzer's CPU mask at start, restored after each process/thread attach */
static cpu_set_t initial_cpus;

static void op_attach(struct state *s, int detach)
{
    uint8_t b = fuzz_byte(&s->in);
    rstype_t t1 = b % 4 == 0 ? R_SHM : b % 4 == 1 ? R_SUBRANGE : (rstype_t)(b / 4);
    rsid_t id1;
    memset(&id1, 0, sizeof id1);
    subrange_t sub;
    memset(&sub, 0, sizeof sub);
    if (t1 == R_SHM) {
        id1.at_shmid = some_shmid(s);
    } else if (t1 == R_SUBRANGE) {
        uint8_t c = fuzz_byte(&s->in);
        if (c < 224) {
            /* inside our buffer, aligned or not, possibly empty */
            uint64_t off = fuzz_word(&s->in) % BUFLEN;
            uint64_t len = fuzz_word(&s->in) % (BUFLEN - off + 1);
            sub.su_offset = (off64_t)((uintptr_t)buf + off);
            sub.su_length = len;
        } else {
            /* the unmapped low megabyte, zero or negative */
            sub.su_offset = (off64_t)(int32_t)fuzz_word(&s->in) % (1 << 20);
            sub.su_length = fuzz_word(&s->in) % (1 << 20);
        }
        sub.su_policy = policy(s);
        id1.at_subrange = c == 0xff ? NULL : &sub;
    } else if (t1 == R_PROCESS || t1 == R_THREAD) {
        /* only this process, its calling thread or ids that name nobody:
         * run as root, a random pid or tid would rebind another program's
         * threads on the machine */
        static const int other[] = {0, -1, INT_MAX, -2};
        uint8_t c = fuzz_byte(&s->in);
        int self = t1 == R_PROCESS ? (int)getpid() : (int)gettid();
        int v = c < 128 ? self : other[c % 4];
        if (t1 == R_PROCESS)
            id1.at_pid = v;
        else
            id1.at_tid = v;
    } else {
        id1.at_shmid = (int)fuzz_word(&s->in);
    }
    uint_t flags = fuzz_byte(&s->in) < 200 ? policy(s) | (fuzz_byte(&s->in) & 0x7) << 8 : fuzz_word(&s->in);
    int rc;
    if (detach) {
        rstype_t t2 = rstype(s);
        rsid_t id2 = rsid_for(s, t2);
        rc = ra_detach(t1, id1, t2, id2, fuzz_byte(&s->in) < 200 ? 0 : flags);
        check_fail(rc, "ra_detach");
    } else {
        rstype_t t2 = rstype(s);
        rsid_t id2 = rsid_for(s, t2);
        rc = ra_attach(t1, id1, t2, id2, flags);
        check_fail(rc, "ra_attach");
    }
    if (t1 == R_PROCESS || t1 == R_THREAD) {
        /* the next input starts from the process as it was */
        rsid_t me;
        memset(&me, 0, sizeof me);
        me.at_pid = getpid();
        rsid_t none;
        memset(&none, 0, sizeof none);
        ra_detach(R_PROCESS, me, R_RSET, none, R_DETACH_ALLTHRDS);
        sched_setaffinity(0, sizeof initial_cpus, &initial_cpus);
    }
}

static void op_attachinfo(struct state *s)
{
    rstype_t t = fuzz_byte(&s->in) < 224 ? R_SHM : rstype(s);
    rsid_t id;
    memset(&id, 0, sizeof id);
    id.at_shmid = some_shmid(s);
    off64_t off = (off64_t)span(s);
    if (fuzz_byte(&s->in) == 0xff)
        off = -off;
    size64_t len = span(s);
    uint_t flags = fuzz_byte(&s->in) < 224 ? 0 : fuzz_word(&s->in);
    attachinfo_t *ai = ra_get_attachinfo(t, id, off, len, flags);
    if (ai == (attachinfo_t *)-1) {
        if (errno <= 0 || errno > 4095)
            fail("ra_get_attachinfo failed without an errno");
        return;
    }
    for (attachinfo_t *a = ai; a; a = a->next_resource) {
        if (a->at_rstype != R_RSET && a->at_rstype != R_SRADID)
            fail("ra_get_attachinfo: element of an unknown type");
        if (a->at_rstype == R_RSET && rs_getinfo(a->at_rsid.at_rset, R_NUMPROCS, 0) < 0)
            fail("ra_get_attachinfo: element rset is not an rset");
    }
    if (ai && ra_free_attachinfo(ai))
        fail("ra_free_attachinfo refused a list ra_get_attachinfo made");
}

static void run_op(struct state *s)
{
    uint8_t op = fuzz_byte(&s->in) % 18;
    int rc;
    switch (op) {
    case 0: {
        uint8_t k = fuzz_byte(&s->in) % NSLOTS;
        uint8_t f = fuzz_byte(&s->in);
        rsethandle_t h = rs_alloc(f < 240 ? f % 5 : fuzz_word(&s->in));
        if (!h && (errno != EINVAL && errno != ENOMEM))
            fail("rs_alloc failed with an errno it does not document");
        if (h) {
            rs_free(s->slot[k]);
            s->slot[k] = h;
        }
        break;
    }
    case 1: {
        uint8_t k = fuzz_byte(&s->in) % NSLOTS;
        rs_free(s->slot[k]);
        s->slot[k] = NULL;
        break;
    }
    case 2: {
        rsethandle_t h = handle(s);
        uint8_t f = fuzz_byte(&s->in);
        rc = rs_init(h, f < 240 ? f % 5 : fuzz_word(&s->in));
        check_fail(rc, "rs_init");
        break;
    }
    case 3: {
        rsethandle_t h = handle(s);
        uint8_t i = fuzz_byte(&s->in);
        rsinfo_t info = i < 240 ? (rsinfo_t)(i % 18) - 2 : (rsinfo_t)fuzz_word(&s->in);
        uint_t flags = fuzz_byte(&s->in) < 224 ? 0 : fuzz_word(&s->in);
        rc = rs_getinfo(h, info, flags);
        check_fail(rc, "rs_getinfo");
        if (rc < -1)
            fail("rs_getinfo returned a negative count");
        break;
    }
    case 4:
    case 5: {
        rsethandle_t in = handle(s), out = handle(s);
        uint8_t b = fuzz_byte(&s->in);
        uint_t sdl = b < 240 ? b % 10 : fuzz_word(&s->in);
        uint_t flags = fuzz_byte(&s->in) < 224 ? 0 : fuzz_word(&s->in);
        int n = rs_numrads(in, sdl, flags);
        check_fail(n, "rs_numrads");
        if (op == 5) {
            uint8_t c = fuzz_byte(&s->in);
            uint_t index = c < 240 ? c % 10 : fuzz_word(&s->in);
            rc = rs_getrad(in, out, sdl, index, flags);
            check_fail(rc, "rs_getrad");
            /* the two agree: index i < rs_numrads works, others do not */
            if (n >= 0 && out && rset_of(out) && rset_of(in) != NULL && ((index < (uint_t)n) != (rc == 0)))
                fail("rs_getrad and rs_numrads disagree");
        }
        break;
    }
    case 6: {
        uint8_t c = fuzz_byte(&s->in);
        uint_t cmd = c < 240 ? c % 17 : fuzz_word(&s->in);
        rsethandle_t h1 = handle(s), h2 = handle(s);
        uint8_t f = fuzz_byte(&s->in);
        uint_t flags = f < 240 ? f % 5 : fuzz_word(&s->in);
        uint8_t d = fuzz_byte(&s->in);
        uint_t id = d < 128 ? d % 16 : d < 240 ? fuzz_word(&s->in) % 5000 : fuzz_word(&s->in);
        rc = rs_op(cmd, h1, h2, flags, id);
        check_fail(rc, "rs_op");
        break;
    }
    case 7: {
        static const pid_t pids[] = {0, RS_MYSELF, 1, -5, 999999999, 2};
        uint8_t b = fuzz_byte(&s->in);
        pid_t pid = b % 7 == 6 ? getpid() : pids[b % 7 % 6];
        rc = rs_getpartition(pid, handle(s));
        check_fail(rc, "rs_getpartition");
        break;
    }
    case 8: {
        sradid_t h = rs_get_homesrad();
        if (h < SRADID_ANY)
            fail("rs_get_homesrad: a negative SRAD other than SRADID_ANY");
        break;
    }
    case 9: op_shmget(s, 0); break;
    case 10: op_shmget(s, 1); break;
    case 11: op_attachinfo(s); break;
    case 12: op_mmap(s, 0); break;
    case 13: op_mmap(s, 1); break;
    case 14: op_attach(s, 0); break;
    case 15: op_attach(s, 1); break;
    case 16:
        if (ra_free_attachinfo(NULL) != -1 || errno != EINVAL ||
            ra_free_attachinfo((attachinfo_t *)-1) != -1 || errno != EINVAL)
            fail("ra_free_attachinfo accepted NULL or -1");
        break;
    case 17: {
        /* remove one of our segments (and its registry entry) early */
        if (s->nsegs) {
            int id = s->segs[--s->nsegs];
            if (shmctl(id, IPC_RMID, NULL))
                fail("IPC_RMID of a segment ra_shmget(v) made");
        }
        break;
    }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_isolate();
    if (sched_getaffinity(0, sizeof initial_cpus, &initial_cpus))
        fuzz_die("sched_getaffinity");
    memset(&not_an_rset, 0x5a, sizeof not_an_rset);
    not_an_rset.magic = ~(uint32_t)RSET_MAGIC;
    buf = mmap(NULL, BUFLEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        fuzz_die("mmap");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct state s;
    memset(&s, 0, sizeof s);
    s.in.p = data;
    s.in.n = size;
    uint8_t shape = fuzz_byte(&s.in);
    const char *topo = topologies[shape % 4];
    if (topo)
        setenv("RASHM_TOPOLOGY_SYNTHETIC", topo, 1);
    else
        unsetenv("RASHM_TOPOLOGY_SYNTHETIC");
    if (shape & 4)
        setenv("RASHM_ENHANCED_AFFINITY", "0", 1);
    else
        unsetenv("RASHM_ENHANCED_AFFINITY");
    if (shape & 8)
        setenv("RASHM_DEFAULT_POLICY", "first-touch", 1);
    else
        unsetenv("RASHM_DEFAULT_POLICY");

    for (int i = 0; i < MAXOPS && s.in.n; i++)
        run_op(&s);

    for (int i = 0; i < NSLOTS; i++)
        rs_free(s.slot[i]);
    for (int i = 0; i < s.nsegs; i++)
        if (shmctl(s.segs[i], IPC_RMID, NULL))
            fail("IPC_RMID of a segment ra_shmget(v) made");
    for (int i = 0; i < s.nmaps; i++)
        munmap(s.maps[i], s.maplen[i]);
    /* nothing of this input may be left: no segment, no registry entry */
    /* ra_attach(R_MIGRATE_ASYNC) moves pages from a thread that holds an
     * attach of the segment for a moment after the call returned; a removed
     * segment lives on until that attach goes. Give it two seconds. */
    for (int tries = 0; nsegs_now() != 0; tries++) {
        if (tries == 200)
            fail("a segment outlived the input");
        usleep(10000);
    }
    return 0;
}
