/* Placement planning: ranges + policies + node sets + topology -> a list of
 * (offset, length, MPOL mode, node mask) covering the whole segment.
 * Pure: no system calls, so it is unit-tested on synthetic topologies. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "range.h"

int plan_check_range(uint64_t size, uint64_t page_size, uint64_t off, uint64_t len, uint64_t *len_out)
{
    /* shared with the faces' argument checks (src/common/range.h) */
    return rcom_range_check(size, page_size, off, len, len_out);
}

/* The MPOL mode for an effective policy over `nodes`. Never MPOL_BIND:
 * AIX attachments are advisory, and BIND can fail allocations (SIGBUS on a
 * shared mapping) where AIX would fall back to any RAD. */
static void choose_mode(const struct plan_input *in, struct plan_entry *e)
{
    rashm_nodeset_t all;
    rashm_topo_all_nodes(in->topo, &all);
    if (e->eff_policy == RASHM_POLICY_PREFERRED && rashm_nodeset_count(&e->nodes) == 1) {
        /* one node first, any other when it is full (the VE helper's
         * memory on its VE node's host node) */
        e->mode = MPOL_PREFERRED;
        e->mask = e->nodes;
    } else if (e->eff_policy == RASHM_POLICY_PREFERRED) {
        /* several: the nearest of them to the faulting CPU, as first touch
         * within a set, but never plain "local" for the whole machine */
        e->mode = MPOL_PREFERRED_MANY;
        e->mask = e->nodes;
    } else if (e->eff_policy == RASHM_POLICY_FIRST_TOUCH) {
        if (rashm_nodeset_equal(&e->nodes, &all)) {
            /* every node allowed: plain "local", the kernel's own first touch */
            e->mode = 4; /* MPOL_LOCAL */
            rashm_nodeset_zero(&e->mask);
        } else {
            /* nearest node of the set to the faulting CPU, falling back to
             * any node when the set is full: AIX's first-touch-in-rset */
            e->mode = MPOL_PREFERRED_MANY;
            e->mask = e->nodes;
        }
    } else {
        /* interleave by page offset in the object: deterministic for every
         * attacher of a shared segment, round-robin like AIX's P_BALANCED */
        e->mode = in->weighted ? MPOL_WEIGHTED_INTERLEAVE : 3 /* MPOL_INTERLEAVE */;
        e->mask = e->nodes;
    }
}

/* Paints [off, off+len) with `x` over the sorted, covering list. */
static int paint(struct plan_entry *v, int *n, int cap, const struct plan_entry *x)
{
    uint64_t lo = x->offset, hi = x->offset + x->length;
    struct plan_entry out[3];
    int i = 0;
    while (i < *n) {
        struct plan_entry *e = &v[i];
        uint64_t elo = e->offset, ehi = e->offset + e->length;
        if (ehi <= lo || elo >= hi) {
            i++;
            continue;
        }
        int k = 0;
        if (elo < lo) {
            out[k] = *e;
            out[k].length = lo - elo;
            k++;
        }
        if (ehi > hi) {
            out[k] = *e;
            out[k].offset = hi;
            out[k].length = ehi - hi;
            k++;
        }
        /* replace v[i] by out[0..k) */
        if (*n - 1 + k > cap)
            return -ENOMEM;
        memmove(&v[i + k], &v[i + 1], (size_t)(*n - i - 1) * sizeof *v);
        memcpy(&v[i], out, (size_t)k * sizeof *v);
        *n += k - 1;
        i += k;
    }
    /* insert x at its sorted place */
    int pos = 0;
    while (pos < *n && v[pos].offset < lo)
        pos++;
    if (*n + 1 > cap)
        return -ENOMEM;
    memmove(&v[pos + 1], &v[pos], (size_t)(*n - pos) * sizeof *v);
    v[pos] = *x;
    (*n)++;
    return 0;
}

int plan_build(const struct plan_input *in, const struct rashm_range *r, int n, struct plan **out)
{
    if (n < 0 || n > RASHM_MAX_RANGES || (n > 0 && !r) || !in->page_size || !in->size)
        return -EINVAL;
    rashm_nodeset_t all, srads;
    rashm_topo_all_nodes(in->topo, &all);
    rashm_topo_srad_nodes(in->topo, &srads);
    uint64_t end = plan_end(in->size, in->page_size);

    /* each range can split one entry in three: 2n+1 entries at most */
    int cap = 2 * n + 1;
    struct plan *p = malloc(sizeof *p + (size_t)cap * sizeof p->e[0]);
    if (!p)
        return -ENOMEM;
    memset(p, 0, sizeof *p + (size_t)cap * sizeof p->e[0]);
    p->n = 1;
    struct plan_entry *gap = &p->e[0];
    gap->offset = 0;
    gap->length = end;
    gap->policy = RASHM_POLICY_DEFAULT;
    gap->origin = RASHM_ORIGIN_GAP;
    gap->srad = -1;
    gap->range_index = -1;
    gap->nodes = srads;

    for (int i = 0; i < n; i++) {
        struct plan_entry x;
        memset(&x, 0, sizeof x);
        int rc = plan_check_range(in->size, in->page_size, r[i].offset, r[i].length, &x.length);
        if (rc || (r[i].policy != RASHM_POLICY_DEFAULT && r[i].policy != RASHM_POLICY_FIRST_TOUCH &&
                   r[i].policy != RASHM_POLICY_BALANCED && r[i].policy != RASHM_POLICY_PREFERRED) ||
            r[i].origin < RASHM_ORIGIN_NODES || r[i].origin > RASHM_ORIGIN_SRAD ||
            (r[i].origin == RASHM_ORIGIN_SRAD && (r[i].srad < 0 || r[i].srad >= rashm_topo_nsrads(in->topo)))) {
            free(p);
            return -EINVAL;
        }
        x.offset = r[i].offset;
        x.policy = r[i].policy;
        x.origin = r[i].origin;
        x.srad = r[i].origin == RASHM_ORIGIN_SRAD ? r[i].srad : -1;
        x.range_index = i;
        x.nodes = rashm_nodeset_isempty(&r[i].nodes) ? srads : r[i].nodes;
        if (!rashm_nodeset_issubset(&x.nodes, &all)) {   /* a node the machine does not have */
            free(p);
            return -EINVAL;
        }
        rc = paint(p->e, &p->n, cap, &x);
        if (rc) {
            free(p);
            return rc;
        }
    }
    for (int i = 0; i < p->n; i++) {
        struct plan_entry *e = &p->e[i];
        e->eff_policy = e->policy == RASHM_POLICY_DEFAULT ? in->default_policy : e->policy;
        if (e->eff_policy != RASHM_POLICY_FIRST_TOUCH && e->eff_policy != RASHM_POLICY_PREFERRED)
            e->eff_policy = RASHM_POLICY_BALANCED;
        choose_mode(in, e);
        int want_all = (in->flags & (RASHM_POPULATE | RASHM_LOCK)) != 0;
        if (in->hugetlb) {
            /* hugetlb keeps no shared policy: pages placed by the policy of
             * the mapping that faults them. Ranges whose placement does not
             * depend on who touches first are populated now, under the
             * policy, by the creator; first-touch ranges get their policy
             * re-applied on each attach instead (see docs/aix.md). */
            int fixed = e->eff_policy == RASHM_POLICY_BALANCED || e->origin == RASHM_ORIGIN_SRAD;
            e->populate_now = fixed || want_all;
            e->per_attach = !fixed;
        } else {
            e->populate_now = want_all;
            e->per_attach = 0;
        }
    }
    *out = p;
    return 0;
}
