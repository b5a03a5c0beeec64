/* rashm: look at the machine's memory topology and create, inspect, list and
 * remove placed System V shared memory segments. Uses only <rashm.h>.
 *
 *   rashm topo [--json]
 *   rashm create KEY SIZE [--huge] [--pin] [--excl] [--mode MODE]
 *                [--range OFFSET:LENGTH:POLICY:NODES]... [--populate]
 *   rashm show ID [--json] [--width N]
 *   rashm ls [--json]
 *   rashm rm ID... | rashm rm -k KEY...
 *
 * Exit codes: 0 success, 1 the operation failed, 2 bad command line. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include <rashm.h>

/* ---- help ---------------------------------------------------------------- */

static const char usage_main[] =
    "usage: rashm COMMAND [ARGS]\n"
    "\n"
    "Placed System V shared memory on Linux NUMA.\n"
    "\n"
    "commands:\n"
    "  topo                 system detail levels, SRADs, memory-only nodes, free\n"
    "                       memory and huge pages per node, RASHM_* configuration\n"
    "  create KEY SIZE      create a segment placed by --range (prints its shmid)\n"
    "  show ID              per range: policy, nodes, resident pages per node\n"
    "  ls                   every segment (like ipcs -m) with a placement summary\n"
    "  rm ID... | -k KEY... remove segments\n"
    "  config               every RASHM_* variable: value and source\n"
    "  help [COMMAND]       this text, or a command's\n"
    "\n"
    "topo, show, ls and config take --json. Exit status: 0 ok, 1 failed, 2 bad usage.\n";

static const char usage_topo[] =
    "usage: rashm topo [--json]\n"
    "\n"
    "Shows the system detail levels (SDLs) with their number of RADs, the SRADs\n"
    "(NUMA nodes with CPUs: sradid, Linux node, CPUs), the memory-only nodes,\n"
    "free memory and free huge pages per node, this process's partition, and the\n"
    "effective value of every RASHM_* environment variable.\n";

static const char usage_create[] =
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
    "        POLICY          first-touch | balanced | default\n"
    "        NODES           a node list (0,2-3), 'all', or 'srad:N' (SRAD ids)\n"
    "      parts no range covers get the default policy over all SRAD nodes\n"
    "  --huge               2 MiB huge pages (SHM_HUGETLB)\n"
    "  --populate           make every page resident now, placed by its range\n"
    "                       (a progress bar is drawn on a terminal for large sizes)\n"
    "  --pin                populate and lock (SHM_LOCK; AIX SHM_PIN)\n"
    "  --excl               fail if KEY exists (IPC_EXCL); without it an existing\n"
    "                       segment's id is printed and its placement is left alone\n"
    "  --mode MODE          permissions, octal (default 600)\n"
    "\n"
    "example: rashm create 0x1234 80M --range 0:32M:balanced:all \\\n"
    "                                  --range 32M:0:first-touch:srad:0 --pin\n";

static const char usage_show[] =
    "usage: rashm show ID [--json] [--width N]\n"
    "\n"
    "For each range of segment ID: offset, length, the policy asked for and the\n"
    "one in force, its nodes, and per node a bar and the count of resident pages.\n"
    "--width sets the bar width (default 40).\n";

static const char usage_ls[] =
    "usage: rashm ls [--json]\n"
    "\n"
    "Every System V segment: key, shmid, owner, perms, bytes, nattch, page size,\n"
    "and for segments placed by rashm a summary of their ranges and of where\n"
    "their resident pages are.\n";

static const char usage_rm[] =
    "usage: rashm rm ID...\n"
    "       rashm rm -k KEY...\n"
    "\n"
    "Removes segments (IPC_RMID) and their placement records. A segment still\n"
    "attached somewhere goes away when the last process detaches.\n";

/* ---- small helpers --------------------------------------------------------- */

static const char *mpol_name(int mode)
{
    /* Linux MPOL_* values (uapi/linux/mempolicy.h). */
    switch (mode) {
    case 0: return "default";
    case 1: return "preferred";
    case 2: return "bind";
    case 3: return "interleave";
    case 4: return "local";
    case 5: return "preferred-many";
    case 6: return "weighted-interleave";
    default: return "unknown";
    }
}

static const char *origin_name(int origin)
{
    switch (origin) {
    case RASHM_ORIGIN_NODES: return "nodes";
    case RASHM_ORIGIN_CPUS: return "rset";
    case RASHM_ORIGIN_SRAD: return "srad";
    case RASHM_ORIGIN_GAP: return "gap";
    default: return "unknown";
    }
}

static const char *policy_name(int policy)
{
    const char *n = policy >= 0 ? rashm_policy_name(policy) : NULL;
    return n ? n : "unknown";
}

static void json_nodes(struct json *j, const char *key, const rashm_nodeset_t *s)
{
    long long v[RASHM_MAX_NODES];
    int n = 0;
    for (int i = rashm_nodeset_next(s, -1); i >= 0 && n < RASHM_MAX_NODES; i = rashm_nodeset_next(s, i))
        v[n++] = i;
    json_int_array(j, key, v, n);
}

