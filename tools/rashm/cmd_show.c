/* rashm show: per range of one segment, the policy asked for and the one in
 * force, and where its resident pages are (a bar per node). */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>

const char usage_show[] =
    "usage: rashm show ID [--json] [--width N]\n"
    "\n"
    "For each range of segment ID: offset, length, the policy asked for and the\n"
    "one in force, its nodes, and per node a bar and the count of resident pages.\n"
    "--width sets the bar width (default 40).\n";

static void show(struct out *o, const struct rashm_placement *p, int width)
{
    char b1[32], b2[32], b3[32], nb[256], bar[512];
    uint64_t resident = 0, pages = 0;
    for (int r = 0; r < p->nranges; r++) {
        resident += p->ranges[r].resident;
        pages += p->ranges[r].pages;
    }
    out_obj(o, NULL);
    out_int(o, "shmid", p->shmid);
    out_uint(o, "size", p->size);
    out_uint(o, "page_size", p->page_size);
    out_bool(o, "hugetlb", p->hugetlb != 0);
    out_bool(o, "registered", p->registered != 0);
    out_bool(o, "counts_valid", p->counts_valid != 0);
    fmt_bytes(p->size, b1, sizeof b1);
    fmt_bytes(p->page_size, b2, sizeof b2);
    fmt_bytes(resident * p->page_size, b3, sizeof b3);
    if (p->counts_valid)
        out_text(o, "shmid %d: %s in %s pages%s, %" PRIu64 " of %" PRIu64 " pages resident%s%s%s%s\n", p->shmid,
                 b1, b2, p->hugetlb ? " (hugetlb)" : "", resident, pages, resident ? " (" : "", resident ? b3 : "",
                 resident ? ")" : "", p->registered ? "" : "; not placed by rashm");
    else
        /* rashm_query could not read residency here (see docs/aix.md): say
         * so rather than draw empty bars */
        out_text(o, "shmid %d: %s in %s pages%s, %" PRIu64 " pages; resident pages unknown to this user%s\n",
                 p->shmid, b1, b2, p->hugetlb ? " (hugetlb)" : "", pages, p->registered ? "" : "; not placed by rashm");
    out_arr(o, "ranges");
    for (int r = 0; r < p->nranges; r++) {
        const struct rashm_range_placement *rp = &p->ranges[r];
        out_obj(o, NULL);
        out_uint(o, "offset", rp->offset);
        out_uint(o, "length", rp->length);
        out_str(o, "policy", rp->policy >= 0 ? policy_name(rp->policy) : NULL);
        out_str(o, "origin", origin_name(rp->origin));
        if (rp->origin == RASHM_ORIGIN_SRAD)
            out_int(o, "srad", rp->srad);
        if (rp->origin == RASHM_ORIGIN_CPUS)
            out_cpus(o, "cpus", &rp->cpus);
        out_nodes(o, "nodes", &rp->nodes);
        out_str(o, "mode", mpol_name(rp->mode));
        out_nodes(o, "mode_nodes", &rp->mode_nodes);
        out_bool(o, "mode_from_kernel", rp->mode_from_kernel != 0);
        out_uint(o, "pages", rp->pages);

        fmt_bytes(rp->offset, b1, sizeof b1);
        fmt_bytes(rp->length, b2, sizeof b2);
        out_text(o, "\nrange %d: offset %s, length %s, %" PRIu64 " page%s\n", r, b1, b2, rp->pages,
                 rp->pages == 1 ? "" : "s");
        rashm_nodeset_format(&rp->nodes, nb, sizeof nb);
        out_text(o, "  policy %s", policy_name(rp->policy));
        if (rp->origin == RASHM_ORIGIN_SRAD) {
            out_text(o, " on SRAD %d (node %s)", rp->srad, nb);
        } else if (rp->origin == RASHM_ORIGIN_CPUS) {
            char cb[256];
            rashm_cpuset_format(&rp->cpus, cb, sizeof cb);
            out_text(o, " on rset cpus %s (nodes %s)", cb, nb);
        } else if (rp->origin == RASHM_ORIGIN_GAP) {
            out_text(o, " (not covered by a range; nodes %s)", nb[0] ? nb : "all");
        } else {
            out_text(o, " on nodes %s", nb[0] ? nb : "all");
        }
        rashm_nodeset_format(&rp->mode_nodes, nb, sizeof nb);
        /* on a line of its own: with an rset the two do not fit in 80 columns */
        out_text(o, "\n  in force: %s%s%s (%s)\n", mpol_name(rp->mode), nb[0] ? " " : "", nb,
                 rp->mode_from_kernel ? "read from the kernel" : "from the registry");
        if (!p->counts_valid) {        /* unknown, not zero */
            out_null(o, "resident");
            out_null(o, "node_pages");
            out_end_obj(o);
            continue;
        }
        out_uint(o, "resident", rp->resident);
        out_arr(o, "node_pages");
        /* every node of the range and every node holding pages */
        for (int n = 0; n < p->node_slots; n++) {
            uint64_t np = rp->node_pages ? rp->node_pages[n] : 0;
            if (!np && !rashm_nodeset_isset(&rp->nodes, n))
                continue;
            out_obj(o, NULL);
            out_int(o, "node", n);
            out_uint(o, "pages", np);
            out_end_obj(o);
            fmt_bar(np, rp->pages, width, bar, sizeof bar);
            out_text(o, "  node %-3d [%s] %" PRIu64 " page%s (%.1f%%)\n", n, bar, np, np == 1 ? "" : "s",
                     rp->pages ? 100.0 * (double)np / (double)rp->pages : 0.0);
        }
        out_end_arr(o);
        if (rp->resident < rp->pages)
            out_text(o, "  not resident: %" PRIu64 " page%s\n", rp->pages - rp->resident,
                     rp->pages - rp->resident == 1 ? "" : "s");
        out_end_obj(o);
    }
    out_end_arr(o);
    out_end_obj(o);
}

int cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' }, { "width", required_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 }
    };
    bool json = false;
    int c, width = 40, id;
    while ((c = cli_getopt(argc, argv, "jw:h", opts)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'w':
            if (parse_int(optarg, "--width", &width))
                return EXIT_USAGE;
            if (width < 1 || width > 200)
                return usage_error("--width: %d is not between 1 and 200", width);
            break;
        case 'h': fputs(usage_show, stdout); return 0;
        default: return EXIT_USAGE;
        }
    }
    if (argc - optind != 1)
        return usage_error(argc == optind ? "which segment? give its shmid" : "one shmid at a time ('%s' is extra)",
                           argv[argc - 1]);
    if (parse_shmid(argv[optind], &id))
        return EXIT_USAGE;
    struct rashm_placement *p = rashm_query(id);
    if (!p) {
        int e = errno;
        if (e == EINVAL || e == EIDRM)
            cli_err("no segment with shmid %d", id);
        else
            cli_err("shmid %d: %s", id, rashm_strerror(e));
        return EXIT_RUNTIME;
    }
    struct out o;
    out_init(&o, json);
    show(&o, p, width);
    rashm_placement_free(p);
    return out_finish(&o);
}
