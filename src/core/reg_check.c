/* Validation of a registry entry before anything uses it.
 *
 * A registry entry is a file the segment's creator can write, so for any
 * other reader (root's CLI, a root program attaching the segment) it is
 * untrusted input. The checks compare every field a consumer uses with
 * facts taken from the kernel (the segment's size, the page size of an
 * actual mapping) and with what plan.c can produce. Nothing here makes a
 * system call or reads global state: the function can be unit-tested and
 * fuzzed on raw bytes.
 *
 * What it does not check: the identity fields (key, cpid, ctime, birth),
 * which reg_load compares with the live segment, and the magic/version
 * that read_entry checks. */
#include <string.h>

#include "internal.h"

static int is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* a set within the topology's nodes; without them, the type itself bounds
 * the numbers below RASHM_MAX_NODES */
static int nodes_within(const rashm_nodeset_t *a, const rashm_nodeset_t *known)
{
    return !known || rashm_nodeset_issubset(a, known);
}

static int is_bool(int32_t v)
{
    return v == 0 || v == 1;
}

/* The policy fields of one range, as plan.c writes them (plan_build and
 * choose_mode): a requested policy, the effective one it resolves to, and
 * the MPOL mode chosen for it with its mask. */
static int policy_ok(const struct reg_range *r)
{
    if (r->policy != RASHM_POLICY_DEFAULT && r->policy != RASHM_POLICY_FIRST_TOUCH &&
        r->policy != RASHM_POLICY_BALANCED && r->policy != RASHM_POLICY_PREFERRED)
        return 0;
    /* RASHM_DEFAULT_POLICY resolves to first touch or balanced only */
    if (r->eff_policy != RASHM_POLICY_FIRST_TOUCH && r->eff_policy != RASHM_POLICY_BALANCED &&
        !(r->eff_policy == RASHM_POLICY_PREFERRED && r->policy == RASHM_POLICY_PREFERRED))
        return 0;
    if (r->policy != RASHM_POLICY_DEFAULT && r->eff_policy != r->policy)
        return 0;
    if (r->eff_policy == RASHM_POLICY_PREFERRED) {
        /* one node: MPOL_PREFERRED; several: MPOL_PREFERRED_MANY */
        int count = rashm_nodeset_count(&r->nodes);
        return r->mode == (count == 1 ? MPOL_PREFERRED : MPOL_PREFERRED_MANY) &&
               rashm_nodeset_equal(&r->mask, &r->nodes);
    }
    if (r->eff_policy == RASHM_POLICY_FIRST_TOUCH) {
        if (r->mode == MPOL_LOCAL /* every node, no mask */)
            return rashm_nodeset_isempty(&r->mask);
        return r->mode == MPOL_PREFERRED_MANY && rashm_nodeset_equal(&r->mask, &r->nodes);
    }
    return (r->mode == MPOL_INTERLEAVE || r->mode == MPOL_WEIGHTED_INTERLEAVE) &&
           rashm_nodeset_equal(&r->mask, &r->nodes);
}

/* Where the range came from: a gap (no source range) or one of the
 * caller's ranges, with the SRAD only for SRAD attachments. */
static int origin_ok(const struct reg_range *r, const struct reg_facts *f)
{
    if (r->range_index == -1) {
        return r->origin == RASHM_ORIGIN_GAP && r->policy == RASHM_POLICY_DEFAULT && r->srad == -1 &&
               rashm_cpuset_isempty(&r->cpus);
    }
    if (r->range_index < 0 || r->range_index >= RASHM_MAX_RANGES)
        return 0;
    switch (r->origin) {
    case RASHM_ORIGIN_NODES:
    case RASHM_ORIGIN_CPUS:
        return r->srad == -1;
    case RASHM_ORIGIN_SRAD:
        return r->srad >= 0 && r->srad < RASHM_MAX_NODES && (f->nsrads < 0 || r->srad < f->nsrads);
    default:
        return 0;
    }
}

int reg_check_entry(const void *buf, size_t size, const struct reg_facts *f)
{
    struct reg_entry h;
    if (!buf || !f || size < sizeof h)
        return -EINVAL;
    memcpy(&h, buf, sizeof h);     /* the bytes may come unaligned (fuzzing) */
    if (h.nranges < 1 || h.nranges > REG_MAX_RANGES ||
        size != sizeof h + (size_t)h.nranges * sizeof(struct reg_range))
        return -EINVAL;
    if (h.shmid != f->shmid || h.segsz != f->segsz || h.segsz == 0)
        return -EINVAL;
    if (!is_bool(h.hugetlb) || !is_bool(h.has_per_attach))
        return -EINVAL;

    /* the page size: the mapping's, as the kernel reports it; when the
     * reader could not map the segment, at least one a mapping can have */
    if (!is_pow2(f->base_page))
        return -EINVAL;
    if (f->page_size) {
        if (h.page_size != f->page_size || h.hugetlb != (f->hugetlb != 0))
            return -EINVAL;
    } else if (!is_pow2(h.page_size) || h.page_size < f->base_page || h.page_size > REG_MAX_PAGE_SIZE ||
               h.hugetlb != (h.page_size != f->base_page)) {
        return -EINVAL;
    }
    uint64_t page = h.page_size;

    /* end of the mapping: the size rounded up to whole pages, without
     * overflowing */
    uint64_t end = h.segsz / page * page;
    if (h.segsz % page) {
        if (end > UINT64_MAX - page)
            return -EINVAL;
        end += page;
    }

    /* the ranges: a plan, i.e. page-aligned pieces in order that cover
     * [0, end) exactly (gaps included), so at most one per page */
    if ((uint64_t)h.nranges > end / page)
        return -EINVAL;
    const unsigned char *p = (const unsigned char *)buf + sizeof h;
    uint64_t at = 0;
    int any_per_attach = 0;
    for (int32_t i = 0; i < h.nranges; i++) {
        struct reg_range r;
        memcpy(&r, p + (size_t)i * sizeof r, sizeof r);
        if (r.offset != at || r.length == 0 || r.offset % page || r.length % page || r.length > end - at)
            return -EINVAL;
        at += r.length;
        if (!policy_ok(&r) || !origin_ok(&r, f))
            return -EINVAL;
        if (rashm_nodeset_isempty(&r.nodes) || !nodes_within(&r.nodes, f->nodes))
            return -EINVAL;
        if (!is_bool(r.populate_now) || !is_bool(r.per_attach))
            return -EINVAL;
        if (h.hugetlb) {
            /* plan_build: ranges placed whoever touches first (balanced,
             * or one SRAD) are populated by the creator; the others are
             * placed per attach */
            int fixed = r.eff_policy == RASHM_POLICY_BALANCED || r.origin == RASHM_ORIGIN_SRAD;
            if (r.per_attach != !fixed || (fixed && !r.populate_now))
                return -EINVAL;
        } else if (r.per_attach) {
            return -EINVAL;    /* shmem keeps a shared policy: nothing per attach */
        }
        any_per_attach |= r.per_attach;
    }
    if (at != end || h.has_per_attach != any_per_attach)
        return -EINVAL;
    return 0;
}
