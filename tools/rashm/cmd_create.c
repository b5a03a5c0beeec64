/* rashm create: a segment created and placed by rashm_create, optionally
 * populated (with a progress bar on a terminal) and locked. A termination
 * signal during the populate stops it between two chunks and the new
 * segment is removed; failures name the kernel setting at fault. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "procfs.h"

#ifndef SHM_HUGETLB
#define SHM_HUGETLB 04000
#endif
#define HUGE_SHIFT 26          /* SHM_HUGE_SHIFT: log2 of the page size in bits 26..31 */

const char usage_create[] =
    "usage: rashm create KEY SIZE [options]\n"
    "\n"
    "Creates a System V segment and places it. KEY: decimal, 0x-hex, or 'private'.\n"
    "SIZE: bytes, with an optional K, M, G or T suffix (powers of 1024).\n"
    "Prints the shmid on standard output.\n"
    "\n"
    "options:\n"
    "  --range OFFSET:LENGTH:POLICY:NODES   place a range (repeatable)\n"
    "        OFFSET, LENGTH  sizes as above, multiples of the page size;\n"
    "                        LENGTH 0 means to the end of the segment\n"
    "        POLICY          first-touch | balanced | preferred | default\n"
    "        NODES           a node list (0,2-3), 'all', or 'srad:N' (SRAD ids)\n"
    "      parts no range covers get the default policy over all SRAD nodes\n"
    "  --huge[=PAGESIZE]    huge pages (SHM_HUGETLB): the default size, or 2M, 1G\n"
    "  --populate           make every page resident now, placed by its range\n"
    "                       (a progress bar is drawn on a terminal for large sizes;\n"
    "                       Ctrl-C stops it and removes the segment)\n"
    "  --pin                populate and lock (SHM_LOCK; AIX SHM_PIN)\n"
    "  --excl               fail if KEY exists (IPC_EXCL); without it an existing\n"
    "                       segment's id is printed and its placement is left alone\n"
    "  --mode MODE          permissions, octal (default 600)\n"
    "\n"
    "'rashm limits' shows the settings that decide whether a segment fits.\n"
    "\n"
    "example: rashm create 0x1234 80M --range 0:32M:balanced:all \\\n"
    "                                  --range 32M:0:first-touch:srad:0 --pin\n";

/* ---- interruption ------------------------------------------------------------ */

static volatile sig_atomic_t stop_sig;
static const int term_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void on_term(int sig)
{
    stop_sig = sig;
}

struct populate_ctx {
    struct progress prog;
    int aborted_shmid;          /* the segment whose populate was cut, or -1 */
};

struct sysv_maps {
    int n;
    uint64_t start[64], end[64], id[64];
};

static int collect_sysv(const struct rcom_vma *v, void *arg)
{
    struct sysv_maps *m = arg;
    /* SysV segments map as "/SYSV<key>" with the shmid as inode */
    if (!strncmp(v->path, "/SYSV", 5) && m->n < 64) {
        m->start[m->n] = v->start;
        m->end[m->n] = v->end;
        m->id[m->n] = v->inode;
        m->n++;
    }
    return 0;
}

/* Called between populate chunks (from rashm_create's thread). After a
 * termination signal the library's temporary attach of the new segment is
 * unmapped: its next chunk fails, and rashm_create removes the segment it
 * made and returns. This command attaches no other segment, so every SysV
 * mapping of the process is that attach. */
static void on_progress(void *arg, uint64_t done, uint64_t total)
{
    struct populate_ctx *c = arg;
    c->prog.total = total;
    if (!stop_sig) {
        progress_update(&c->prog, done);
        return;
    }
    struct sysv_maps m = { 0 };
    rcom_vma_each(0, collect_sysv, &m);
    for (int i = 0; i < m.n; i++) {
        c->aborted_shmid = (int)m.id[i];
        munmap((void *)(uintptr_t)m.start[i], (size_t)(m.end[i] - m.start[i]));
    }
}

/* ---- failures: the setting at fault ------------------------------------------ */

