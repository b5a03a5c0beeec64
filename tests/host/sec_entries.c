/* Registry entries are untrusted input (issue 7, defects 2, 4 and 5),
 * written as the attack: user nobody creates a placed segment, then edits
 * its own registry entry in place (it owns the file) to lie about the
 * page size, the ranges or the counts; root then looks at the segment or
 * attaches it, and must neither overflow a buffer, hang, crash, nor set a
 * memory policy outside the segment's mapping.
 *
 *   argv[1] = pagesize     defect 2: forged page_size/hugetlb; root's
 *                          rashm_query, ra_get_attachinfo, `rashm show`/`ls`
 *   argv[1] = hang         defect 5: page_size 0, a range of 2^60 bytes,
 *                          ranges wrapping around, thousands of ranges;
 *                          every reader returns within the alarm
 *   argv[1] = ranges       defect 4: ranges pointing outside a 4 KiB
 *                          segment that root attaches read-only through the
 *                          interposed shmat: no policy anywhere else
 *   argv[1] = ranges_huge  defect 4 on a hugetlb segment: the per-attach
 *                          policy still works for the creator, a forged
 *                          entry is not applied at all (nobody's own attach
 *                          and root's), and root ignores nobody's entries
 *   argv[2] = the rashm command (or "-" for none)
 *
 * Runs as root, in its own IPC namespace and its own registry directory. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "check.h"
#include "host.h"
#include "internal.h"

#include <rashm.h>
#include <sys/rset.h>

#define NOBODY 65534
#define MiB (UINT64_C(1) << 20)
/* each reader runs in a child killed by this alarm: a hang fails the test */
#define READER_ALARM_S 20

static char regdir[64];
static const char *cli;
static gid_t huge_gid;

/* ---- set-up --------------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void cleanup(void)
{
    if (regdir[0])
        nftw(regdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Own IPC namespace (segments of other tests and users are invisible, and
 * anything left dies with the namespace) and own registry, root-owned and
 * sticky like /tmp. */
static int setup(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "needs root (to act as nobody and as root)\n");
        return TEST_SKIP;
    }
    if (unshare(CLONE_NEWIPC)) {
        perror("unshare(CLONE_NEWIPC)");
        return TEST_SKIP;
    }
    snprintf(regdir, sizeof regdir, "/dev/shm/rashm-sec-XXXXXX");
    if (!mkdtemp(regdir) || chmod(regdir, 01777)) {
        perror("registry dir");
        regdir[0] = 0;
        return 1;
    }
    setenv("RASHM_REGISTRY_DIR", regdir, 1);
    return 0;
}

/* Shared between the test and its children. */
struct shared {
    int id;
    int rc;
    char path[512];
};
static struct shared *sh;

/* Runs fn in a child with nobody's identity (plus `extra_gid` as a
 * supplementary group when not (gid_t)-1). */
static int as_nobody(int (*fn)(void *), void *arg, gid_t extra_gid)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        gid_t g[1] = {extra_gid};
        if (setgroups(extra_gid == (gid_t)-1 ? 0 : 1, g) || setgid(NOBODY) || setuid(NOBODY)) {
            perror("becoming nobody");
            _exit(2);
        }
        _exit(fn(arg));
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs fn in a child (same identity) under an alarm. */
static int bounded(int (*fn)(void *), void *arg, const char *what)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        alarm(READER_ALARM_S);
        _exit(fn(arg));
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "%s: killed by signal %d%s\n", what, WTERMSIG(st),
                WTERMSIG(st) == SIGALRM ? " (hung: no answer within the alarm)" : "");
        return 128 + WTERMSIG(st);
    }
    return WEXITSTATUS(st);
}

/* ---- the attacker's side -------------------------------------------------- */

struct create_args {
    uint64_t size;
    int huge;
};

/* nobody: a placed segment, readable by everyone: balanced first half,
 * first-touch second half (per-attach on hugetlb), populated. */
