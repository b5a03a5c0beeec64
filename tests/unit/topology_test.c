/* SDL construction on fake topologies: SDL 0 is always the machine with one
 * RAD, and no SDL is made of CPU-less objects.
 *
 * argv[1]: topo_qemu_4node_memonly.xml, what hwloc 2.9 reports inside the
 * 4-node QEMU guest of tests/numa with one memory-only node
 * (numa-vm.sh -z 1 4 lstopo-no-graphics --of xml; DMI, PCI and support
 * lines removed). hwloc hangs the CPU-less node 3 under a Group with an
 * empty cpuset, at a depth of its own; that level once became "SDL 0,
 * group, 0 RADs" ahead of the machine, so rs_numrads(RS_ALL, 0, 0) was 0. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/rset.h>
#include <unistd.h>

#include <rashm.h>

#include "check.h"
#include "topos.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

/* What every topology must give, whatever its shape. */
static void check_sdl_invariants(const rashm_topo_t *t, const char *what)
{
    int nsdl = rashm_topo_nsdl(t);
    int before = check_failures;
    CHECK(nsdl >= 2);
    CHECK_EQ(rashm_topo_sdl_kind(t, 0), RASHM_SDL_MACHINE);
    CHECK_EQ(rashm_topo_sdl_of(t, RASHM_SDL_MACHINE), 0);
    CHECK_EQ(rashm_topo_nrads(t, 0), 1);
    rashm_cpuset_t all, c;
    rashm_nodeset_t allnodes, n;
    rashm_topo_all_cpus(t, &all);
    rashm_topo_all_nodes(t, &allnodes);
    CHECK_EQ(rashm_topo_rad(t, 0, 0, &c, &n), 0);
    CHECK(memcmp(&c, &all, sizeof c) == 0);       /* the machine: every CPU */
    CHECK(memcmp(&n, &allnodes, sizeof n) == 0);  /* and every node, memory-only ones too */
    int prev = 1;
    for (int s = 0; s < nsdl; s++) {
        int r = rashm_topo_nrads(t, s);
        CHECK(r >= 1);                /* no SDL without RADs */
        CHECK(r >= prev);             /* every SDL refines the one before it */
        prev = r;
        for (int i = 0; i < r; i++) {
            CHECK_EQ(rashm_topo_rad(t, s, i, &c, NULL), 0);
            CHECK(rashm_cpuset_count(&c) > 0);   /* no RAD without CPUs */
        }
    }
    CHECK_EQ(rashm_topo_sdl_kind(t, nsdl - 1), RASHM_SDL_PU);
    CHECK_EQ(rashm_topo_nrads(t, nsdl - 1), rashm_cpuset_count(&all));
    CHECK(rashm_topo_sdl_of(t, RASHM_SDL_NUMA) > 0);
    if (check_failures != before)
        fprintf(stderr, "  (in topology %s)\n", what);
}

static void qemu_memonly_native(const char *xml, size_t len)
{
    rashm_topo_t *t = rashm_topo_load_xml(xml, len);
    CHECK(t != NULL);
    if (!t)
        return;
    check_sdl_invariants(t, "qemu 4 nodes, node 3 memory-only");
    /* machine, numa, core, pu: the packages and the memory Group are gone
     * (packages are the NUMA level here, the Group has no CPUs) */
    CHECK_EQ(rashm_topo_nsdl(t), 4);
    CHECK_EQ(rashm_topo_sdl_kind(t, 1), RASHM_SDL_NUMA);
    CHECK_EQ(rashm_topo_nrads(t, 1), 3);
    CHECK_EQ(rashm_topo_sdl_kind(t, 2), RASHM_SDL_CORE);
    CHECK_EQ(rashm_topo_sdl_kind(t, 3), RASHM_SDL_PU);
    CHECK_EQ(rashm_topo_sdl_of(t, RASHM_SDL_GROUP), -1);
    CHECK_EQ(rashm_topo_nnodes(t), 4);
    CHECK_EQ(rashm_topo_nsrads(t), 3);
    errno = 0;
    CHECK_EQ(rashm_topo_node_srad(t, 3), -1);   /* memory-only: no SRAD */
    CHECK_EQ(errno, ENODEV);
    rashm_nodeset_t n;
    for (int s = 0; s < 3; s++) {
        CHECK_EQ(rashm_topo_srad_node(t, s), s);
        CHECK_EQ(rashm_topo_rad(t, 1, s, NULL, &n), 0);
        CHECK(rashm_nodeset_isset(&n, s));
        CHECK(!rashm_nodeset_isset(&n, 3));
    }
    rashm_topo_free(t);
}