static void explain_failure(int e, int key, uint64_t size, bool huge, uint64_t pgsz, bool pin, unsigned flags)
{
    char b1[32], b2[32];
    struct shmid_ds ds;
    int existing = key != IPC_PRIVATE ? shmget((key_t)key, 0, 0) : -1;
    uint64_t v;

    if (e == EEXIST) {
        cli_err("key 0x%08x already exists (--excl)", (unsigned)key);
    } else if (e == EINVAL && existing >= 0 && shmctl(existing, IPC_STAT, &ds) == 0 && ds.shm_segsz < size) {
        cli_err("key 0x%08x already exists with a smaller size (%zu bytes, shmid %d)", (unsigned)key,
                (size_t)ds.shm_segsz, existing);
    } else if (e == EINVAL && read_u64("/proc/sys/kernel/shmmax", &v) == 0 && size > v) {
        fmt_bytes(v, b1, sizeof b1);
        cli_err("cannot create the segment: larger than kernel.shmmax (%s); raise it with sysctl "
                "kernel.shmmax (see 'rashm limits')", b1);
    } else if (e == ENOSPC) {
        cli_err("cannot create the segment: the system's limit on shared memory is reached "
                "(kernel.shmall pages in all, or kernel.shmmni segments; see 'rashm limits')");
    } else if (e == EPERM && huge && !has_cap(CLI_CAP_IPC_LOCK) && !in_group(hugetlb_shm_group())) {
        /* shmget(SHM_HUGETLB) wants CAP_IPC_LOCK or membership of this
         * group (Documentation/admin-guide/mm/hugetlbpage.rst) */
        long g = hugetlb_shm_group();
        struct group *gr = g >= 0 ? getgrgid((gid_t)g) : NULL;
        cli_err("cannot create a huge-page segment: this user is not in the group vm.hugetlb_shm_group "
                "allows (gid %ld%s%s%s) and lacks CAP_IPC_LOCK; add the user to that group or set "
                "sysctl vm.hugetlb_shm_group to one of its groups (see 'rashm limits')",
                g, gr ? " '" : "", gr ? gr->gr_name : "", gr ? "'" : "");
    } else if ((e == ENOMEM || e == EPERM) && pin && !has_cap(CLI_CAP_IPC_LOCK)) {
        /* SHM_LOCK charges the segment to the user's RLIMIT_MEMLOCK
         * (user_shm_lock): over it the kernel says ENOMEM, at 0 EPERM */
        uint64_t lim = memlock_limit();
        fmt_bytes(size, b1, sizeof b1);
        fmt_bytes(lim, b2, sizeof b2);
        cli_err("cannot lock %s (--pin): RLIMIT_MEMLOCK of this user is %s (with what it has locked "
                "already); raise it (ulimit -l, 'memlock' in limits.conf) or give CAP_IPC_LOCK "
                "(see 'rashm limits')", b1, lim == UINT64_MAX ? "unlimited" : b2);
    } else if (e == ENOMEM && huge) {
        struct huge_size hs[8];
        int n = huge_sizes(hs, 8);
        fmt_bytes(pgsz, b1, sizeof b1);
        for (int i = 0; i < n; i++)
            if (hs[i].size == pgsz) {
                cli_err("cannot create the segment: not enough free %s huge pages (%" PRIu64 " needed, %" PRIu64
                        " free, %" PRIu64 " reserved); raise /sys/kernel/mm/hugepages/hugepages-%" PRIu64
                        "kB/nr_hugepages (see 'rashm limits')", b1, size / pgsz, hs[i].free, hs[i].resv,
                        pgsz >> 10);
                return;
            }
        cli_err("cannot create the segment: no %s huge pages (see 'rashm limits')", b1);
    } else if (e == ENOMEM) {
        cli_err("cannot create the segment: out of memory%s", flags ? " while populating it" : "");
    } else {
        cli_err("cannot create the segment: %s", rashm_strerror(e));
    }
}

/* The page size of --huge=SIZE (0: the default size), checked against the
 * sizes the kernel offers. 0, or an exit status after a message. */
