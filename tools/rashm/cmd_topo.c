/* rashm topo: the machine as rashm sees it (SDLs, SRADs, memory-only nodes,
 * free memory and huge pages, this process's partition, RASHM_* values),
 * or with --distances the NUMA distance matrix. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char usage_topo[] =
    "usage: rashm topo [--json] [--distances]\n"
    "\n"
    "Shows the system detail levels (SDLs) with their number of RADs, the SRADs\n"
    "(NUMA nodes with CPUs: sradid, Linux node, CPUs), the memory-only nodes,\n"
    "free memory and free huge pages per node, this process's partition, and the\n"
    "effective value of every RASHM_* environment variable.\n"
    "\n"
    "  -d, --distances   only the node distance matrix (the firmware's SLIT as\n"
    "                    the kernel reports it; 10 = local), like numactl -H\n";

/* The kernel's distance line of node `from`: one figure per online node, in
 * increasing node number (drivers/base/node.c). */
static int node_distances(int from, const rashm_nodeset_t *online, int *row, int max)
{
    char path[96], buf[4096];
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/distance", from);
    int rc = read_text(path, buf, sizeof buf);
    if (rc)
        return rc;
    char *p = buf;
    int n = 0;
    for (int node = rashm_nodeset_next(online, -1); node >= 0 && n < max;
         node = rashm_nodeset_next(online, node)) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0)
            return -EIO;
        row[n++] = (int)v;
        p = end;
    }
    return n;
}

static int distances(struct out *o, const rashm_topo_t *t)
{
    char buf[4096];
    rashm_nodeset_t online;
    if (!rashm_topo_is_this_system(t)) {
        cli_err("--distances: the topology is a test topology (RASHM_TOPOLOGY_*); distances are the "
                "running kernel's");
        return EXIT_RUNTIME;
    }
    if (read_text("/sys/devices/system/node/online", buf, sizeof buf) || rashm_nodeset_parse(buf, &online)) {
        cli_err("--distances: cannot read /sys/devices/system/node/online");
        return EXIT_RUNTIME;
    }
    int n = rashm_nodeset_count(&online);
    int *m = calloc((size_t)n * (size_t)n + 1, sizeof *m);
    if (!m) {
        cli_err("out of memory");
        return EXIT_RUNTIME;
    }
    int i = 0;
    for (int node = rashm_nodeset_next(&online, -1); node >= 0; node = rashm_nodeset_next(&online, node), i++) {
        int rc = node_distances(node, &online, m + (size_t)i * (size_t)n, n);
        if (rc != n) {
            cli_err("--distances: cannot read the distances of node %d: %s", node,
                    rc < 0 ? strerror(-rc) : "too few figures");
            free(m);
            return EXIT_RUNTIME;
        }
    }
    out_obj(o, "distances");
    out_nodes(o, "nodes", &online);
    out_arr(o, "matrix");
    out_text(o, "node distances:\nnode");
    for (int node = rashm_nodeset_next(&online, -1); node >= 0; node = rashm_nodeset_next(&online, node))
        out_text(o, " %4d", node);
    out_text(o, "\n");
    i = 0;
    for (int node = rashm_nodeset_next(&online, -1); node >= 0; node = rashm_nodeset_next(&online, node), i++) {
        out_arr(o, NULL);
        out_text(o, "%4d", node);
        for (int j = 0; j < n; j++) {
            out_int(o, NULL, m[(size_t)i * (size_t)n + (size_t)j]);
            out_text(o, " %4d", m[(size_t)i * (size_t)n + (size_t)j]);
        }
        out_text(o, "\n");
        out_end_arr(o);
    }
    out_end_arr(o);
    out_end_obj(o);
    free(m);
    return 0;
}

static const struct tab_col node_cols[] = {
    { "sradid", "sradid", true }, { "node", "node", true }, { "cpus", "cpus", false },
    { "total", "mem total", false }, { "free", "mem free", false }, { "huge", "huge free/total", false },
    { "note", "", false },
};

