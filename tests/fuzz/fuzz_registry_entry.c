/* Fuzz target: forged registry entries.
 *
 * Anybody may write the registry entry of a segment they created, and root
 * reads it (rashm ls / show, ra_get_attachinfo, the interposed shmat of a
 * root program). This target plays that user: each input becomes the entry
 * file of a real, live segment, and then the four readers run on it.
 *
 * Input: one selector byte, then the entry file.
 *   selector bit 0: which segment (0: 16 KiB of 4 KiB pages, 1: 2 MiB of
 *                   huge pages when this machine lets us make one);
 *   selector bit 1: the interposed shmat attaches read-only.
 * The identity fields of the entry (shmid, key, cpid, segsz, ctime, birth)
 * are XORed with the live segment's own values before the file is written,
 * so all-zero identity bytes mean "matches the segment" (inputs stay valid
 * from one run to the next, where the segment's pid and times differ) and
 * any other bytes forge a mismatch. Every other field is written as it is.
 *
 * Oracles beyond ASan/UBSan:
 *   - mincore is wrapped: its vector must hold one byte per 4 KiB page of
 *     the length asked (the kernel writes them, ASan cannot see it);
 *   - the interposed shmat attaches inside a PROT_NONE reservation; a
 *     memory policy showing up anywhere outside the new mapping (the guard
 *     pages around it, or where a forged range points) is a failure;
 *   - the two segments must survive every input.
 *
 * For triage, FUZZ_REGISTRY_READERS=<letters> runs only some readers:
 * a (ra_get_attachinfo), q (rashm_query), s (shmat), l (rashm_list).
 * Set FUZZ_REGISTRY_SEEDS=<dir> to write the genuine entries of both
 * segments there as seed inputs (tests/fuzz/make-seeds.sh). */
#include "fuzz_common.h"

#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <sanitizer/asan_interface.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#include "internal.h"
#include "sys/rset.h"

#ifndef SHM_HUGETLB
#define SHM_HUGETLB 04000
#endif
#ifndef SHM_NORESERVE
#define SHM_NORESERVE 010000
#endif
#ifndef SHM_REMAP
#define SHM_REMAP 040000
#endif
#define MPOL_F_ADDR_ (1 << 1)

#define HUGE_2M (2u << 20)
#define SMALL_SEG (16u << 10)

struct seg {
    int shmid;
    uint64_t maplen;           /* size rounded up to its page size */
    uint8_t *genuine;          /* the entry rashm wrote */
    size_t genuine_len;
};
static struct seg segs[2];
static int nsegs;
static int run_a = 1, run_q = 1, run_s = 1, run_l = 1;
static uint8_t *reserve;       /* PROT_NONE area the shmat oracle attaches in */
static size_t reserve_len;

/* The one place that knows where a segment's entry lives. */
static void entry_path(int shmid, char *buf, size_t len)
{
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        fuzz_die("a fuzzed segment disappeared");
    snprintf(buf, len, "%s/%u/seg.%d", FUZZ_REGISTRY_DIR, (unsigned)ds.shm_perm.cuid, shmid);
}

static void write_entry(int shmid, const uint8_t *p, size_t n)
{
    char path[512];
    entry_path(shmid, path, sizeof path);
    /* replace, never write through: a reader may have removed it, and the
     * library's own writer uses rename */
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        fuzz_die("creating the entry file");
    if (n && write(fd, p, n) != (ssize_t)n)
        fuzz_die("writing the entry file");
    close(fd);
}

