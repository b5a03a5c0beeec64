/* rashm ls: every System V segment (like ipcs -m / lsipc) with the
 * registry's view: status (locked, dest = removed but still attached),
 * a summary of the ranges and of where the resident pages are; -o picks
 * columns, --sort orders, --nodes shows resident memory per node and
 * segment with totals (like numastat). */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define SHM_DEST_BIT 01000     /* shm_perm.mode: IPC_RMID done, still attached */
#define SHM_LOCKED_BIT 02000   /* shm_perm.mode: SHM_LOCK in force */

const char usage_ls[] =
    "usage: rashm ls [--json] [-h] [-w] [-o COLUMNS] [-s [-]COLUMN] [--nodes]\n"
    "\n"
    "Every System V segment: key, shmid, owner, perms, size, nattch, status\n"
    "(locked; dest: removed but still attached, goes when the last process\n"
    "detaches), and for segments placed by rashm a summary of their ranges\n"
    "and of where their resident pages are.\n"
    "\n"
    "options:\n"
    "  -h, --human          sizes as 1.5 GiB (default: bytes, as ipcs prints them)\n"
    "  -o, --output LIST    columns, comma-separated, of: key shmid owner perms\n"
    "                       size nattch status pgsz cpid lpid rss placement\n"
    "                       (default key,shmid,owner,perms,size,nattch,status,\n"
    "                       placement)\n"
    "  -w, --wide           do not cut the last column at 80 characters (a cut\n"
    "                       ends in '+')\n"
    "  -s, --sort COLUMN    order by shmid (default), key, owner, size, nattch,\n"
    "                       rss, cpid, lpid; a leading '-' reverses\n"
    "  -n, --nodes          resident memory per NUMA node of every segment the\n"
    "                       caller may read, and the total per node\n"
    "  --json               JSON (all fields; -o does not apply)\n";

static const struct tab_col ls_cols[] = {
    { "key", "key", false },        { "shmid", "shmid", true },   { "owner", "owner", false },
    { "perms", "perms", false },    { "size", "size", true },     { "nattch", "nattch", true },
    { "status", "status", false },  { "pgsz", "pgsz", true },     { "cpid", "cpid", true },
    { "lpid", "lpid", true },       { "rss", "rss", true },       { "placement", "placement", false },
};
#define LS_DEFAULT "key,shmid,owner,perms,size,nattch,status,placement"
#define NCOLS ((int)(sizeof ls_cols / sizeof *ls_cols))

/* shm_perm.mode with the SHM_DEST and SHM_LOCKED bits, which rashm_list
 * leaves out: /proc/sysvipc/shm prints the whole mode ("%4o"), and unlike
 * IPC_STAT it is readable for every segment. */
struct modes {
    int n;
    int *id, *mode;
};

static void read_modes(struct modes *m)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    char line[512];
    int cap = 0;
    memset(m, 0, sizeof *m);
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        int key, id;
        unsigned mode;
        if (sscanf(line, "%d %d %o", &key, &id, &mode) != 3)
            continue;             /* the header */
        if (m->n == cap) {
            cap = cap ? cap * 2 : 64;
            int *a = realloc(m->id, (size_t)cap * sizeof *a), *b = a ? realloc(m->mode, (size_t)cap * sizeof *b) : NULL;
            if (a)
                m->id = a;
            if (!b)
                break;
            m->mode = b;
        }
        m->id[m->n] = id;
        m->mode[m->n++] = (int)mode;
    }
    fclose(f);
}

static int mode_of(const struct modes *m, int id)
{
    for (int i = 0; i < m->n; i++)
        if (m->id[i] == id)
            return m->mode[i];
    return 0;
}

/* ---- sorting ------------------------------------------------------------------ */

static const char *const sort_keys[] = { "shmid", "key", "owner", "size", "nattch", "rss", "cpid", "lpid" };
static int sort_by, sort_dir = 1;