/* The SRADs (srads true) or the memory-only nodes. */
static void nodes(struct out *o, const rashm_topo_t *t, bool srads)
{
    struct table tab;
    char buf[256], b1[32], b2[32], b3[32];
    tab_init(&tab, node_cols, 7, srads ? "sradid,node,cpus,total,free,huge,note" : "node,total,free,huge", NULL);
    for (int i = 0; i < rashm_topo_nnodes(t); i++) {
        struct rashm_node_info ni;
        struct rashm_node_mem nm;
        if (rashm_topo_node(t, i, &ni) != 0 || (ni.sradid >= 0) != srads)
            continue;
        tab_row(&tab);
        out_obj(o, NULL);
        out_int(o, "node", ni.node);
        tab_cell(&tab, "node", "%d", ni.node);
        if (ni.sradid >= 0)
            out_cell_int(o, &tab, "sradid", ni.sradid);
        else
            out_null(o, "sradid");
        out_bool(o, "memory_only", ni.sradid < 0);
        out_bool(o, "allowed", ni.allowed != 0);
        out_cpus(o, "cpus", &ni.cpus);
        rashm_cpuset_format(&ni.cpus, buf, sizeof buf);
        tab_cell(&tab, "cpus", "%s", buf);
        if (!ni.allowed)
            tab_cell(&tab, "note", "(not allowed)");
        if (rashm_node_mem(ni.node, &nm) == 0) {
            out_uint(o, "mem_total", nm.mem_total);
            out_uint(o, "mem_free", nm.mem_free);
            out_uint(o, "huge_page_size", nm.huge_page_size);
            out_uint(o, "huge_total", nm.huge_total);
            out_uint(o, "huge_free", nm.huge_free);
            fmt_bytes(nm.mem_total, b1, sizeof b1);
            fmt_bytes(nm.mem_free, b2, sizeof b2);
            fmt_bytes(nm.huge_page_size, b3, sizeof b3);
            tab_cell(&tab, "total", "%s", b1);
            tab_cell(&tab, "free", "%s", b2);
            tab_cell(&tab, "huge", "%" PRIu64 "/%" PRIu64 " x %s", nm.huge_free, nm.huge_total, b3);
        } else {
            out_uint(o, "mem_total", ni.mem_total);
            out_null(o, "mem_free");
            fmt_bytes(ni.mem_total, b1, sizeof b1);
            tab_cell(&tab, "total", "%s", b1);
            tab_cell(&tab, "free", "?");
        }
        out_end_obj(o);
    }
    if (srads || tab.nrows)
        tab_print(o, &tab, "  ");
    else
        out_text(o, "  none\n");
    tab_free(&tab);
}

int cmd_topo(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' }, { "distances", no_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 }
    };
    bool json = false, dist = false;
    int c;
    while ((c = cli_getopt(argc, argv, "jdh", opts)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'd': dist = true; break;
        case 'h': fputs(usage_topo, stdout); return 0;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);

    const rashm_topo_t *t = topo_or_die();
    if (!t)
        return EXIT_RUNTIME;
    struct out o;
    out_init(&o, json);
    if (dist) {
        out_obj(&o, NULL);
        int rc = distances(&o, t);
        out_end_obj(&o);
        return rc ? rc : out_finish(&o);
    }
    int nsdl = rashm_topo_nsdl(t), nnodes = rashm_topo_nnodes(t), nsrads = rashm_topo_nsrads(t);
    rashm_cpuset_t pcpus, allcpus;
    rashm_nodeset_t pnodes;
    char buf[256];
    rashm_topo_all_cpus(t, &allcpus);
    if (rashm_topo_partition(t, &pcpus, &pnodes) != 0) {
        cli_err("cannot read this process's partition: %s", rashm_strerror(errno));
        return EXIT_RUNTIME;
    }
    out_obj(&o, NULL);
    out_int(&o, "cpus", rashm_cpuset_count(&allcpus));
    out_int(&o, "nodes", nnodes);
    out_int(&o, "srads", nsrads);
    out_bool(&o, "numa_available", rashm_numa_available() != 0);
    out_bool(&o, "enhanced_affinity", rashm_config_enhanced_affinity() != 0);
    int nmemonly = nnodes - nsrads;
    out_text(&o, "machine: %d CPUs, %d NUMA node%s (%d SRAD%s, %d memory-only)%s\n", rashm_cpuset_count(&allcpus),
             nnodes, nnodes == 1 ? "" : "s", nsrads, nsrads == 1 ? "" : "s", nmemonly,
             rashm_numa_available() ? "" : "; NUMA system calls unavailable");

    out_arr(&o, "sdls");
    out_text(&o, "\nsystem detail levels:\n  SDL  level     RADs\n");
    for (int s = 0; s < nsdl; s++) {
        int kind = rashm_topo_sdl_kind(t, s);
        const char *alias = kind == RASHM_SDL_NUMA ? "  (R_MCMSDL = R_SRADSDL)"
                            : kind == RASHM_SDL_L2 ? "  (R_L2CSDL)"
                            : kind == RASHM_SDL_CORE ? "  (R_PCORESDL)"
                            : kind == RASHM_SDL_PU ? "  (R_MAXSDL)" : "";
        out_obj(&o, NULL);
        out_int(&o, "sdl", s);
        out_str(&o, "kind", rashm_sdl_kind_name(kind));
        out_int(&o, "rads", rashm_topo_nrads(t, s));
        out_end_obj(&o);
        out_text(&o, "  %3d  %-8s %5d%s\n", s, rashm_sdl_kind_name(kind), rashm_topo_nrads(t, s), alias);
    }
    out_end_arr(&o);

    out_arr(&o, "numa_nodes");
    out_text(&o, "\nSRADs%s:\n", rashm_config_enhanced_affinity() ? "" : " (enhanced affinity off: RASHM_ENHANCED_AFFINITY=0)");
    nodes(&o, t, true);
    out_text(&o, "\nmemory-only nodes:\n");
    nodes(&o, t, false);
    out_end_arr(&o);

    out_obj(&o, "partition");
    out_cpus(&o, "cpus", &pcpus);
    out_nodes(&o, "nodes", &pnodes);
    out_end_obj(&o);
    rashm_cpuset_format(&pcpus, buf, sizeof buf);
    out_text(&o, "\npartition (this process): cpus %s", buf);
    rashm_nodeset_format(&pnodes, buf, sizeof buf);
    out_text(&o, ", nodes %s\n\n", buf);
    out_config(&o);
    out_end_obj(&o);
    return out_finish(&o);
}