static int nobody_create(void *arg)
{
    const struct create_args *a = arg;
    const rashm_topo_t *t = rashm_topo();
    if (!t)
        return 3;
    struct rashm_range r[2];
    memset(r, 0, sizeof r);
    r[0].offset = 0;
    r[0].length = a->size / 2;
    r[0].policy = RASHM_POLICY_BALANCED;
    r[1].offset = a->size / 2;
    r[1].length = 0;
    r[1].policy = RASHM_POLICY_FIRST_TOUCH;
    int id = rashm_create(IPC_PRIVATE, a->size, IPC_CREAT | 0644 | (a->huge ? SHM_HUGETLB : 0), r, 2,
                          a->huge ? 0 : RASHM_POPULATE, NULL, NULL);
    if (id < 0) {
        sh->rc = errno;
        return 4;
    }
    sh->id = id;
    return 0;
}

static int find_entry_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    char want[32];
    snprintf(want, sizeof want, "seg.%d", sh->id);
    if (flag == FTW_F && S_ISREG(st->st_mode) && !strcmp(path + ftw->base, want)) {
        snprintf(sh->path, sizeof sh->path, "%s", path);
        return 1;
    }
    return 0;
}

/* The entry file the library wrote for sh->id, wherever the layout puts
 * it under the registry directory. */
static int find_entry(void)
{
    sh->path[0] = 0;
    nftw(regdir, find_entry_cb, 16, FTW_PHYS);
    return sh->path[0] ? 0 : -1;
}

static struct reg_entry *read_file(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    struct reg_entry *e = malloc((size_t)st.st_size);
    if (e && read(fd, e, (size_t)st.st_size) != st.st_size) {
        free(e);
        e = NULL;
    }
    close(fd);
    *size = (size_t)st.st_size;
    return e;
}

/* A forgery: edits the entry (a copy of the original) and says how many
 * ranges it now has room for. */
typedef struct reg_entry *(*forge_fn)(struct reg_entry *orig, size_t size);

static struct reg_entry *grow(struct reg_entry *e, int nranges)
{
    size_t sz = sizeof *e + (size_t)nranges * sizeof e->r[0];
    struct reg_entry *n = calloc(1, sz);
    if (!n)
        return NULL;
    memcpy(n, e, sizeof *e + (size_t)(e->nranges < nranges ? e->nranges : nranges) * sizeof e->r[0]);
    n->nranges = nranges;
    return n;
}

struct forge_args {
    forge_fn fn;
    struct reg_entry *orig;
    size_t size;
};

/* nobody: rewrites its own entry in place, through the path the library
 * uses (it owns the file). */
static int nobody_forge(void *arg)
{
    const struct forge_args *a = arg;
    struct reg_entry *copy = malloc(a->size);
    if (!copy)
        return 3;
    memcpy(copy, a->orig, a->size);
    struct reg_entry *e = a->fn(copy, a->size);
    if (!e)
        return 3;
    size_t sz = e->nranges >= 0 ? sizeof *e + (size_t)e->nranges * sizeof e->r[0] : a->size;
    int fd = open(sh->path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fprintf(stderr, "nobody cannot edit %s: %s\n", sh->path, strerror(errno));
        return 5;
    }
    int ok = pwrite(fd, e, sz, 0) == (ssize_t)sz && ftruncate(fd, (off_t)sz) == 0;
    close(fd);
    if (e != copy)
        free(e);
    free(copy);
    return ok ? 0 : 6;
}

/* ---- forgeries ------------------------------------------------------------ */

