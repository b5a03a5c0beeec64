/* rs_* on fake topologies: SDL/RAD enumeration the AIX way, rset algebra,
 * partition. The topology comes from RASHM_TOPOLOGY_SYNTHETIC/_XML, which
 * librashm re-reads on each call. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/rset.h>
#include <unistd.h>

#include "check.h"
#include "topos.h"

/* R_SRADSDL is an rs_getinfo query, not an SDL: the AIX idiom asks for
 * the SDL number first */
static uint_t srad_sdl(void)
{
    return (uint_t)rs_getinfo(NULL, R_SRADSDL, 0);
}

static void use_synthetic(const char *s)
{
    unsetenv("RASHM_TOPOLOGY_XML");
    setenv("RASHM_TOPOLOGY_SYNTHETIC", s, 1);
}

/* CPUs of an rset as a bitmask (CPUs < 64). */
static uint64_t cpus_of(rsethandle_t r)
{
    uint64_t m = 0;
    int max = rs_getinfo(NULL, R_MAXPROCS, 0);
    for (int c = 0; c < max && c < 64; c++)
        if (rs_op(RS_TESTRESOURCE, r, NULL, R_PROCS, (uint_t)c) == 1)
            m |= 1ull << c;
    return m;
}

static uint64_t mems_of(rsethandle_t r)
{
    uint64_t m = 0;
    int max = rs_getinfo(NULL, R_MAXMEMPS, 0);
    for (int n = 0; n < max && n < 64; n++)
        if (rs_op(RS_TESTRESOURCE, r, NULL, R_MEMPS, (uint_t)n) == 1)
            m |= 1ull << n;
    return m;
}

static void enumeration_pack2(void)
{
    use_synthetic(TOPO_PACK2);
    rsethandle_t all = rs_alloc(RS_ALL), rad = rs_alloc(RS_EMPTY);
    CHECK(all && rad);
    CHECK_EQ(rs_getinfo(NULL, R_MAXSDL, 0), 4);
    CHECK_EQ(rs_getinfo(NULL, R_MCMSDL, 0), 2);
    CHECK_EQ(rs_getinfo(NULL, R_SRADSDL, 0), 2);
    CHECK_EQ(rs_getinfo(NULL, R_SMPSDL, 0), 1);
    CHECK_EQ(rs_getinfo(NULL, R_PCORESDL, 0), 3);
    /* no L2 level in this topology: the nearest real level, the cores */
    CHECK_EQ(rs_getinfo(NULL, R_L2CSDL, 0), 3);
    CHECK_EQ(rs_getinfo(NULL, R_MAXPROCS, 0), 8);
    CHECK_EQ(rs_getinfo(NULL, R_MAXMEMPS, 0), 4);
    CHECK_EQ(rs_getinfo(NULL, R_SHMATTCAP, 0), 1);
    CHECK_EQ(rs_getinfo(all, R_NUMPROCS, 0), 8);
    CHECK_EQ(rs_getinfo(all, R_NUMMEMPS, 0), 4);
    CHECK_EQ(rs_getinfo(all, R_MEMSIZE, 0), 4096);  /* 4 x 1 GiB in MB */
    CHECK_ERRNO(rs_getinfo(NULL, R_NUMPROCS, 0), -1, EINVAL);
    CHECK_ERRNO(rs_getinfo(all, 99, 0), -1, EINVAL);
    CHECK_ERRNO(rs_getinfo(all, R_NUMPROCS, 1), -1, EINVAL);
    int want[] = {1, 2, 4, 8, 8};
    for (uint_t s = 0; s <= 4; s++)
        CHECK_EQ(rs_numrads(all, s, 0), want[s]);
    CHECK_ERRNO(rs_numrads(all, 5, 0), -1, EINVAL);
    CHECK_ERRNO(rs_numrads(all, 0, 1), -1, EINVAL);
    CHECK_ERRNO(rs_numrads(NULL, 0, 0), -1, EINVAL);
    /* the AIX idiom: every RAD at the SRAD level, its CPUs and memory */
    for (uint_t i = 0; i < 4; i++) {
        CHECK_EQ(rs_getrad(all, rad, srad_sdl(), i, 0), 0);
        CHECK_EQ(cpus_of(rad), 3ull << (2 * i));
        CHECK_EQ(mems_of(rad), 1ull << i);
        CHECK_EQ(rs_getinfo(rad, R_NUMPROCS, 0), 2);
    }
    CHECK_ERRNO(rs_getrad(all, rad, srad_sdl(), 4, 0), -1, EINVAL);
    CHECK_ERRNO(rs_getrad(all, rad, 9, 0, 0), -1, EINVAL);
    CHECK_ERRNO(rs_getrad(all, NULL, 1, 0, 0), -1, EINVAL);
    CHECK_EQ(rs_getrad(all, rad, 1, 1, 0), 0);   /* package 1 */
    CHECK_EQ(cpus_of(rad), 0xf0);
    CHECK_EQ(mems_of(rad), 0xc);
    /* RADs counted within a smaller set: CPUs 1 and 2 span two SRADs */
    rsethandle_t s = rs_alloc(RS_EMPTY);
    rs_op(RS_ADDRESOURCE, s, NULL, R_PROCS, 1);
    rs_op(RS_ADDRESOURCE, s, NULL, R_PROCS, 2);
    CHECK_EQ(rs_numrads(s, srad_sdl(), 0), 2);
    CHECK_EQ(rs_numrads(s, 1, 0), 1);
    CHECK_EQ(rs_getrad(s, rad, srad_sdl(), 1, 0), 0);
    CHECK_EQ(cpus_of(rad), 0x4);                  /* RAD ∩ set */
    CHECK_EQ(mems_of(rad), 0);                    /* the set has no memory */
    rs_free(s);
    rs_free(rad);
    rs_free(all);
}