static void json_cpus(struct json *j, const char *key, const rashm_cpuset_t *s)
{
    static long long v[RASHM_MAX_CPUS];
    int n = 0;
    for (int c = rashm_cpuset_next(s, -1); c >= 0 && n < RASHM_MAX_CPUS; c = rashm_cpuset_next(s, c))
        v[n++] = c;
    json_int_array(j, key, v, n);
}

static const char *user_name(uid_t uid, char *buf, size_t len)
{
    struct passwd *pw = getpwuid(uid);
    if (pw)
        snprintf(buf, len, "%s", pw->pw_name);
    else
        snprintf(buf, len, "%u", (unsigned)uid);
    return buf;
}

static int parse_shmid(const char *s, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > INT32_MAX) {
        cli_err("'%s' is not a shmid (a non-negative decimal number, as 'rashm ls' shows)", s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static const rashm_topo_t *topo_or_die(void)
{
    const rashm_topo_t *t = rashm_topo();
    if (!t)
        cli_err("cannot read the machine's topology: %s", rashm_strerror(errno));
    return t;
}

/* ---- topo ------------------------------------------------------------------ */

static int cmd_topo(int argc, char **argv)
{
    bool json = false;
    int prc = parse_json_only(argc, argv, usage_topo, &json);
    if (prc >= 0)
        return prc;

    const rashm_topo_t *t = topo_or_die();
    if (!t)
        return EXIT_RUNTIME;
    int nsdl = rashm_topo_nsdl(t), nnodes = rashm_topo_nnodes(t), nsrads = rashm_topo_nsrads(t);
    rashm_cpuset_t pcpus, allcpus;
    rashm_nodeset_t pnodes, allnodes;
    rashm_topo_all_cpus(t, &allcpus);
    rashm_topo_all_nodes(t, &allnodes);
    if (rashm_topo_partition(t, &pcpus, &pnodes) != 0) {
        cli_err("cannot read this process's partition: %s", rashm_strerror(errno));
        return EXIT_RUNTIME;
    }
    char buf[256], b1[32], b2[32], b3[32];

    if (json) {
        struct json j;
        json_init(&j, stdout);
        json_obj(&j, NULL);
        json_int(&j, "cpus", rashm_cpuset_count(&allcpus));
        json_int(&j, "nodes", nnodes);
        json_int(&j, "srads", nsrads);
        json_bool(&j, "numa_available", rashm_numa_available() != 0);
        json_bool(&j, "enhanced_affinity", rashm_config_enhanced_affinity() != 0);
        json_arr(&j, "sdls");
        for (int s = 0; s < nsdl; s++) {
            json_obj(&j, NULL);
            json_int(&j, "sdl", s);
            json_str(&j, "kind", rashm_sdl_kind_name(rashm_topo_sdl_kind(t, s)));
            json_int(&j, "rads", rashm_topo_nrads(t, s));
            json_end_obj(&j);
        }
        json_end_arr(&j);
        json_arr(&j, "numa_nodes");
        for (int i = 0; i < nnodes; i++) {
            struct rashm_node_info ni;
            struct rashm_node_mem nm;
            if (rashm_topo_node(t, i, &ni) != 0)
                continue;
            json_obj(&j, NULL);
            json_int(&j, "node", ni.node);
            if (ni.sradid >= 0)
                json_int(&j, "sradid", ni.sradid);
            else
                json_null(&j, "sradid");
            json_bool(&j, "memory_only", ni.sradid < 0);
            json_bool(&j, "allowed", ni.allowed != 0);
            json_cpus(&j, "cpus", &ni.cpus);
            if (rashm_node_mem(ni.node, &nm) == 0) {
                json_uint(&j, "mem_total", nm.mem_total);
                json_uint(&j, "mem_free", nm.mem_free);
                json_uint(&j, "huge_page_size", nm.huge_page_size);
                json_uint(&j, "huge_total", nm.huge_total);
                json_uint(&j, "huge_free", nm.huge_free);
            } else {
                json_uint(&j, "mem_total", ni.mem_total);
                json_null(&j, "mem_free");
            }
            json_end_obj(&j);
        }
        json_end_arr(&j);
        json_obj(&j, "partition");
        json_cpus(&j, "cpus", &pcpus);
        json_nodes(&j, "nodes", &pnodes);
        json_end_obj(&j);
        out_config(&j);
        json_end_obj(&j);
        json_finish(&j);
        return 0;
    }

    int nmemonly = nnodes - nsrads;
    printf("machine: %d CPUs, %d NUMA node%s (%d SRAD%s, %d memory-only)%s\n",
           rashm_cpuset_count(&allcpus), nnodes, nnodes == 1 ? "" : "s", nsrads, nsrads == 1 ? "" : "s",
           nmemonly, rashm_numa_available() ? "" : "; NUMA system calls unavailable");
    printf("\nsystem detail levels:\n  SDL  level     RADs\n");
    for (int s = 0; s < nsdl; s++) {
        int kind = rashm_topo_sdl_kind(t, s);
        const char *alias = kind == RASHM_SDL_NUMA ? "  (R_MCMSDL = R_SRADSDL)"
                            : kind == RASHM_SDL_L2 ? "  (R_L2CSDL)"
                            : kind == RASHM_SDL_CORE ? "  (R_PCORESDL)"
                            : kind == RASHM_SDL_PU ? "  (R_MAXSDL)" : "";
        printf("  %3d  %-8s %5d%s\n", s, rashm_sdl_kind_name(kind), rashm_topo_nrads(t, s), alias);
    }
    printf("\nSRADs%s:\n", rashm_config_enhanced_affinity() ? "" : " (enhanced affinity off: RASHM_ENHANCED_AFFINITY=0)");
    printf("  sradid  node  cpus             mem total   mem free    huge pages free/total\n");
    for (int i = 0; i < nnodes; i++) {
        struct rashm_node_info ni;
        struct rashm_node_mem nm;
        if (rashm_topo_node(t, i, &ni) != 0 || ni.sradid < 0)
            continue;
        rashm_cpuset_format(&ni.cpus, buf, sizeof buf);
        if (rashm_node_mem(ni.node, &nm) == 0) {
            fmt_bytes(nm.mem_total, b1, sizeof b1);
            fmt_bytes(nm.mem_free, b2, sizeof b2);
            fmt_bytes(nm.huge_page_size, b3, sizeof b3);
            printf("  %6d  %4d  %-15s  %-10s  %-10s  %" PRIu64 "/%" PRIu64 " x %s%s\n", ni.sradid, ni.node, buf, b1,
                   b2, nm.huge_free, nm.huge_total, b3, ni.allowed ? "" : "  (not allowed)");
        } else {
            fmt_bytes(ni.mem_total, b1, sizeof b1);
            printf("  %6d  %4d  %-15s  %-10s  %-10s  -%s\n", ni.sradid, ni.node, buf, b1, "?",
                   ni.allowed ? "" : "  (not allowed)");
        }
    }
    printf("\nmemory-only nodes:");
    if (!nmemonly)
        printf(" none\n");
    else {
        printf("\n  node  mem total   mem free    huge pages free/total\n");
        for (int i = 0; i < nnodes; i++) {
            struct rashm_node_info ni;
            struct rashm_node_mem nm;
            if (rashm_topo_node(t, i, &ni) != 0 || ni.sradid >= 0)
                continue;
            if (rashm_node_mem(ni.node, &nm) == 0) {
                fmt_bytes(nm.mem_total, b1, sizeof b1);
                fmt_bytes(nm.mem_free, b2, sizeof b2);
                fmt_bytes(nm.huge_page_size, b3, sizeof b3);
                printf("  %4d  %-10s  %-10s  %" PRIu64 "/%" PRIu64 " x %s\n", ni.node, b1, b2, nm.huge_free,
                       nm.huge_total, b3);
            } else {
                fmt_bytes(ni.mem_total, b1, sizeof b1);
                printf("  %4d  %-10s  ?\n", ni.node, b1);
            }
        }
    }
    rashm_cpuset_format(&pcpus, buf, sizeof buf);
    printf("\npartition (this process): cpus %s", buf);
    rashm_nodeset_format(&pnodes, buf, sizeof buf);
    printf(", nodes %s\n", buf);
    printf("\n");
    out_config(NULL);
    return 0;
}

/* ---- create ---------------------------------------------------------------- */

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
    struct progress *p = arg;
    p->total = total;
    progress_update(p, done);
}

/* Converts a parsed range into the API's, checking it against the topology
 * and the segment. 0, or -1 after a message. */
static int build_range(const rashm_topo_t *t, const struct cli_range *cr, const char *text, uint64_t size,
                       uint64_t pgsz, struct rashm_range *out)
{
    char b1[32];
    memset(out, 0, sizeof *out);
    if (cr->offset % pgsz || cr->length % pgsz) {
        fmt_bytes(pgsz, b1, sizeof b1);
        cli_err("--range %s: offset and length must be multiples of the page size (%s)", text, b1);
        return -1;
    }
    if (cr->offset >= size || cr->length > size - cr->offset) {
        cli_err("--range %s: runs past the end of the segment (%" PRIu64 " bytes)", text, size);
        return -1;
    }
    out->offset = cr->offset;
    out->length = cr->length;
    out->policy = cr->policy == CLI_POL_FIRST_TOUCH ? RASHM_POLICY_FIRST_TOUCH
                  : cr->policy == CLI_POL_BALANCED  ? RASHM_POLICY_BALANCED
                                                    : RASHM_POLICY_DEFAULT;
    out->origin = RASHM_ORIGIN_NODES;
    rashm_nodeset_zero(&out->nodes);
    switch (cr->nodes.kind) {
    case CLI_NODES_ALL:
        rashm_topo_all_nodes(t, &out->nodes);
        break;
    case CLI_NODES_SRADS: {
        int nsrad = 0, last = -1;
        if (!rashm_config_enhanced_affinity()) {
            cli_err("--range %s: SRAD ids are switched off (RASHM_ENHANCED_AFFINITY=0); name the nodes instead",
                    text);
            return -1;
        }
        for (int s = 0; s < CLI_MAX_NODES; s++) {
            if (!cli_nodes_test(&cr->nodes, s))
                continue;
            int node = rashm_topo_srad_node(t, s);
            if (node < 0) {
                cli_err("--range %s: there is no SRAD %d (this machine has %d; see 'rashm topo')", text, s,
                        rashm_topo_nsrads(t));
                return -1;
            }
            rashm_nodeset_set(&out->nodes, node);
            nsrad++;
            last = s;
        }
        if (nsrad == 1) {             /* one SRAD: recorded as an SRAD attachment */
            out->origin = RASHM_ORIGIN_SRAD;
            out->srad = last;
        }
        break;
    }
    case CLI_NODES_LIST: {
        rashm_nodeset_t known;
        rashm_nodeset_zero(&known);
        for (int i = 0; i < rashm_topo_nnodes(t); i++) {
            struct rashm_node_info ni;
            if (rashm_topo_node(t, i, &ni) == 0)
                rashm_nodeset_set(&known, ni.node);
        }
        for (int n = 0; n < CLI_MAX_NODES; n++) {
            if (!cli_nodes_test(&cr->nodes, n))
                continue;
            if (!rashm_nodeset_isset(&known, n)) {
                char kb[128];
                rashm_nodeset_format(&known, kb, sizeof kb);
                cli_err("--range %s: there is no NUMA node %d (nodes: %s)", text, n, kb);
                return -1;
            }
            rashm_nodeset_set(&out->nodes, n);
        }
        break;
    }
    }
    return 0;
}

static int cmd_create(int argc, char **argv)
{
    enum { O_HUGE = 256, O_PIN, O_EXCL, O_MODE, O_RANGE, O_POPULATE };
    static const struct option opts[] = {
        { "huge", no_argument, NULL, O_HUGE },     { "pin", no_argument, NULL, O_PIN },
        { "excl", no_argument, NULL, O_EXCL },     { "mode", required_argument, NULL, O_MODE },
        { "range", required_argument, NULL, O_RANGE }, { "populate", no_argument, NULL, O_POPULATE },
        { "help", no_argument, NULL, 'h' },        { 0, 0, 0, 0 }
    };
    bool huge = false, pin = false, excl = false, populate = false;
    int mode = 0600, c, nranges = 0, key;
    uint64_t size;
    struct cli_range *cr = calloc((size_t)argc + 1, sizeof *cr);
    const char **crtext = calloc((size_t)argc + 1, sizeof *crtext);
    struct rashm_range *rr = NULL;
    int rc = EXIT_USAGE;

    if (!cr || !crtext) {
        cli_err("out of memory");
        rc = EXIT_RUNTIME;
        goto out_free;
    }
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_HUGE: huge = true; break;
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
            crtext[nranges++] = optarg;
            break;
        case 'h':
            fputs(usage_create, stdout);
            rc = 0;
            goto out_free;
        default:
            rc = bad_option(usage_create);
            goto out_free;
        }
    }
    if (argc - optind != 2) {
        rc = usage_error(usage_create, argc - optind < 2 ? "KEY and SIZE are required"
                                                         : "unexpected argument '%s'",
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
        struct rashm_node_mem nm;
        pgsz = rashm_node_mem(0, &nm) == 0 && nm.huge_page_size ? nm.huge_page_size : 2u << 20;
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
        if (build_range(t, &cr[i], crtext[i], size, pgsz, &rr[i]))
            goto out_usage;

    int shmflg = IPC_CREAT | mode | (excl ? IPC_EXCL : 0) | (huge ? SHM_HUGETLB : 0);
    unsigned flags = (pin ? RASHM_LOCK : 0) | (populate || pin ? RASHM_POPULATE : 0);
    struct progress prog;
    /* a bar only where someone watches and there is something to wait for */
    progress_init(&prog, pin ? "populating and locking" : "populating", size,
                  isatty(STDERR_FILENO) && size >= (256u << 20));
    struct rashm_create_opts copts = { .progress = on_progress, .progress_arg = &prog, .progress_step = 0 };
    int created = 0;
    /* A segment is created before it is placed and populated; a signal that
     * killed us in between would leave it behind with nobody knowing its id.
     * So the usual termination signals wait until rashm_create returns, and
     * if one came meanwhile the new segment is removed before we go. */
    sigset_t term, old, pending;
    sigemptyset(&term);
    sigaddset(&term, SIGINT);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGHUP);
    sigaddset(&term, SIGQUIT);
    sigprocmask(SIG_BLOCK, &term, &old);
    int id = rashm_create((key_t)key, size, shmflg, rr, nranges, flags, flags ? &copts : NULL, &created);
    int create_errno = errno;
    progress_done(&prog);
    sigpending(&pending);
    for (int sig = 1; sig < NSIG; sig++) {
        if (!sigismember(&term, sig) || !sigismember(&pending, sig))
            continue;
        if (id >= 0 && created) {
            if (rashm_remove(id) == 0)
                cli_err("interrupted: the new segment (shmid %d) was removed", id);
            else
                cli_err("interrupted: could not remove the new segment (shmid %d): %s", id, rashm_strerror(errno));
        } else {
            cli_err("interrupted");
        }
        free(rr);
        free(cr);
        free(crtext);
        fflush(stdout);
        /* die of the signal, as the caller expects (exit status 128+sig) */
        signal(sig, SIG_DFL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        raise(sig);
        return 128 + sig;
    }
    errno = create_errno;
    if (id < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        int e = errno;
        struct shmid_ds ds;
        int existing = key != IPC_PRIVATE ? shmget((key_t)key, 0, 0) : -1;
        if (e == EEXIST)
            cli_err("key 0x%08x already exists (--excl)", (unsigned)key);
        else if (e == EINVAL && existing >= 0 && shmctl(existing, IPC_STAT, &ds) == 0 && ds.shm_segsz < size)
            cli_err("key 0x%08x already exists with a smaller size (%zu bytes, shmid %d)", (unsigned)key,
                    (size_t)ds.shm_segsz, existing);
        else if (e == ENOMEM && !huge)
            cli_err("cannot create the segment: out of memory%s", flags ? " while populating it" : "");
        else if (e == EPERM && pin)
            cli_err("cannot lock the segment (--pin): locking needs CAP_IPC_LOCK or a large enough "
                    "RLIMIT_MEMLOCK (ulimit -l)");
        else
            cli_err("cannot create the segment: %s", rashm_strerror(e));
        rc = EXIT_RUNTIME;
        goto out_free;
    }
    if (!created)
        cli_err("note: key 0x%08x already exists: its shmid is printed and its placement is left as it was",
                (unsigned)key);
    printf("%d\n", id);
    fflush(stdout);
    /* from here on a signal may end us: the id is out */
    sigprocmask(SIG_SETMASK, &old, NULL);
    rc = 0;
    goto out_free;
out_usage:
    fputs("(see 'rashm help create')\n", stderr);
    rc = EXIT_USAGE;
out_free:
    free(rr);
    free(cr);
    free(crtext);
    return rc;
}

/* ---- show ------------------------------------------------------------------ */

static void show_text(const struct rashm_placement *p, int width)
{
    char b1[32], b2[32], b3[32], nb[256], bar[512];
    uint64_t resident = 0, pages = 0;
    for (int r = 0; r < p->nranges; r++) {
        resident += p->ranges[r].resident;
        pages += p->ranges[r].pages;
    }
    fmt_bytes(p->size, b1, sizeof b1);
    fmt_bytes(p->page_size, b2, sizeof b2);
    fmt_bytes(resident * p->page_size, b3, sizeof b3);
    if (p->counts_valid)
        printf("shmid %d: %s in %s pages%s, %" PRIu64 " of %" PRIu64 " pages resident%s%s%s%s\n", p->shmid, b1, b2,
               p->hugetlb ? " (hugetlb)" : "", resident, pages, resident ? " (" : "", resident ? b3 : "",
               resident ? ")" : "", p->registered ? "" : "; not placed by rashm");
    else
        /* rashm_query could not read residency here (see docs/aix.md): say
         * so rather than draw empty bars */
        printf("shmid %d: %s in %s pages%s, %" PRIu64 " pages; resident pages unknown to this user%s\n", p->shmid,
               b1, b2, p->hugetlb ? " (hugetlb)" : "", pages, p->registered ? "" : "; not placed by rashm");
    for (int r = 0; r < p->nranges; r++) {
        const struct rashm_range_placement *rp = &p->ranges[r];
        fmt_bytes(rp->offset, b1, sizeof b1);
        fmt_bytes(rp->length, b2, sizeof b2);
        printf("\nrange %d: offset %s, length %s, %" PRIu64 " page%s\n", r, b1, b2, rp->pages,
               rp->pages == 1 ? "" : "s");
        rashm_nodeset_format(&rp->nodes, nb, sizeof nb);
        printf("  policy %s", policy_name(rp->policy));
        if (rp->origin == RASHM_ORIGIN_SRAD)
            printf(" on SRAD %d (node %s)", rp->srad, nb);
        else if (rp->origin == RASHM_ORIGIN_CPUS) {
            char cb[256];
            rashm_cpuset_format(&rp->cpus, cb, sizeof cb);
            printf(" on rset cpus %s (nodes %s)", cb, nb);
        } else if (rp->origin == RASHM_ORIGIN_GAP)
            printf(" (not covered by a range; nodes %s)", nb[0] ? nb : "all");
        else
            printf(" on nodes %s", nb[0] ? nb : "all");
        rashm_nodeset_format(&rp->mode_nodes, nb, sizeof nb);
        printf("; in force: %s%s%s (%s)\n", mpol_name(rp->mode), nb[0] ? " " : "", nb,
               rp->mode_from_kernel ? "read from the kernel" : "from the registry");
        if (!p->counts_valid)
            continue;
        /* a bar for every node of the range and every node holding pages */
        for (int n = 0; n < p->node_slots; n++) {
            uint64_t np = rp->node_pages ? rp->node_pages[n] : 0;
            if (!np && !rashm_nodeset_isset(&rp->nodes, n))
                continue;
            fmt_bar(np, rp->pages, width, bar, sizeof bar);
            printf("  node %-3d [%s] %" PRIu64 " page%s (%.1f%%)\n", n, bar, np, np == 1 ? "" : "s",
                   rp->pages ? 100.0 * (double)np / (double)rp->pages : 0.0);
        }
        if (rp->resident < rp->pages)
            printf("  not resident: %" PRIu64 " page%s\n", rp->pages - rp->resident,
                   rp->pages - rp->resident == 1 ? "" : "s");
    }
}

static void show_json(const struct rashm_placement *p)
{
    struct json j;
    json_init(&j, stdout);
    json_obj(&j, NULL);
    json_int(&j, "shmid", p->shmid);
    json_uint(&j, "size", p->size);
    json_uint(&j, "page_size", p->page_size);
    json_bool(&j, "hugetlb", p->hugetlb != 0);
    json_bool(&j, "registered", p->registered != 0);
    json_bool(&j, "counts_valid", p->counts_valid != 0);
    json_arr(&j, "ranges");
    for (int r = 0; r < p->nranges; r++) {
        const struct rashm_range_placement *rp = &p->ranges[r];
        json_obj(&j, NULL);
        json_uint(&j, "offset", rp->offset);
        json_uint(&j, "length", rp->length);
        json_str(&j, "policy", rp->policy >= 0 ? policy_name(rp->policy) : NULL);
        json_str(&j, "origin", origin_name(rp->origin));
        if (rp->origin == RASHM_ORIGIN_SRAD)
            json_int(&j, "srad", rp->srad);
        if (rp->origin == RASHM_ORIGIN_CPUS)
            json_cpus(&j, "cpus", &rp->cpus);
        json_nodes(&j, "nodes", &rp->nodes);
        json_str(&j, "mode", mpol_name(rp->mode));
        json_nodes(&j, "mode_nodes", &rp->mode_nodes);
        json_bool(&j, "mode_from_kernel", rp->mode_from_kernel != 0);
        json_uint(&j, "pages", rp->pages);
        if (!p->counts_valid) {        /* unknown, not zero */
            json_null(&j, "resident");
            json_null(&j, "node_pages");
            json_end_obj(&j);
            continue;
        }
        json_uint(&j, "resident", rp->resident);
        json_arr(&j, "node_pages");
        for (int n = 0; n < p->node_slots; n++) {
            uint64_t np = rp->node_pages ? rp->node_pages[n] : 0;
            if (!np && !rashm_nodeset_isset(&rp->nodes, n))
                continue;
            json_obj(&j, NULL);
            json_int(&j, "node", n);
            json_uint(&j, "pages", np);
            json_end_obj(&j);
        }
        json_end_arr(&j);
        json_end_obj(&j);
    }
    json_end_arr(&j);
    json_end_obj(&j);
    json_finish(&j);
}

static int cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' }, { "width", required_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 }
    };
    bool json = false;
    int c, width = 40, id;
    while ((c = getopt_long(argc, argv, "jw:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'w':
            if (parse_int(optarg, "--width", &width))
                return bad_option(usage_show);
            if (width < 1 || width > 200)
                return usage_error(usage_show, "--width: %d is not between 1 and 200", width);
            break;
        case 'h': fputs(usage_show, stdout); return 0;
        default: return bad_option(usage_show);
        }
    }
    if (argc - optind != 1)
        return usage_error(usage_show, argc == optind ? "which segment? give its shmid"
                                                      : "one shmid at a time ('%s' is extra)",
                           argv[argc - 1]);
    if (parse_shmid(argv[optind], &id))
        return bad_option(usage_show);
    struct rashm_placement *p = rashm_query(id);
    if (!p) {
        int e = errno;
        if (e == EINVAL || e == EIDRM)
            cli_err("no segment with shmid %d", id);
        else
            cli_err("shmid %d: %s", id, rashm_strerror(e));
        return EXIT_RUNTIME;
    }
    if (json)
        show_json(p);
    else
        show_text(p, width);
    rashm_placement_free(p);
    return 0;
}