static struct reg_entry *f_page_is_segment(struct reg_entry *e, size_t s)
{
    (void)s;
    e->page_size = e->segsz;       /* mincore vector of one byte, the kernel writes 1024 */
    return e;
}
static struct reg_entry *f_page_8k(struct reg_entry *e, size_t s)
{
    (void)s;
    e->page_size = 8192;
    return e;
}
static struct reg_entry *f_page_huge(struct reg_entry *e, size_t s)
{
    (void)s;
    e->page_size = 2 * MiB;
    e->hugetlb = 1;
    return e;
}
static struct reg_entry *f_page_2_40(struct reg_entry *e, size_t s)
{
    (void)s;
    e->page_size = UINT64_C(1) << 40;
    return e;
}
static struct reg_entry *f_page_zero(struct reg_entry *e, size_t s)
{
    (void)s;
    e->page_size = 0;              /* a division by zero */
    return e;
}
static struct reg_entry *f_len_2_60(struct reg_entry *e, size_t s)
{
    (void)s;
    e->r[e->nranges - 1].length = UINT64_C(1) << 60;   /* move_pages for ever */
    return e;
}
static struct reg_entry *f_wrap(struct reg_entry *e, size_t s)
{
    (void)s;
    e->r[0].offset = UINT64_MAX - 4095;                /* offset + length wraps to 4 KiB */
    e->r[0].length = 8192;
    return e;
}
static struct reg_entry *f_many(struct reg_entry *e, size_t s)
{
    (void)s;
    struct reg_entry *n = grow(e, 5000);
    if (!n)
        return NULL;
    for (int i = 0; i < n->nranges; i++) {
        n->r[i] = e->r[0];
        n->r[i].offset = 0;
        n->r[i].length = UINT64_C(1) << 50;
    }
    return n;
}
static struct reg_entry *f_negative_count(struct reg_entry *e, size_t s)
{
    (void)s;
    e->nranges = -1;
    return e;
}

/* Defect 4: per-attach ranges around the segment, whatever the attach
 * address: one page at a time (mbind refuses a range with holes) for 4 MiB
 * above the end and, through offsets that wrap around, 4 MiB below the
 * start; a page size that makes the old bound check pass; hugetlb claimed. */
#define AROUND (4 * MiB)
static struct reg_entry *around(struct reg_entry *e, uint64_t step, int claim_huge)
{
    int each = (int)(AROUND / step);
    struct reg_entry *n = grow(e, e->nranges + 2 * each);
    if (!n)
        return NULL;
    uint64_t end = plan_end(e->segsz, e->page_size);
    struct reg_range proto = e->r[0];
    proto.per_attach = 1;
    proto.mode = 3;                /* MPOL_INTERLEAVE over node 0: visible in get_mempolicy */
    rashm_nodeset_zero(&proto.mask);
    rashm_nodeset_set(&proto.mask, 0);
    proto.nodes = proto.mask;
    for (int i = 0; i < each; i++) {
        struct reg_range *up = &n->r[e->nranges + i], *down = &n->r[e->nranges + each + i];
        *up = proto;
        up->offset = end + (uint64_t)i * step;
        up->length = step;
        *down = proto;
        down->offset = (uint64_t)0 - (uint64_t)(i + 1) * step;
        down->length = step;
    }
    n->has_per_attach = 1;
    if (claim_huge) {
        n->hugetlb = 1;
        n->page_size = UINT64_C(1) << 40;
    }
    return n;
}
static struct reg_entry *f_around_4k(struct reg_entry *e, size_t s)
{
    (void)s;
    return around(e, 4096, 1);
}
static struct reg_entry *f_around_huge(struct reg_entry *e, size_t s)
{
    (void)s;
    return around(e, 2 * MiB, 0);
}
static struct reg_entry *f_around_huge_bigpage(struct reg_entry *e, size_t s)
{
    (void)s;
    return around(e, 2 * MiB, 1);
}

/* ---- the victim's side ---------------------------------------------------- */

static uint64_t seg_size;
static int seg_huge;