static void enumeration_others(void)
{
    use_synthetic(TOPO_NUMA4);
    rsethandle_t all = rs_alloc(RS_SYSTEM), rad = rs_alloc(RS_EMPTY);
    CHECK_EQ(rs_getinfo(NULL, R_MAXSDL, 0), 3);
    CHECK_EQ(rs_getinfo(NULL, R_MCMSDL, 0), 1);
    /* no package level: the first SDL under the machine, never 0 */
    CHECK_EQ(rs_getinfo(NULL, R_SMPSDL, 0), 1);
    CHECK_EQ(rs_numrads(all, (uint_t)rs_getinfo(NULL, R_MAXSDL, 0), 0), 16);
    CHECK_EQ(rs_getrad(all, rad, srad_sdl(), 2, 0), 0);
    CHECK_EQ(cpus_of(rad), 0xf00);
    rs_free(rad);
    rs_free(all);

    use_synthetic(TOPO_SPARSE);
    all = rs_alloc(RS_ALL);
    rad = rs_alloc(RS_EMPTY);
    CHECK_EQ(rs_getinfo(NULL, R_MAXMEMPS, 0), 9);
    CHECK_EQ(rs_getinfo(all, R_NUMMEMPS, 0), 4);
    CHECK_EQ(rs_numrads(all, srad_sdl(), 0), 4);
    CHECK_EQ(rs_getrad(all, rad, srad_sdl(), 3, 0), 0);
    CHECK_EQ(mems_of(rad), 1ull << 8);          /* SRAD 3 is node 8 */
    rs_free(rad);
    rs_free(all);

    char path[128];
    CHECK_EQ(write_tmp_xml(TOPO_XML_MEMONLY, "memonly", path, sizeof path), 0);
    unsetenv("RASHM_TOPOLOGY_SYNTHETIC");
    setenv("RASHM_TOPOLOGY_XML", path, 1);
    all = rs_alloc(RS_ALL);
    CHECK(all != NULL);
    CHECK_EQ(mems_of(all), 0x7);               /* memory-only node 2 is a memory pool */
    CHECK_EQ(rs_numrads(all, srad_sdl(), 0), 2); /* but not an SRAD */
    CHECK_EQ(rs_getinfo(all, R_MEMSIZE, 0), 6144);
    rs_free(all);
    unlink(path);
    unsetenv("RASHM_TOPOLOGY_XML");
}