/* ---- ls -------------------------------------------------------------------- */

/* One line summarising the ranges ("balanced@0-1, first-touch@srad0") and
 * where the resident pages are ("n0 50% n1 50%"). */
static void summarise(const struct rashm_placement *p, char *ranges, size_t rlen, char *where, size_t wlen)
{
    size_t u = 0;
    ranges[0] = where[0] = 0;
    for (int r = 0; r < p->nranges && u < rlen; r++) {
        const struct rashm_range_placement *rp = &p->ranges[r];
        char nb[128];
        int w;
        if (rp->origin == RASHM_ORIGIN_SRAD)
            snprintf(nb, sizeof nb, "srad%d", rp->srad);
        else
            rashm_nodeset_format(&rp->nodes, nb, sizeof nb);
        w = snprintf(ranges + u, rlen - u, "%s%s@%s", u ? "," : "", policy_name(rp->policy), nb[0] ? nb : "all");
        if (w < 0)
            break;
        u += (size_t)w;
    }
    uint64_t total = 0;
    uint64_t *per = calloc((size_t)(p->node_slots > 0 ? p->node_slots : 1), sizeof *per);
    if (!per)
        return;
    for (int r = 0; r < p->nranges; r++)
        for (int n = 0; n < p->node_slots; n++)
            if (p->ranges[r].node_pages) {
                per[n] += p->ranges[r].node_pages[n];
                total += p->ranges[r].node_pages[n];
            }
    u = 0;
    for (int n = 0; n < p->node_slots && u < wlen; n++) {
        if (!per[n])
            continue;
        int w = snprintf(where + u, wlen - u, "%sn%d:%.0f%%", u ? " " : "", n, 100.0 * (double)per[n] / (double)total);
        if (w < 0)
            break;
        u += (size_t)w;
    }
    if (!p->counts_valid)
        snprintf(where, wlen, "residency unknown");
    else if (!total)
        snprintf(where, wlen, "none resident");
    free(per);
}