/* root: rashm_query answers from the kernel, and not from the forged entry. */
static int root_query(void *arg)
{
    int expect_registered = arg != NULL;
    struct rashm_placement *p = rashm_query(sh->id);
    CHECK(p != NULL);
    if (!p)
        return 1;
    uint64_t page = seg_huge ? 2 * MiB : 4096;
    CHECK_EQ(p->page_size, page);
    CHECK_EQ(p->hugetlb, seg_huge);
    CHECK_EQ(p->size, seg_size);
    CHECK_EQ(p->registered, expect_registered);
    CHECK(p->nranges >= 1 && p->nranges <= 2);
    uint64_t covered = 0;
    for (int i = 0; i < p->nranges; i++) {
        CHECK(p->ranges[i].offset + p->ranges[i].length <= seg_size);
        CHECK_EQ(p->ranges[i].pages, p->ranges[i].length / page);
        CHECK(p->ranges[i].resident <= p->ranges[i].pages);
        covered += p->ranges[i].length;
    }
    CHECK_EQ(covered, seg_size);
    if (!seg_huge && p->counts_valid) {
        uint64_t res = 0;
        for (int i = 0; i < p->nranges; i++)
            res += p->ranges[i].resident;
        CHECK_EQ(res, seg_size / page);   /* populated at creation */
    }
    rashm_placement_free(p);
    return check_failures ? 1 : 0;
}

/* root: rashm_list lists the segment, as unregistered when the entry lies. */
static int root_list(void *arg)
{
    int expect_registered = arg != NULL;
    struct rashm_seg_info *v = NULL;
    int n = rashm_list(&v);
    CHECK(n >= 1);
    int found = 0;
    for (int i = 0; i < n; i++)
        if (v[i].shmid == sh->id) {
            found = 1;
            CHECK_EQ(v[i].registered, expect_registered);
            if (expect_registered) {
                CHECK_EQ(v[i].hugetlb, seg_huge);
                CHECK_EQ(v[i].nranges, 2);
            } else {
                CHECK_EQ(v[i].nranges, 0);
            }
        }
    CHECK(found);
    free(v);
    return check_failures ? 1 : 0;
}

/* root: ra_get_attachinfo answers from validated entries only. */
static int root_attachinfo(void *arg)
{
    int expect_registered = arg != NULL;
    errno = 0;
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, shm_id(sh->id), 0, 0, 0);
    if (expect_registered) {
        CHECK(ai != NULL);
    } else {
        CHECK(ai == NULL);    /* "not attached to anything" */
    }
    if (ai)
        ra_free_attachinfo(ai);
    return check_failures ? 1 : 0;
}

/* root: `rashm ARGS...` exits 0; with `show`, says the segment is not placed. */
static int run_cli(const char *a1, const char *a2, int forged)
{
    if (!cli || !strcmp(cli, "-"))
        return 0;
    char idbuf[16];
    snprintf(idbuf, sizeof idbuf, "%d", sh->id);
    int pfd[2];
    if (pipe(pfd))
        return 1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(READER_ALARM_S);
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        if (!strcmp(a1, "show"))
            execl(cli, cli, "show", idbuf, a2, (char *)NULL);
        else
            execl(cli, cli, a1, a2, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    char out[65536];
    size_t got = 0;
    ssize_t k;
    char sink[4096];
    /* read everything (the command must not die of SIGPIPE), keep the start */
    while ((k = read(pfd[0], got < sizeof out - 1 ? out + got : sink,
                     got < sizeof out - 1 ? sizeof out - 1 - got : sizeof sink)) > 0)
        if (got < sizeof out - 1)
            got += (size_t)k;
    out[got] = 0;
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "rashm %s %s: %s %d\n", a1, a2 ? a2 : "", WIFEXITED(st) ? "exit" : "signal",
                WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        return 1;
    }
    if (!strcmp(a1, "show") && !a2 && forged && !strstr(out, "not placed by rashm")) {
        fprintf(stderr, "rashm show: the forged entry was believed:\n%s", out);
        return 1;
    }
    return 0;
}

