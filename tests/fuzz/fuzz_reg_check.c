/* Fuzz target: reg_check_entry (src/core/reg_check.c), the pure validator
 * every registry reader runs on an entry before using it. No system call,
 * so this runs far faster than fuzz_registry_entry and reaches the corners
 * of the checks with any facts, not only this machine's.
 *
 * Input: a 16-byte header of facts, then the entry bytes.
 *   [0]     mode: bit 0: shmid and segsz come from the entry itself (so the
 *           fuzzer gets past the identity comparison at once), else from
 *           the header; bit 1: the mapping's page size is known
 *           (facts.page_size), else 0 (unknown); bit 2: node set known
 *           (nodes 0..[12]%64 - 1), else NULL; bit 3: facts.hugetlb
 *   [1]     log2 of the mapping's page size (known page size)
 *   [2]     log2 of the base page size (12 on x86-64)
 *   [3]     nsrads (int8; negative: unknown)
 *   [4..7]  shmid          [8..11] segsz in 4 KiB units (bit 31: raw bytes)
 *   [12]    number of known nodes   [13..15] unused
 *
 * Oracle: an entry the validator accepts has what its consumers rely on:
 * a power-of-two page size (the known one, when known), at least one
 * range, ranges page-aligned and inside the segment's mapping without
 * wrapping, the file size that nranges says, and node numbers of the
 * known nodes. */
#include "fuzz_common.h"

#include <stdint.h>

#include "internal.h"

#define HDR 16

static void fail(const char *what)
{
    fprintf(stderr, "ORACLE: reg_check_entry accepted an entry with %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HDR)
        return 0;
    const uint8_t *e = data + HDR;
    size_t n = size - HDR;
    uint8_t mode = data[0];
    struct reg_facts f;
    memset(&f, 0, sizeof f);
    f.base_page = UINT64_C(1) << (data[2] % 64);
    f.nsrads = (int8_t)data[3];
    f.shmid = (int)fuzz_u32(data + 4);
    uint32_t sz = fuzz_u32(data + 8);
    f.segsz = sz & 0x80000000u ? (uint64_t)(sz & 0x7fffffffu) : (uint64_t)sz * 4096;
    if ((mode & 1) && n >= sizeof(struct reg_entry)) {
        struct reg_entry h;
        memcpy(&h, e, sizeof h);
        f.shmid = h.shmid;
        f.segsz = h.segsz;
    }
    if (mode & 2)
        f.page_size = UINT64_C(1) << (data[1] % 64);
    f.hugetlb = (mode & 8) != 0;
    rashm_nodeset_t known;
    rashm_nodeset_zero(&known);
    for (int i = 0; i < data[12] % 64; i++)
        rashm_nodeset_set(&known, i);
    f.nodes = (mode & 4) ? &known : NULL;

    /* unaligned on purpose: the validator must not assume alignment */
    if (reg_check_entry(e, n, &f) != 0)
        return 0;

    struct reg_entry h;
    memcpy(&h, e, sizeof h);
    uint64_t page = h.page_size;
    if (!page || (page & (page - 1)))
        fail("a page size that is not a power of two");
    if (f.page_size && page != f.page_size)
        fail("a page size other than the mapping's");
    if (h.nranges < 1)
        fail("no range");
    if (n != sizeof h + (size_t)h.nranges * sizeof(struct reg_range))
        fail("a size that does not match nranges");
    if (h.segsz != f.segsz || h.shmid != f.shmid)
        fail("another segment's size or id");
    unsigned __int128 end = ((unsigned __int128)h.segsz + page - 1) / page * page;
    for (int32_t i = 0; i < h.nranges; i++) {
        struct reg_range r;
        memcpy(&r, e + sizeof h + (size_t)i * sizeof r, sizeof r);
        if (r.offset % page || r.length % page)
            fail("a range not aligned to its page size");
        if ((unsigned __int128)r.offset + r.length > end)
            fail("a range past the end of the mapping");
        if (f.nodes)
            for (int node = rashm_nodeset_next(&r.nodes, -1); node >= 0; node = rashm_nodeset_next(&r.nodes, node))
                if (!rashm_nodeset_isset(f.nodes, node))
                    fail("a node the topology does not have");
    }
    return 0;
}