static int cmd_ls(int argc, char **argv)
{
    bool json = false;
    int prc = parse_json_only(argc, argv, usage_ls, &json);
    if (prc >= 0)
        return prc;
    struct rashm_seg_info *segs = NULL;
    int n = rashm_list(&segs);
    if (n < 0) {
        cli_err("cannot list segments: %s", rashm_strerror(errno));
        return EXIT_RUNTIME;
    }
    struct json j;
    char owner[64], ranges[256], where[256], pgs[32];
    if (json) {
        json_init(&j, stdout);
        json_arr(&j, NULL);
    } else {
        printf("%-10s %-10s %-10s %-5s %-12s %-6s %-7s %-6s %s\n", "key", "shmid", "owner", "perms", "bytes",
               "nattch", "status", "pgsz", "placement");
    }
    for (int i = 0; i < n; i++) {
        const struct rashm_seg_info *s = &segs[i];
        /* Only segments rashm placed are queried: move_pages over a
         * temporary attach costs time, and for the others there is no
         * placement to summarise. A segment that vanished between the
         * listing and the query is simply shown without a summary. */
        struct rashm_placement *p = s->registered ? rashm_query(s->shmid) : NULL;
        uint64_t pgsz = p ? p->page_size : 0;
        if (p)
            summarise(p, ranges, sizeof ranges, where, sizeof where);
        if (pgsz)
            fmt_bytes(pgsz, pgs, sizeof pgs);
        else
            snprintf(pgs, sizeof pgs, "%s", s->hugetlb == 1 ? "huge" : s->hugetlb == 0 ? "4 KiB" : "-");
        user_name(s->uid, owner, sizeof owner);
        if (json) {
            json_obj(&j, NULL);
            char kb[16];
            snprintf(kb, sizeof kb, "0x%08x", (unsigned)s->key);
            json_str(&j, "key", kb);
            json_int(&j, "shmid", s->shmid);
            json_str(&j, "owner", owner);
            json_int(&j, "uid", (long long)s->uid);
            json_int(&j, "gid", (long long)s->gid);
            char pb[8];
            snprintf(pb, sizeof pb, "%03o", s->perms & 0777);
            json_str(&j, "perms", pb);
            json_uint(&j, "bytes", s->size);
            json_uint(&j, "nattch", s->nattch);
            json_int(&j, "cpid", s->cpid);
            json_int(&j, "lpid", s->lpid);
            json_uint(&j, "rss", s->rss);
            json_bool(&j, "locked", s->locked != 0);
            if (pgsz)
                json_uint(&j, "page_size", pgsz);
            else
                json_null(&j, "page_size");
            json_bool(&j, "placed", s->registered != 0);
            if (p) {
                json_bool(&j, "counts_valid", p->counts_valid != 0);
                json_arr(&j, "ranges");
                for (int r = 0; r < p->nranges; r++) {
                    const struct rashm_range_placement *rp = &p->ranges[r];
                    json_obj(&j, NULL);
                    json_uint(&j, "offset", rp->offset);
                    json_uint(&j, "length", rp->length);
                    json_str(&j, "policy", rp->policy >= 0 ? policy_name(rp->policy) : NULL);
                    json_str(&j, "origin", origin_name(rp->origin));
                    json_nodes(&j, "nodes", &rp->nodes);
                    if (p->counts_valid)
                        json_uint(&j, "resident", rp->resident);
                    else
                        json_null(&j, "resident");
                    json_end_obj(&j);
                }
                json_end_arr(&j);
                if (!p->counts_valid) {
                    json_null(&j, "resident_per_node");
                    json_end_obj(&j);
                    rashm_placement_free(p);
                    continue;
                }
                json_arr(&j, "resident_per_node");
                for (int nn = 0; nn < p->node_slots; nn++) {
                    uint64_t tot = 0;
                    for (int r = 0; r < p->nranges; r++)
                        tot += p->ranges[r].node_pages ? p->ranges[r].node_pages[nn] : 0;
                    if (!tot)
                        continue;
                    json_obj(&j, NULL);
                    json_int(&j, "node", nn);
                    json_uint(&j, "pages", tot);
                    json_end_obj(&j);
                }
                json_end_arr(&j);
            }
            json_end_obj(&j);
        } else {
            char st[16];
            snprintf(st, sizeof st, "%s", s->locked ? "locked" : "-");
            printf("0x%08x %-10d %-10s %-5o %-12" PRIu64 " %-6" PRIu64 " %-7s %-6s ", (unsigned)s->key, s->shmid,
                   owner, s->perms & 0777, s->size, s->nattch, st, pgs);
            if (p)
                printf("%s; %s\n", ranges, where);
            else if (s->registered)
                printf("placed (details unavailable: %s)\n", rashm_strerror(errno));
            else
                printf("-\n");
        }
        rashm_placement_free(p);
    }
    if (json) {
        json_end_arr(&j);
        json_finish(&j);
    }
    free(segs);
    return 0;
}