/* All readers, each bounded in time. */
static void readers(int expect_registered, const char *label)
{
    void *arg = expect_registered ? (void *)1 : NULL;
    char what[128];
    snprintf(what, sizeof what, "%s: rashm_query", label);
    CHECK_EQ(bounded(root_query, arg, what), 0);
    snprintf(what, sizeof what, "%s: rashm_list", label);
    CHECK_EQ(bounded(root_list, arg, what), 0);
    snprintf(what, sizeof what, "%s: ra_get_attachinfo", label);
    CHECK_EQ(bounded(root_attachinfo, arg, what), 0);
    CHECK_EQ(run_cli("show", NULL, !expect_registered), 0);
    CHECK_EQ(run_cli("show", "--json", !expect_registered), 0);
    CHECK_EQ(run_cli("ls", NULL, !expect_registered), 0);
    CHECK_EQ(run_cli("ls", "--json", !expect_registered), 0);
}

/* ---- defect 4: policies outside the mapping -------------------------------- */

/* Policy of the page at addr (MPOL_F_ADDR): -1 when it cannot be read. */
static int policy_at(const void *addr)
{
    int mode = -1;
    unsigned long mask[RASHM_MAX_NODES / 64];
    if (syscall(SYS_get_mempolicy, &mode, mask, (unsigned long)RASHM_MAX_NODES + 1, addr, 2 /* MPOL_F_ADDR */))
        return -1;
    return mode;
}

/* Lines of /proc/self/numa_maps with a policy other than "default" outside
 * [lo, hi): memory that got a policy it should not have. */
static int foreign_policies(uintptr_t lo, uintptr_t hi)
{
    FILE *f = fopen("/proc/self/numa_maps", "re");
    if (!f)
        return 0;
    char line[4096];
    int bad = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a;
        char pol[64];
        if (sscanf(line, "%lx %63s", &a, pol) != 2)
            continue;
        if ((a < lo || a >= hi) && strncmp(pol, "default", 7)) {
            fprintf(stderr, "policy outside the segment: %s", line);
            bad++;
        }
    }
    fclose(f);
    return bad;
}

/* Attaches the segment between two anonymous canary areas (so memory is
 * there right above and below it), read-only, through the interposed
 * shmat (or rashm_attach), and checks that nothing but the segment got a
 * policy. *seg_mode: the policy mode found in the segment's second half
 * (its first-touch range). */
static int attach_between_canaries(int use_rashm_attach, int *seg_mode)
{
    uint64_t align = seg_huge ? 2 * MiB : 4096;
    uint64_t span = AROUND + seg_size + AROUND + align;
    char *area = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return 1;
    char *lo = (char *)(((uintptr_t)area + AROUND + align - 1) & ~(uintptr_t)(align - 1)) - AROUND;
    char *segat = lo + AROUND;
    memset(area, 1, span);            /* canaries resident, any policy would show */
    munmap(segat, seg_size);
    void *p = use_rashm_attach ? rashm_attach(sh->id, segat, SHM_RDONLY) : shmat(sh->id, segat, SHM_RDONLY);
    int bad = 0;
    if (p != segat) {
        fprintf(stderr, "shmat at %p: %s\n", (void *)segat, strerror(errno));
        munmap(area, span);
        return 1;
    }
    /* the pages right next to the segment, and the far ends of the canaries */
    const char *where[] = {segat - AROUND, segat - 4096, segat + seg_size, segat + seg_size + AROUND - 4096};
    for (int i = 0; i < 4; i++) {
        int m = policy_at(where[i]);
        if (m != 0) {
            fprintf(stderr, "canary %d at %p has policy mode %d\n", i, (const void *)where[i], m);
            bad++;
        }
    }
    static int heap_probe;            /* a static and a heap block: this program's own memory */
    char *heap = malloc(64);
    if (policy_at(&heap_probe) != 0 || (heap && policy_at(heap) != 0)) {
        fprintf(stderr, "this program's data or heap has a policy\n");
        bad++;
    }
    free(heap);
    bad += foreign_policies((uintptr_t)segat, (uintptr_t)segat + seg_size);
    *seg_mode = policy_at(segat + seg_size / 2);   /* the first-touch half */
    shmdt(p);
    munmap(area, span);
    return bad ? 1 : 0;
}