static int huge_page_size(uint64_t want, uint64_t *out)
{
    struct huge_size hs[8];
    int n = huge_sizes(hs, 8);
    char list[128] = "", b[32];
    size_t u = 0;
    if (!want)
        want = huge_default_size();
    for (int i = 0; i < n; i++) {
        if (hs[i].size == want) {
            *out = want;
            return 0;
        }
        fmt_bytes(hs[i].size, b, sizeof b);
        int w = snprintf(list + u, sizeof list - u, "%s%s", u ? ", " : "", b);
        if (w > 0 && (size_t)w < sizeof list - u)
            u += (size_t)w;
    }
    if (!want || !n) {
        cli_err("--huge: this kernel offers no huge pages (no /sys/kernel/mm/hugepages)");
        return EXIT_RUNTIME;
    }
    fmt_bytes(want, b, sizeof b);
    cli_err("--huge: this kernel has no %s huge pages (sizes: %s); 1 GiB pages need the boot option "
            "hugepagesz=1G and a CPU with pdpe1gb", b, list);
    return EXIT_RUNTIME;
}

static int log2_of(uint64_t v)
{
    int l = 0;
    while (v > 1) {
        v >>= 1;
        l++;
    }
    return l;
}

int cmd_create(int argc, char **argv)
{
    enum { O_HUGE = 256, O_PIN, O_EXCL, O_MODE, O_RANGE, O_POPULATE };
    static const struct option opts[] = {
        { "huge", optional_argument, NULL, O_HUGE },   { "pin", no_argument, NULL, O_PIN },
        { "excl", no_argument, NULL, O_EXCL },         { "mode", required_argument, NULL, O_MODE },
        { "range", required_argument, NULL, O_RANGE }, { "populate", no_argument, NULL, O_POPULATE },
        { "help", no_argument, NULL, 'h' },            { 0, 0, 0, 0 }
    };
    bool huge = false, pin = false, excl = false, populate = false;
    uint64_t huge_want = 0;
    int mode = 0600, c, nranges = 0, key;
    uint64_t size;
    struct cli_range *cr = calloc((size_t)argc + 1, sizeof *cr);
    struct rashm_range *rr = NULL;
    int rc = EXIT_USAGE;

    if (!cr) {
        cli_err("out of memory");
        return EXIT_RUNTIME;
    }
    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case O_HUGE:
            huge = true;
            huge_want = 0;
            if (optarg) {
                if (parse_size(optarg, "--huge", &huge_want))
                    goto out_usage;
                if (!huge_want || (huge_want & (huge_want - 1))) {
                    cli_err("--huge: '%s' is not a page size (2M, 1G)", optarg);
                    goto out_usage;
                }
            }
            break;
        case O_PIN: pin = true; break;
        case O_EXCL: excl = true; break;
        case O_POPULATE: populate = true; break;
        case O_MODE:
            if (parse_mode(optarg, &mode))
                goto out_usage;
            break;
        case O_RANGE:
            if (parse_range(optarg, &cr[nranges]))
                goto out_usage;
            nranges++;
            break;
        case 'h':
            fputs(usage_create, stdout);
            rc = 0;
            goto out_free;
        default:
            goto out_free;
        }
    }
    if (argc - optind != 2) {
        rc = usage_error(argc - optind < 2 ? "KEY and SIZE are required" : "unexpected argument '%s'",
                         argv[optind + 2 < argc ? optind + 2 : optind]);
        goto out_free;
    }
    if (parse_key(argv[optind], &key) || parse_size(argv[optind + 1], "size", &size))
        goto out_usage;
    if (size == 0) {
        cli_err("size: a segment needs at least one byte");
        goto out_usage;
    }
    if (nranges > RASHM_MAX_RANGES) {
        cli_err("at most %d ranges", RASHM_MAX_RANGES);
        goto out_usage;
    }
    uint64_t pgsz = (uint64_t)sysconf(_SC_PAGESIZE);
    if (huge) {
        rc = huge_page_size(huge_want, &pgsz);
        if (rc)
            goto out_free;
        rc = EXIT_USAGE;
        if (size % pgsz) {
            char b[32];
            fmt_bytes(pgsz, b, sizeof b);
            cli_err("size: a huge-page segment must be a multiple of the huge page size (%s)", b);
            goto out_usage;
        }
    }
    const rashm_topo_t *t = topo_or_die();
    if (!t) {
        rc = EXIT_RUNTIME;
        goto out_free;
    }
    rr = calloc((size_t)nranges + 1, sizeof *rr);
    if (!rr) {
        cli_err("out of memory");
        rc = EXIT_RUNTIME;
        goto out_free;
    }
    for (int i = 0; i < nranges; i++)
        if (build_range(t, &cr[i], size, pgsz, &rr[i]))
            goto out_usage;

    int shmflg = IPC_CREAT | mode | (excl ? IPC_EXCL : 0);
    if (huge)
        shmflg |= SHM_HUGETLB | (huge_want ? log2_of(pgsz) << HUGE_SHIFT : 0);
    unsigned flags = (pin ? RASHM_LOCK : 0) | (populate || pin ? RASHM_POPULATE : 0);
    struct populate_ctx pc = { .aborted_shmid = -1 };
    /* a bar only where someone watches and there is something to wait for */
    progress_init(&pc.prog, pin ? "populating and locking" : "populating", size,
                  isatty(STDERR_FILENO) && size >= (256u << 20));
    /* chunks of 16 MiB (or one page): a signal is acted on within one chunk */
    struct rashm_create_opts copts = { .progress = on_progress, .progress_arg = &pc,
                                       .progress_step = pgsz > (16u << 20) ? pgsz : (16u << 20) };
    /* A segment is created before it is placed and populated; a signal that
     * killed us in between would leave it behind with nobody knowing its id.
     * So the usual termination signals only set a flag until the id is
     * out: the populate stops at its next chunk, and what was made is
     * removed before we die of the signal. */
    struct sigaction sa = { .sa_handler = on_term }, old[4];
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 4; i++)
        sigaction(term_sigs[i], &sa, &old[i]);
    int created = 0;
    int id = rashm_create((key_t)key, size, shmflg, rr, nranges, flags, flags ? &copts : NULL, &created);
    int create_errno = errno;
    if (!stop_sig && id >= 0)
        progress_done(&pc.prog);
    else if (pc.prog.enabled && pc.prog.last_pct >= 0)
        fputc('\n', stderr);      /* end the bar's line; it stays where it stopped */
    if (stop_sig) {
        int sig = stop_sig;
        if (id >= 0 && created) {
            if (rashm_remove(id) == 0)
                cli_err("interrupted: the new segment (shmid %d) was removed", id);
            else
                cli_err("interrupted: could not remove the new segment (shmid %d): %s", id, rashm_strerror(errno));
        } else if (id < 0 && pc.aborted_shmid >= 0) {
            /* rashm_create removed it on its way out */
            cli_err("interrupted: the new segment (shmid %d) was removed", pc.aborted_shmid);
        } else {
            cli_err("interrupted");
        }
        free(rr);
        free(cr);
        fflush(stdout);
        /* die of the signal, as the caller expects (exit status 128+sig) */
        signal(sig, SIG_DFL);
        raise(sig);
        return 128 + sig;
    }
    if (id < 0) {
        explain_failure(create_errno, key, size, huge, pgsz, pin, flags);
        rc = EXIT_RUNTIME;
        goto out_free;
    }
    if (!created)
        cli_err("note: key 0x%08x already exists: its shmid is printed and its placement is left as it was",
                (unsigned)key);
    struct out o;
    out_init(&o, false);
    out_text(&o, "%d\n", id);
    rc = out_finish(&o);
    /* from here on a signal may end us: the id is out */
    for (int i = 0; i < 4; i++)
        sigaction(term_sigs[i], &old[i], NULL);
    if (stop_sig)
        raise(stop_sig);
    goto out_free;
out_usage:
    fprintf(stderr, "(see 'rashm help create')\n");
    rc = EXIT_USAGE;
out_free:
    free(rr);
    free(cr);
    return rc;
}