static void algebra(void)
{
    use_synthetic(TOPO_PACK2);
    rsethandle_t a = rs_alloc(RS_EMPTY), b = rs_alloc(RS_EMPTY), c = rs_alloc(RS_EMPTY);
    CHECK_EQ(rs_op(RS_ISEMPTY, a, NULL, 0, 0), 1);
    for (uint_t i = 0; i < 4; i++)
        CHECK_EQ(rs_op(RS_ADDRESOURCE, a, NULL, R_PROCS, i), 0);   /* a = cpus 0-3 */
    CHECK_EQ(rs_op(RS_ADDRESOURCE, a, NULL, R_MEMPS, 1), 0);     /* + node 1 */
    for (uint_t i = 2; i < 6; i++)
        rs_op(RS_ADDRESOURCE, b, NULL, R_PROCS, i);               /* b = cpus 2-5 */
    CHECK_EQ(rs_op(RS_ISEMPTY, a, NULL, 0, 0), 0);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, a, NULL, R_PROCS, 3), 1);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, a, NULL, R_PROCS, 4), 0);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, a, NULL, R_MEMPS, 1), 1);

    CHECK_EQ(rs_op(RS_COPY, a, c, 0, 0), 0);
    CHECK_EQ(rs_op(RS_ISEQUAL, a, c, 0, 0), 1);
    CHECK_EQ(rs_op(RS_UNION, b, c, 0, 0), 0);                    /* c = a ∪ b */
    CHECK_EQ(cpus_of(c), 0x3f);
    CHECK_EQ(mems_of(c), 0x2);
    CHECK_EQ(rs_op(RS_ISCONTAINED, c, a, 0, 0), 1);              /* a ⊆ c */
    CHECK_EQ(rs_op(RS_ISCONTAINED, a, c, 0, 0), 0);
    rs_op(RS_COPY, a, c, 0, 0);
    CHECK_EQ(rs_op(RS_INTERSECTION, b, c, 0, 0), 0);             /* c = a ∩ b */
    CHECK_EQ(cpus_of(c), 0xc);
    CHECK_EQ(mems_of(c), 0);
    rs_op(RS_COPY, b, c, 0, 0);
    CHECK_EQ(rs_op(RS_EXCLUSION, a, c, 0, 0), 0);                /* c = b \ a */
    CHECK_EQ(cpus_of(c), 0x30);
    CHECK_EQ(rs_op(RS_ISEQUAL, a, c, 0, 0), 0);
    CHECK_EQ(rs_op(RS_COPY, a, c, R_MEMPS, 0), 0);               /* memory only */
    CHECK_EQ(cpus_of(c), 0);
    CHECK_EQ(mems_of(c), 0x2);
    CHECK_EQ(rs_op(RS_COPY, a, c, R_PROCS, 0), 0);
    CHECK_EQ(cpus_of(c), 0xf);
    CHECK_EQ(mems_of(c), 0);
    CHECK_EQ(rs_op(RS_DELRESOURCE, a, NULL, R_PROCS, 0), 0);
    CHECK_EQ(cpus_of(a), 0xe);

    /* iteration: cpus 1,2,3 then node 1 */
    int seen[8], n = 0;
    CHECK_EQ(rs_op(RS_FIRST, a, c, R_ALL_RESOURCES, 0), 0);
    while (n < 8 && !rs_op(RS_ISEMPTY, c, NULL, 0, 0)) {
        seen[n++] = cpus_of(c) ? __builtin_ctzll(cpus_of(c)) : 100 + __builtin_ctzll(mems_of(c));
        CHECK_EQ(rs_op(RS_NEXT, a, c, R_ALL_RESOURCES, 0), 0);
    }
    CHECK_EQ(n, 4);
    if (n == 4) {
        CHECK_EQ(seen[0], 1);
        CHECK_EQ(seen[1], 2);
        CHECK_EQ(seen[2], 3);
        CHECK_EQ(seen[3], 101);
    }
    rs_op(RS_FIRST, a, c, R_PROCS, 0);
    CHECK_EQ(cpus_of(c), 0x2);
    rs_op(RS_FIRST, a, c, R_MEMPS, 0);
    CHECK_EQ(mems_of(c), 0x2);
    CHECK_EQ(cpus_of(c), 0);
    rs_init(c, RS_EMPTY);
    rs_op(RS_ADDRESOURCE, c, NULL, R_PROCS, 3);
    CHECK_EQ(rs_op(RS_NEXT_WRAP, a, c, R_PROCS, 0), 0);          /* after 3 comes 1 again */
    CHECK_EQ(cpus_of(c), 0x2);
    rs_init(c, RS_EMPTY);
    rs_op(RS_ADDRESOURCE, c, NULL, R_PROCS, 3);
    CHECK_EQ(rs_op(RS_NEXT, a, c, R_PROCS, 0), 0);
    CHECK_EQ(rs_op(RS_ISEMPTY, c, NULL, 0, 0), 1);

    /* errors */
    CHECK_ERRNO(rs_op(99, a, c, 0, 0), -1, EINVAL);
    CHECK_ERRNO(rs_op(RS_UNION, a, NULL, 0, 0), -1, EINVAL);
    CHECK_ERRNO(rs_op(RS_ADDRESOURCE, a, NULL, R_ALL_RESOURCES, 0), -1, EINVAL);
    CHECK_ERRNO(rs_op(RS_ADDRESOURCE, a, NULL, R_PROCS, 1u << 20), -1, EINVAL);
    CHECK_ERRNO(rs_op(RS_TESTRESOURCE, NULL, NULL, R_PROCS, 0), -1, EINVAL);
    CHECK_ERRNO(rs_op(RS_ISEMPTY, a, NULL, 0x100, 0), -1, EINVAL);
    CHECK_ERRNO(rs_init(a, 77), -1, EINVAL);
    CHECK_ERRNO(rs_init(NULL, RS_EMPTY), -1, EINVAL);
    errno = 0;
    CHECK(rs_alloc(77) == NULL);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(rs_init(a, RS_SYSTEM), 0);
    CHECK_EQ(cpus_of(a), 0xff);
    rs_free(a);
    rs_free(b);
    rs_free(c);
}