static int cmp_seg(const void *pa, const void *pb)
{
    const struct rashm_seg_info *a = pa, *b = pb;
    long long x, y;
    switch (sort_by) {
    case 1: x = (unsigned)a->key; y = (unsigned)b->key; break;
    case 2: {
        char ua[64], ub[64];
        int c = strcmp(user_name(a->uid, ua, sizeof ua), user_name(b->uid, ub, sizeof ub));
        if (c)
            return c * sort_dir;
        x = a->shmid; y = b->shmid;
        break;
    }
    case 3: x = (long long)a->size; y = (long long)b->size; break;
    case 4: x = (long long)a->nattch; y = (long long)b->nattch; break;
    case 5: x = (long long)a->rss; y = (long long)b->rss; break;
    case 6: x = a->cpid; y = b->cpid; break;
    case 7: x = a->lpid; y = b->lpid; break;
    default: x = a->shmid; y = b->shmid; break;
    }
    if (x == y && sort_by)
        return a->shmid < b->shmid ? -1 : a->shmid > b->shmid;
    return (x < y ? -1 : x > y) * sort_dir;
}

/* ---- one line ------------------------------------------------------------------ */

/* "balanced@0,first-touch@srad0; n0:50% n1:50%" */
static void summarise(const struct rashm_placement *p, char *buf, size_t len)
{
    size_t u = 0;
    buf[0] = 0;
    for (int r = 0; r < p->nranges && u < len; r++) {
        const struct rashm_range_placement *rp = &p->ranges[r];
        char nb[128];
        if (rp->origin == RASHM_ORIGIN_SRAD)
            snprintf(nb, sizeof nb, "srad%d", rp->srad);
        else
            rashm_nodeset_format(&rp->nodes, nb, sizeof nb);
        int w = snprintf(buf + u, len - u, "%s%s@%s", u ? "," : "", policy_name(rp->policy), nb[0] ? nb : "all");
        if (w < 0)
            return;
        u += (size_t)w;
    }
    if (u >= len)
        return;
    if (!p->counts_valid) {
        snprintf(buf + u, len - u, "; residency unknown");
        return;
    }
    uint64_t total = 0;
    for (int r = 0; r < p->nranges; r++)
        total += p->ranges[r].resident;
    if (!total) {
        snprintf(buf + u, len - u, "; none resident");
        return;
    }
    for (int n = 0, first = 1; n < p->node_slots && u < len; n++) {
        uint64_t np = 0;
        for (int r = 0; r < p->nranges; r++)
            np += p->ranges[r].node_pages ? p->ranges[r].node_pages[n] : 0;
        if (!np)
            continue;
        int w = snprintf(buf + u, len - u, "%sn%d:%.0f%%", first ? "; " : " ", n, 100.0 * (double)np / (double)total);
        if (w < 0)
            return;
        u += (size_t)w;
        first = 0;
    }
}

static void size_cell(struct table *t, const char *col, uint64_t v, bool human)
{
    char b[32];
    if (human) {
        fmt_bytes(v, b, sizeof b);
        tab_cell(t, col, "%s", b);
    } else {
        tab_cell(t, col, "%" PRIu64, v);
    }
}