/* ---- rm -------------------------------------------------------------------- */

static int cmd_rm(int argc, char **argv)
{
    static const struct option opts[] = {
        { "key", no_argument, NULL, 'k' }, { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 }
    };
    bool bykey = false;
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, "kh", opts, NULL)) != -1) {
        switch (c) {
        case 'k': bykey = true; break;
        case 'h': fputs(usage_rm, stdout); return 0;
        default: return bad_option(usage_rm);
        }
    }
    if (optind == argc)
        return usage_error(usage_rm, bykey ? "which key? give at least one" : "which segment? give at least one shmid");
    /* check every argument before removing anything */
    int *ids = calloc((size_t)(argc - optind), sizeof *ids);
    if (!ids) {
        cli_err("out of memory");
        return EXIT_RUNTIME;
    }
    for (int i = optind; i < argc; i++) {
        int v;
        if (bykey ? parse_key(argv[i], &v) : parse_shmid(argv[i], &v)) {
            free(ids);
            return bad_option(usage_rm);
        }
        if (bykey && v == IPC_PRIVATE) {
            free(ids);
            return usage_error(usage_rm, "IPC_PRIVATE segments have no key: remove them by shmid");
        }
        ids[i - optind] = v;
    }
    for (int i = 0; i < argc - optind; i++) {
        int id = ids[i];
        if (bykey) {
            id = shmget((key_t)ids[i], 0, 0);
            if (id < 0) {
                cli_err("key 0x%08x: %s", (unsigned)ids[i],
                        errno == ENOENT ? "no segment has this key" : rashm_strerror(errno));
                rc = EXIT_RUNTIME;
                continue;
            }
        }
        if (rashm_remove(id) != 0) {
            int e = errno;
            if (e == EINVAL || e == EIDRM)
                cli_err("no segment with shmid %d", id);
            else if (e == EPERM)   /* IPC_RMID: only the owner, the creator or root */
                cli_err("shmid %d: permission denied: only its owner, its creator or root may remove it", id);
            else
                cli_err("shmid %d: %s", id, rashm_strerror(e));
            rc = EXIT_RUNTIME;
        }
    }
    free(ids);
    return rc;
}