static uint64_t cpus_of(rsethandle_t r)
{
    uint64_t m = 0;
    for (int c = 0; c < 64; c++)
        if (rs_op(RS_TESTRESOURCE, r, NULL, R_PROCS, (uint_t)c) == 1)
            m |= 1ull << c;
    return m;
}

static uint64_t mems_of(rsethandle_t r)
{
    uint64_t m = 0;
    for (int n = 0; n < 64; n++)
        if (rs_op(RS_TESTRESOURCE, r, NULL, R_MEMPS, (uint_t)n) == 1)
            m |= 1ull << n;
    return m;
}

/* The AIX face on the same topology: what host.aix.rset asks in the guest. */
static void qemu_memonly_aix(const char *path)
{
    unsetenv("RASHM_TOPOLOGY_SYNTHETIC");
    setenv("RASHM_TOPOLOGY_XML", path, 1);
    rsethandle_t all = rs_alloc(RS_ALL), rad = rs_alloc(RS_EMPTY);
    CHECK(all && rad);
    if (!all || !rad)
        goto out;
    CHECK_EQ(rs_numrads(all, 0, 0), 1);
    CHECK_EQ(rs_getinfo(NULL, R_MAXSDL, 0), 3);
    CHECK_EQ(rs_getinfo(NULL, R_MCMSDL, 0), 1);
    CHECK_EQ(rs_getinfo(NULL, R_SRADSDL, 0), 1);
    CHECK_EQ(rs_getinfo(NULL, R_PCORESDL, 0), 2);
    CHECK_EQ(rs_getinfo(NULL, R_SMPSDL, 0), 1);      /* packages = the NUMA level here */
    CHECK_EQ(rs_numrads(all, 1, 0), 3);
    CHECK_EQ(rs_numrads(all, 3, 0), 3);
    CHECK_EQ(rs_getrad(all, rad, 0, 0, 0), 0);      /* the machine */
    CHECK_EQ(cpus_of(rad), 0x7);
    CHECK_EQ(mems_of(rad), 0xf);
    CHECK_ERRNO(rs_getrad(all, rad, 0, 1, 0), -1, EINVAL);
    for (uint_t i = 0; i < 3; i++) {
        CHECK_EQ(rs_getrad(all, rad, 1, i, 0), 0);
        CHECK_EQ(cpus_of(rad), 1ull << i);
        CHECK_EQ(mems_of(rad), 1ull << i);
    }
    CHECK_EQ(mems_of(all), 0xf);
out:
    rs_free(rad);
    rs_free(all);
    unsetenv("RASHM_TOPOLOGY_XML");
}

/* The invariants on every other fake topology of the unit tests. */
static void others(void)
{
    const char *syn[] = {TOPO_PACK2, TOPO_NUMA4, TOPO_SPARSE, "numa:2 pu:2", "pack:2 core:2 pu:2",
                         "pack:2 group:2 numa:1 l2:2 core:2 pu:2"};
    for (size_t i = 0; i < sizeof syn / sizeof *syn; i++) {
        rashm_topo_t *t = rashm_topo_load_synthetic(syn[i]);
        CHECK(t != NULL);
        if (t)
            check_sdl_invariants(t, syn[i]);
        rashm_topo_free(t);
    }
    const char *xml[] = {TOPO_XML_MEMONLY, TOPO_XML_MEMONLY_PART0};
    for (size_t i = 0; i < sizeof xml / sizeof *xml; i++) {
        rashm_topo_t *t = rashm_topo_load_xml(xml[i], 0);
        CHECK(t != NULL);
        if (t) {
            check_sdl_invariants(t, "TOPO_XML_MEMONLY");
            CHECK_EQ(rashm_topo_nsrads(t), 2);
        }
        rashm_topo_free(t);
    }
}

int main(int argc, char **argv)
{
    check_begin();
    if (argc < 2) {
        fprintf(stderr, "usage: %s topo_qemu_4node_memonly.xml\n", argv[0]);
        return 2;
    }
    size_t len = 0;
    char *xml = read_file(argv[1], &len);
    CHECK(xml != NULL);
    if (xml)
        qemu_memonly_native(xml, len);
    free(xml);
    qemu_memonly_aix(argv[1]);
    others();
    return check_end();
}