static void one(struct out *o, struct table *t, const struct rashm_seg_info *s, int mode, bool human)
{
    char owner[64], buf[512], st[32];
    /* Only segments rashm placed are queried: move_pages over a temporary
     * attach costs time, and for the others there is no placement to
     * summarise. A segment gone meanwhile shows without a summary. */
    struct rashm_placement *p = s->registered ? rashm_query(s->shmid) : NULL;
    int qerr = errno;
    uint64_t pgsz = p ? p->page_size : 0;
    bool dest = mode & SHM_DEST_BIT, locked = s->locked || (mode & SHM_LOCKED_BIT);
    tab_row(t);
    out_obj(o, NULL);
    snprintf(buf, sizeof buf, "0x%08x", (unsigned)s->key);
    out_cell_str(o, t, "key", buf);
    out_cell_int(o, t, "shmid", s->shmid);
    user_name(s->uid, owner, sizeof owner);
    out_cell_str(o, t, "owner", owner);
    out_int(o, "uid", (long long)s->uid);
    out_int(o, "gid", (long long)s->gid);
    snprintf(buf, sizeof buf, "%03o", s->perms & 0777);
    out_cell_str(o, t, "perms", buf);
    out_uint(o, "bytes", s->size);
    size_cell(t, "size", s->size, human);
    out_uint(o, "nattch", s->nattch);
    tab_cell(t, "nattch", "%" PRIu64, s->nattch);
    out_cell_int(o, t, "cpid", s->cpid);
    out_cell_int(o, t, "lpid", s->lpid);
    out_uint(o, "rss", s->rss);
    size_cell(t, "rss", s->rss, human);
    out_bool(o, "locked", locked);
    out_bool(o, "dest", dest);
    snprintf(st, sizeof st, "%s%s%s", locked ? "locked" : "", locked && dest ? "," : "", dest ? "dest" : "");
    tab_cell(t, "status", "%s", st[0] ? st : "-");
    if (pgsz) {
        out_uint(o, "page_size", pgsz);
        fmt_bytes(pgsz, buf, sizeof buf);
        tab_cell(t, "pgsz", "%s", buf);
    } else {
        out_null(o, "page_size");
        tab_cell(t, "pgsz", "%s", s->hugetlb == 1 ? "huge" : s->hugetlb == 0 ? "4 KiB" : "-");
    }
    out_bool(o, "placed", s->registered != 0);
    if (p) {
        summarise(p, buf, sizeof buf);
        tab_cell(t, "placement", "%s", buf);
        out_bool(o, "counts_valid", p->counts_valid != 0);
        out_arr(o, "ranges");
        for (int r = 0; r < p->nranges; r++) {
            const struct rashm_range_placement *rp = &p->ranges[r];
            out_obj(o, NULL);
            out_uint(o, "offset", rp->offset);
            out_uint(o, "length", rp->length);
            out_str(o, "policy", rp->policy >= 0 ? policy_name(rp->policy) : NULL);
            out_str(o, "origin", origin_name(rp->origin));
            out_nodes(o, "nodes", &rp->nodes);
            if (p->counts_valid)
                out_uint(o, "resident", rp->resident);
            else
                out_null(o, "resident");
            out_end_obj(o);
        }
        out_end_arr(o);
        if (!p->counts_valid) {
            out_null(o, "resident_per_node");
        } else {
            out_arr(o, "resident_per_node");
            for (int n = 0; n < p->node_slots; n++) {
                uint64_t tot = 0;
                for (int r = 0; r < p->nranges; r++)
                    tot += p->ranges[r].node_pages ? p->ranges[r].node_pages[n] : 0;
                if (!tot)
                    continue;
                out_obj(o, NULL);
                out_int(o, "node", n);
                out_uint(o, "pages", tot);
                out_end_obj(o);
            }
            out_end_arr(o);
        }
    } else if (s->registered) {
        tab_cell(t, "placement", "placed (details unavailable: %s)", rashm_strerror(qerr));
    }
    out_end_obj(o);
    rashm_placement_free(p);
}

/* ---- --nodes: resident memory per node and segment --------------------------- */

static int per_node(struct out *o, const struct rashm_seg_info *segs, int n, bool human)
{
    const rashm_topo_t *t = topo_or_die();
    if (!t)
        return EXIT_RUNTIME;
    rashm_nodeset_t all;
    rashm_topo_all_nodes(t, &all);
    uint64_t *tot = calloc((size_t)RASHM_MAX_NODES, sizeof *tot);
    uint64_t *row = calloc((size_t)RASHM_MAX_NODES, sizeof *row);
    if (!tot || !row) {
        free(tot);
        free(row);
        cli_err("out of memory");
        return EXIT_RUNTIME;
    }
    char b[32];
    int skipped = 0;
    out_obj(o, NULL);
    out_arr(o, "segments");
    out_text(o, "%-10s %-10s", "shmid", "key");
    for (int node = rashm_nodeset_next(&all, -1); node >= 0; node = rashm_nodeset_next(&all, node))
        out_text(o, " %11s", (snprintf(b, sizeof b, "node %d", node), b));
    out_text(o, " %11s\n", "total");
    for (int i = 0; i < n; i++) {
        struct rashm_placement *p = rashm_query(segs[i].shmid);
        if (!p || !p->counts_valid) {
            /* not readable by this user: left out, and said so */
            skipped++;
            rashm_placement_free(p);
            continue;
        }
        memset(row, 0, RASHM_MAX_NODES * sizeof *row);
        uint64_t sum = 0;
        for (int r = 0; r < p->nranges; r++)
            for (int k = 0; k < p->node_slots && k < RASHM_MAX_NODES; k++) {
                uint64_t bytes = p->ranges[r].node_pages ? p->ranges[r].node_pages[k] * p->page_size : 0;
                row[k] += bytes;
                tot[k] += bytes;
                sum += bytes;
            }
        out_obj(o, NULL);
        out_int(o, "shmid", segs[i].shmid);
        snprintf(b, sizeof b, "0x%08x", (unsigned)segs[i].key);
        out_str(o, "key", b);
        out_text(o, "%-10d %-10s", segs[i].shmid, b);
        out_arr(o, "node_bytes");
        for (int node = rashm_nodeset_next(&all, -1); node >= 0; node = rashm_nodeset_next(&all, node)) {
            out_obj(o, NULL);
            out_int(o, "node", node);
            out_uint(o, "bytes", row[node]);
            out_end_obj(o);
            if (human)
                fmt_bytes(row[node], b, sizeof b);
            else
                snprintf(b, sizeof b, "%" PRIu64, row[node]);
            out_text(o, " %11s", b);
        }
        out_end_arr(o);
        out_uint(o, "bytes", sum);
        out_end_obj(o);
        if (human)
            fmt_bytes(sum, b, sizeof b);
        else
            snprintf(b, sizeof b, "%" PRIu64, sum);
        out_text(o, " %11s\n", b);
        rashm_placement_free(p);
    }
    out_end_arr(o);
    out_arr(o, "totals");
    out_text(o, "%-21s", "total");
    uint64_t sum = 0;
    for (int node = rashm_nodeset_next(&all, -1); node >= 0; node = rashm_nodeset_next(&all, node)) {
        out_obj(o, NULL);
        out_int(o, "node", node);
        out_uint(o, "bytes", tot[node]);
        out_end_obj(o);
        sum += tot[node];
        if (human)
            fmt_bytes(tot[node], b, sizeof b);
        else
            snprintf(b, sizeof b, "%" PRIu64, tot[node]);
        out_text(o, " %11s", b);
    }
    out_end_arr(o);
    out_uint(o, "bytes", sum);
    out_int(o, "unreadable", skipped);
    out_end_obj(o);
    if (human)
        fmt_bytes(sum, b, sizeof b);
    else
        snprintf(b, sizeof b, "%" PRIu64, sum);
    out_text(o, " %11s\n", b);
    if (skipped)
        out_text(o, "(%d segment%s this user may not read left out)\n", skipped, skipped == 1 ? "" : "s");
    free(tot);
    free(row);
    return 0;
}