static uint8_t *read_entry(int shmid, size_t *len)
{
    char path[512];
    entry_path(shmid, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fuzz_die("reading the genuine entry");
    struct stat st;
    if (fstat(fd, &st))
        fuzz_die("fstat");
    uint8_t *b = malloc((size_t)st.st_size);
    if (!b || read(fd, b, (size_t)st.st_size) != st.st_size)
        fuzz_die("reading the genuine entry");
    close(fd);
    *len = (size_t)st.st_size;
    return b;
}

/* Identity fields: XORed with the genuine entry's (see the top). */
static const struct {
    size_t off, len;
} identity[] = {
    {offsetof(struct reg_entry, shmid), sizeof(int32_t)}, {offsetof(struct reg_entry, key), sizeof(int32_t)},
    {offsetof(struct reg_entry, cpid), sizeof(int32_t)},  {offsetof(struct reg_entry, segsz), sizeof(uint64_t)},
    {offsetof(struct reg_entry, ctime), sizeof(int64_t)}, {offsetof(struct reg_entry, birth), sizeof(uint64_t)},
};

static void xor_identity(uint8_t *e, size_t n, const uint8_t *genuine, size_t glen)
{
    for (size_t i = 0; i < sizeof identity / sizeof identity[0]; i++)
        for (size_t k = identity[i].off; k < identity[i].off + identity[i].len && k < n && k < glen; k++)
            e[k] ^= genuine[k];
}

/* ---- oracles ---------------------------------------------------------- */

/* The kernel fills one byte per 4 KiB page of [addr, addr+length): the
 * caller's vector must have room for all of them. */
int mincore(void *addr, size_t length, unsigned char *vec);
int mincore(void *addr, size_t length, unsigned char *vec)
{
    size_t need = length / 4096 + (length % 4096 != 0);
    void *bad = __asan_region_is_poisoned(vec, need);
    if (bad)
        __asan_report_error(__builtin_return_address(0), __builtin_frame_address(0), __builtin_frame_address(0),
                            bad, 1, need - (size_t)((unsigned char *)bad - vec));
    return (int)syscall(SYS_mincore, addr, length, vec);
}

static void policy_must_be_default(const void *where, const char *what)
{
    int mode = 0;
    unsigned long mask[1024 / 64 + 1];
    if (syscall(SYS_get_mempolicy, &mode, mask, (unsigned long)(1024 + 1), where, MPOL_F_ADDR_))
        return;                /* nothing mapped there */
    if (mode != 0) {
        fprintf(stderr, "ORACLE: interposed shmat left memory policy %d at %p (%s), outside its mapping\n", mode,
                where, what);
        abort();
    }
}

static void check_outside(const uint8_t *p, uint64_t maplen, uint64_t addr, const char *what)
{
    addr &= ~(uint64_t)4095;
    if (addr >= (uintptr_t)p && addr < (uintptr_t)p + maplen)
        return;
    policy_must_be_default((const void *)(uintptr_t)addr, what);
}

static void shmat_oracle(const struct seg *s, const uint8_t *e, size_t n, int rdonly)
{
    /* attach 2 MiB-aligned in the middle of the reservation, so both
     * neighbours are our guard pages */
    uint8_t *at = (uint8_t *)(((uintptr_t)reserve + reserve_len / 2) & ~(uintptr_t)(HUGE_2M - 1));
    uint8_t *p = shmat(s->shmid, at, SHM_REMAP | (rdonly ? SHM_RDONLY : 0));
    if (p == (void *)-1)
        fuzz_die("shmat");
    check_outside(p, s->maplen, (uintptr_t)p - 4096, "guard below");
    check_outside(p, s->maplen, (uintptr_t)p + s->maplen, "guard above");
    check_outside(p, s->maplen, (uintptr_t)reserve, "start of the reservation");
    check_outside(p, s->maplen, (uintptr_t)reserve + reserve_len - 4096, "end of the reservation");
    /* where the entry's ranges point, as the library would compute it */
    if (n >= sizeof(struct reg_entry)) {
        struct reg_entry h;
        memcpy(&h, e, sizeof h);
        size_t room = (n - sizeof h) / sizeof(struct reg_range);
        size_t cnt = h.nranges < 0 ? 0 : (size_t)h.nranges < room ? (size_t)h.nranges : room;
        for (size_t i = 0; i < cnt && i < 64; i++) {
            struct reg_range r;
            memcpy(&r, e + sizeof h + i * sizeof r, sizeof r);
            uint64_t a = (uintptr_t)p + r.offset;
            check_outside(p, s->maplen, a, "start of a forged range");
            check_outside(p, s->maplen, a + r.length - 1, "end of a forged range");
        }
    }
    if (shmdt(p))
        fuzz_die("shmdt");
    /* close the hole again */
    if (mmap(p, s->maplen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) != p)
        fuzz_die("mmap over the detached segment");
}

/* ---- set-up --------------------------------------------------------------- */

static int make_segment(int huge)
{
    struct rashm_range r[2];
    memset(r, 0, sizeof r);
    int n;
    uint64_t size;
    int flags = IPC_CREAT | 0600;
    if (huge) {
        /* one first-touch range: re-applied by every shmat; SHM_NORESERVE
         * and no populate, so no huge page has to exist */
        size = HUGE_2M;
        flags |= SHM_HUGETLB | SHM_NORESERVE;
        r[0].policy = RASHM_POLICY_FIRST_TOUCH;
        n = 1;
    } else {
        size = SMALL_SEG;
        r[0].length = SMALL_SEG / 2;
        r[0].policy = RASHM_POLICY_BALANCED;
        r[1].offset = SMALL_SEG / 2;
        r[1].policy = RASHM_POLICY_FIRST_TOUCH;
        n = 2;
    }
    int id = rashm_create(IPC_PRIVATE, size, flags, r, n, huge ? 0 : RASHM_POPULATE, NULL, NULL);
    if (id < 0) {
        if (!huge)
            fuzz_die("rashm_create of the 4 KiB segment");
        fprintf(stderr, "fuzz set-up: no huge-page segment here (%s): 4 KiB only\n", strerror(errno));
        return -1;
    }
    struct seg *s = &segs[nsegs++];
    s->shmid = id;
    s->maplen = huge ? HUGE_2M : SMALL_SEG;
    s->genuine = read_entry(id, &s->genuine_len);
    return 0;
}

static void write_seeds(const char *dir)
{
    for (int i = 0; i < nsegs; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/genuine-%s", dir, i ? "huge" : "4k");
        size_t n = segs[i].genuine_len;
        uint8_t *b = malloc(n + 1);
        b[0] = (uint8_t)i;
        memcpy(b + 1, segs[i].genuine, n);
        xor_identity(b + 1, n, segs[i].genuine, n);   /* identity -> zeros */
        FILE *f = fopen(path, "we");
        if (!f || fwrite(b, 1, n + 1, f) != n + 1 || fclose(f))
            fuzz_die(path);
        free(b);
        /* the same entry for fuzz_reg_check: its 16-byte header of facts
         * (see there: shmid/segsz from the entry, page size and nodes
         * known, one SRAD), then the entry as rashm wrote it */
        uint8_t hdr[16] = {0};
        hdr[0] = 1 | 2 | 4 | (i ? 8 : 0);
        hdr[1] = i ? 21 : 12;
        hdr[2] = 12;
        hdr[3] = 1;
        hdr[12] = 1;
        snprintf(path, sizeof path, "%s/check-genuine-%s", dir, i ? "huge" : "4k");
        f = fopen(path, "we");
        if (!f || fwrite(hdr, 1, sizeof hdr, f) != sizeof hdr || fwrite(segs[i].genuine, 1, n, f) != n || fclose(f))
            fuzz_die(path);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_isolate();
    make_segment(0);
    make_segment(1);
    reserve_len = 4 * HUGE_2M + 2 * HUGE_2M;
    reserve = mmap(NULL, reserve_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserve == MAP_FAILED)
        fuzz_die("mmap reservation");
    /* the harness itself: a genuine entry, written back the way inputs
     * are, must be accepted (else the path or the identity handling here
     * no longer matches the registry, and the fuzzing would be blind) */
    for (int i = 0; i < nsegs; i++) {
        write_entry(segs[i].shmid, segs[i].genuine, segs[i].genuine_len);
        rsid_t id = {.at_shmid = segs[i].shmid};
        attachinfo_t *ai = ra_get_attachinfo(R_SHM, id, 0, 0, 0);
        if (!ai || ai == (attachinfo_t *)-1) {
            fprintf(stderr, "fuzz set-up: the genuine entry of shmid %d is not accepted back\n", segs[i].shmid);
            abort();
        }
        ra_free_attachinfo(ai);
    }
    const char *readers = getenv("FUZZ_REGISTRY_READERS");
    if (readers && *readers) {
        run_a = strchr(readers, 'a') != NULL;
        run_q = strchr(readers, 'q') != NULL;
        run_s = strchr(readers, 's') != NULL;
        run_l = strchr(readers, 'l') != NULL;
    }
    const char *seeds = getenv("FUZZ_REGISTRY_SEEDS");
    if (seeds && *seeds)
        write_seeds(seeds);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const struct seg *s = &segs[(sel & 1) % nsegs];
    size_t n = size - 1;
    uint8_t *e = malloc(n ? n : 1);
    if (!e)
        return 0;
    memcpy(e, data + 1, n);
    xor_identity(e, n, s->genuine, s->genuine_len);

    /* 1. ra_get_attachinfo (AIX face): whole segment, then one page */
    if (run_a) {
        write_entry(s->shmid, e, n);
        rsid_t id = {.at_shmid = s->shmid};
        attachinfo_t *ai = ra_get_attachinfo(R_SHM, id, 0, 0, 0);
        if (ai && ai != (attachinfo_t *)-1)
            ra_free_attachinfo(ai);
        write_entry(s->shmid, e, n);
        ai = ra_get_attachinfo(R_SHM, id, 4096, 4096, 0);
        if (ai && ai != (attachinfo_t *)-1)
            ra_free_attachinfo(ai);
    }

    /* 2. rashm_query (rashm show / ls): read every array it hands out */
    struct rashm_placement *q = NULL;
    if (run_q) {
        write_entry(s->shmid, e, n);
        q = rashm_query(s->shmid);
    }
    if (q) {
        volatile uint64_t sum = 0;
        for (int i = 0; i < q->nranges; i++)
            for (int k = 0; k < q->node_slots; k++)
                sum += q->ranges[i].node_pages[k] + q->ranges[i].resident;
        (void)sum;
        rashm_placement_free(q);
    }

    /* 3. librashm's shmat (re-applies per-attach policies from the entry) */
    if (run_s) {
        write_entry(s->shmid, e, n);
        shmat_oracle(s, e, n, sel & 2);
    }

    /* 4. rashm_list (prunes the registry, reads every entry) */
    if (run_l) {
        write_entry(s->shmid, e, n);
        struct rashm_seg_info *v = NULL;
        int cnt = rashm_list(&v);
        if (cnt >= 0)
            free(v);
    }

    /* every reader must have left the segments alone */
    for (int i = 0; i < nsegs; i++) {
        struct shmid_ds ds;
        if (shmctl(segs[i].shmid, IPC_STAT, &ds)) {
            fprintf(stderr, "ORACLE: segment %d vanished after a forged entry\n", segs[i].shmid);
            abort();
        }
    }
    free(e);
    return 0;
}