struct attach_args {
    int use_rashm_attach;
    int expect_mode;        /* -1: do not check */
};

static int attach_check(void *arg)
{
    const struct attach_args *a = arg;
    int mode = -1;
    int rc = attach_between_canaries(a->use_rashm_attach, &mode);
    if (a->expect_mode >= 0 && mode != a->expect_mode) {
        fprintf(stderr, "segment policy mode %d, expected %d\n", mode, a->expect_mode);
        rc = 1;
    }
    return rc;
}

/* ---- scenarios ------------------------------------------------------------- */

static struct reg_entry *orig;
static size_t orig_size;

/* nobody creates the segment; the original entry is kept for forgeries. */
static int make_segment(uint64_t size, int huge)
{
    seg_size = size;
    seg_huge = huge;
    struct create_args ca = {size, huge};
    sh->id = -1;
    int rc = as_nobody(nobody_create, &ca, huge ? huge_gid : (gid_t)-1);
    if (rc) {
        fprintf(stderr, "nobody could not create the segment: %s\n", strerror(sh->rc));
        return huge && (sh->rc == ENOMEM || sh->rc == EPERM) ? TEST_SKIP : 1;
    }
    if (find_entry()) {
        fprintf(stderr, "no registry entry seg.%d under %s\n", sh->id, regdir);
        return 1;
    }
    orig = read_file(sh->path, &orig_size);
    return orig ? 0 : 1;
}

static void forge(forge_fn fn, const char *label)
{
    struct forge_args fa = {fn, orig, orig_size};
    int rc = as_nobody(nobody_forge, &fa, (gid_t)-1);
    if (rc)
        fprintf(stderr, "%s: forging failed (%d)\n", label, rc);
    CHECK_EQ(rc, 0);
}

static void remove_segment(void)
{
    if (sh->id >= 0)
        RMID(sh->id);
    free(orig);
    orig = NULL;
}

struct forgery {
    forge_fn fn;
    const char *label;
};

/* Each forgery in turn: written over the entry, then every reader must
 * ignore it. */
static void forge_each(const struct forgery *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        forge(v[i].fn, v[i].label);
        readers(0, v[i].label);
    }
}

static int scenario_pagesize(void)
{
    int rc = make_segment(4 * MiB, 0);
    if (rc)
        return rc;
    readers(1, "genuine entry");          /* the readers do see a genuine entry */
    static const struct forgery v[] = {{f_page_is_segment, "page_size = segment size"},
                                       {f_page_8k, "page_size = 8 KiB"},
                                       {f_page_huge, "page_size = 2 MiB, hugetlb"},
                                       {f_page_2_40, "page_size = 2^40"}};
    forge_each(v, sizeof v / sizeof v[0]);
    remove_segment();
    return 0;
}

static int scenario_hang(void)
{
    int rc = make_segment(4 * MiB, 0);
    if (rc)
        return rc;
    static const struct forgery v[] = {{f_page_zero, "page_size = 0"},
                                       {f_len_2_60, "range length 2^60"},
                                       {f_wrap, "range offset + length wraps"},
                                       {f_many, "5000 ranges of 2^50 bytes"},
                                       {f_negative_count, "nranges = -1"}};
    forge_each(v, sizeof v / sizeof v[0]);
    remove_segment();
    return 0;
}

static int scenario_ranges_4k(void)
{
    int rc = make_segment(4 * MiB, 0);
    if (rc)
        return rc;
    forge(f_around_4k, "ranges around a 4 KiB segment");
    /* root, read-only, interposed shmat and rashm_attach */
    struct attach_args a = {0, -1};
    CHECK_EQ(bounded(attach_check, &a, "root shmat"), 0);
    a.use_rashm_attach = 1;
    CHECK_EQ(bounded(attach_check, &a, "root rashm_attach"), 0);
    /* nobody itself (unprivileged, its own entry): still only its mapping */
    a.use_rashm_attach = 0;
    CHECK_EQ(as_nobody(attach_check, &a, (gid_t)-1), 0);
    readers(0, "ranges around a 4 KiB segment");
    remove_segment();
    return 0;
}