int cmd_ls(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },  { "human", no_argument, NULL, 'h' },
        { "output", required_argument, NULL, 'o' }, { "sort", required_argument, NULL, 's' },
        { "nodes", no_argument, NULL, 'n' }, { "wide", no_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'H' },  { 0, 0, 0, 0 }
    };
    bool json = false, human = false, nodes = false, wide = false;
    const char *cols = NULL;
    int c;
    sort_by = 0;
    sort_dir = 1;
    while ((c = cli_getopt(argc, argv, "jho:s:nw", opts)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': human = true; break;
        case 'n': nodes = true; break;
        case 'w': wide = true; break;
        case 'o': cols = optarg; break;
        case 's': {
            const char *k = optarg;
            if (*k == '-') {
                sort_dir = -1;
                k++;
            }
            int n = (int)(sizeof sort_keys / sizeof *sort_keys), found = -1;
            for (int i = 0; i < n; i++)
                if (!strcmp(k, sort_keys[i]))
                    found = i;
            if (found < 0) {
                const char *s = cli_suggest(k, sort_keys, n);
                return s ? usage_error("--sort: no column '%s'; did you mean '%s'?", k, s)
                         : usage_error("--sort: no column '%s' (shmid, key, owner, size, nattch, rss, cpid, lpid)", k);
            }
            sort_by = found;
            break;
        }
        case 'H': fputs(usage_ls, stdout); return 0;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    struct table t;
    if (tab_init(&t, ls_cols, NCOLS, cols, LS_DEFAULT))
        return EXIT_USAGE;
    if (wide)
        t.width = 0;
    struct rashm_seg_info *segs = NULL;
    int n = rashm_list(&segs);
    if (n < 0) {
        cli_err("cannot list segments: %s", rashm_strerror(errno));
        tab_free(&t);
        return EXIT_RUNTIME;
    }
    qsort(segs, (size_t)n, sizeof *segs, cmp_seg);
    struct out o;
    out_init(&o, json);
    int rc = 0;
    if (nodes) {
        rc = per_node(&o, segs, n, human);
    } else {
        struct modes m;
        read_modes(&m);
        out_arr(&o, NULL);
        for (int i = 0; i < n; i++)
            one(&o, &t, &segs[i], mode_of(&m, segs[i].shmid), human);
        out_end_arr(&o);
        tab_print(&o, &t, "");
        free(m.id);
        free(m.mode);
    }
    tab_free(&t);
    free(segs);
    return rc ? rc : out_finish(&o);
}