static void partition(void)
{
    char path[128];
    CHECK_EQ(write_tmp_xml(TOPO_XML_MEMONLY_PART0, "part0", path, sizeof path), 0);
    unsetenv("RASHM_TOPOLOGY_SYNTHETIC");
    setenv("RASHM_TOPOLOGY_XML", path, 1);
    rsethandle_t p = rs_alloc(RS_PARTITION), all = rs_alloc(RS_ALL), sys = rs_alloc(RS_SYSTEM);
    CHECK(p && all && sys);
    CHECK_EQ(cpus_of(p), 0x3);
    CHECK_EQ(cpus_of(all), 0xf);
    CHECK_EQ(cpus_of(sys), 0x3);     /* RS_SYSTEM: what is available */
    CHECK_EQ(rs_getpartition(0, p), RS_PARTITION_RSET);
    CHECK_EQ(cpus_of(p), 0x3);
    CHECK_ERRNO(rs_getpartition(0, NULL), -1, EINVAL);
    rs_free(p);
    rs_free(all);
    rs_free(sys);
    unlink(path);
    unsetenv("RASHM_TOPOLOGY_XML");
    /* another process, read from /proc; a process that does not exist */
    p = rs_alloc(RS_EMPTY);
    int r = rs_getpartition(1, p);
    CHECK(r == RS_PARTITION_RSET || r == RS_DEFAULT_RSET);
    CHECK(cpus_of(p) != 0);
    CHECK_ERRNO(rs_getpartition(0x3fffffff, p), -1, ESRCH);
    rs_free(p);
    /* home SRAD on this machine; none with enhanced affinity off */
    CHECK(rs_get_homesrad() >= 0);
    setenv("RASHM_ENHANCED_AFFINITY", "0", 1);
    CHECK_EQ(rs_get_homesrad(), SRADID_ANY);
    unsetenv("RASHM_ENHANCED_AFFINITY");
}

int main(void)
{
    check_begin();
    enumeration_pack2();
    enumeration_others();
    algebra();
    partition();
    return check_end();
}