static int scenario_ranges_huge(void)
{
    FILE *f = fopen("/proc/sys/vm/hugetlb_shm_group", "r");
    unsigned g = 0;
    if (!f || fscanf(f, "%u", &g) != 1)
        g = 0;
    if (f)
        fclose(f);
    huge_gid = (gid_t)g;          /* lets nobody create SHM_HUGETLB segments */
    int rc = make_segment(4 * MiB, 1);
    if (rc)
        return rc;
    /* the genuine entry: nobody's own attach gets the first-touch range's
     * per-attach policy (the segment starts with the balanced half, which
     * is populated and needs none; probe the second half) */
    struct attach_args a = {0, -1};
    int mode = -1;
    {
        /* a child as nobody: attach, read the policy of the second half */
        int pfd[2];
        CHECK(pipe(pfd) == 0);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            gid_t gl[1] = {huge_gid};
            if (setgroups(1, gl) || setgid(NOBODY) || setuid(NOBODY))
                _exit(2);
            char *p = shmat(sh->id, NULL, SHM_RDONLY);
            int m = p == (void *)-1 ? -2 : policy_at(p + seg_size / 2);
            if (write(pfd[1], &m, sizeof m) != sizeof m)
                _exit(3);
            _exit(0);
        }
        close(pfd[1]);
        if (read(pfd[0], &mode, sizeof mode) != sizeof mode)
            mode = -3;
        close(pfd[0]);
        waitpid(pid, NULL, 0);
    }
    /* first touch over every node of a one-node machine: MPOL_LOCAL (older
     * kernels report it as MPOL_PREFERRED), or MPOL_PREFERRED_MANY over a
     * subset of the nodes elsewhere */
    if (mode != 4 && mode != 1 && mode != 5)
        fprintf(stderr, "nobody's own attach: per-attach policy mode %d, expected 1, 4 or 5\n", mode);
    CHECK(mode == 4 || mode == 1 || mode == 5);
    /* root does not act on nobody's entry, even a genuine one */
    a.expect_mode = 0;
    CHECK_EQ(bounded(attach_check, &a, "root shmat, genuine entry"), 0);

    /* forged: ranges around the segment in huge pages, with the real page
     * size, then with a page size that defeated the old bound check */
    forge(f_around_huge, "ranges around a hugetlb segment");
    a.expect_mode = 0;            /* the forged entry is not applied at all */
    CHECK_EQ(as_nobody(attach_check, &a, huge_gid), 0);
    CHECK_EQ(bounded(attach_check, &a, "root shmat, forged"), 0);
    forge(f_around_huge_bigpage, "ranges around a hugetlb segment, page 2^40");
    CHECK_EQ(as_nobody(attach_check, &a, huge_gid), 0);
    a.use_rashm_attach = 1;
    CHECK_EQ(bounded(attach_check, &a, "root rashm_attach, forged"), 0);
    readers(0, "ranges around a hugetlb segment");
    remove_segment();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s pagesize|hang|ranges|ranges_huge [rashm-command]\n", argv[0]);
        return 2;
    }
    cli = argc > 2 ? argv[2] : NULL;
    int rc = setup();
    if (rc)
        return rc;
    check_begin();
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        cleanup();
        return 1;
    }
    sh->id = -1;
    if (!strcmp(argv[1], "pagesize"))
        rc = scenario_pagesize();
    else if (!strcmp(argv[1], "hang"))
        rc = scenario_hang();
    else if (!strcmp(argv[1], "ranges"))
        rc = scenario_ranges_4k();
    else if (!strcmp(argv[1], "ranges_huge"))
        rc = scenario_ranges_huge();
    else
        rc = 2;
    if (rc) {
        if (sh->id >= 0)
            shmctl(sh->id, IPC_RMID, NULL);
        cleanup();
        return rc;
    }
    rc = check_end();
    cleanup();
    return rc;
}