/* ---- main ------------------------------------------------------------------ */

struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *usage;
};

static const struct command commands[] = {
    { "topo", cmd_topo, usage_topo }, { "create", cmd_create, usage_create }, { "show", cmd_show, usage_show },
    { "ls", cmd_ls, usage_ls },       { "rm", cmd_rm, usage_rm },       { "config", cmd_config, usage_config },
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            const struct command *c = find_command(argv[2]);
            if (!c) {
                cli_err("no command '%s'", argv[2]);
                fputs(usage_main, stderr);
                return EXIT_USAGE;
            }
            fputs(c->usage, stdout);
            return 0;
        }
        fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("rashm %s\n", RASHM_VERSION_STRING);
        return 0;
    }
    /* "rashm --json ls" works as well as "rashm ls --json" */
    bool json_first = false;
    if (!strcmp(cmd, "--json") && argc > 2) {
        json_first = true;
        cmd = argv[2];
        argv++;
        argc--;
    }
    const struct command *c = find_command(cmd);
    if (!c) {
        cli_err("unknown command '%s'", cmd);
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    cli_set_cmd(c->name);
    /* the command sees argv[0] = its name; getopt restarts */
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        cli_err("out of memory");
        return EXIT_RUNTIME;
    }
    /* getopt prefixes its messages with argv[0]: "rashm create: ..." */
    char name[64];
    snprintf(name, sizeof name, "%s %s", cli_prog, c->name);
    int n = 0;
    args[n++] = name;
    if (json_first)
        args[n++] = (char *)"--json";
    for (int i = 2; i < argc; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    optind = 0;
    opterr = 1;
    int rc = c->fn(n, args);
    free(args);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_err("cannot write the output: %s", strerror(errno));
        return EXIT_RUNTIME;
    }
    return rc;
}
