/* Node and CPU sets: fixed-size bitmaps so they can be copied, stored in
 * the registry file and passed to mbind as they are. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define WORDS(nbits) ((nbits) / 64)

static void bm_set(uint64_t *b, int nbits, int i)
{
    if (i >= 0 && i < nbits)
        b[i / 64] |= UINT64_C(1) << (i % 64);
}
static void bm_clr(uint64_t *b, int nbits, int i)
{
    if (i >= 0 && i < nbits)
        b[i / 64] &= ~(UINT64_C(1) << (i % 64));
}
static int bm_isset(const uint64_t *b, int nbits, int i)
{
    return i >= 0 && i < nbits && ((b[i / 64] >> (i % 64)) & 1);
}
static int bm_count(const uint64_t *b, int nbits)
{
    int n = 0;
    for (int w = 0; w < WORDS(nbits); w++)
        n += __builtin_popcountll(b[w]);
    return n;
}
static int bm_next(const uint64_t *b, int nbits, int prev)
{
    int i = prev < 0 ? 0 : prev + 1;
    while (i < nbits) {
        uint64_t w = b[i / 64] >> (i % 64);
        if (w)
            return i + __builtin_ctzll(w);
        i = (i / 64 + 1) * 64;
    }
    return -1;
}

/* "0,2-3": runs of consecutive members as ranges. */
static int bm_format(const uint64_t *b, int nbits, char *buf, size_t len)
{
    size_t need = 0;
    int i = bm_next(b, nbits, -1);
    if (len)
        buf[0] = 0;
    while (i >= 0) {
        int j = i;
        while (bm_isset(b, nbits, j + 1))
            j++;
        char tmp[32];
        int k = j == i ? snprintf(tmp, sizeof tmp, "%s%d", need ? "," : "", i)
                       : snprintf(tmp, sizeof tmp, "%s%d-%d", need ? "," : "", i, j);
        if (need + (size_t)k < len) {
            memcpy(buf + need, tmp, (size_t)k + 1);
        } else if (need + 1 < len) {
            memcpy(buf + need, tmp, len - 1 - need);
            buf[len - 1] = 0;
        }
        need += (size_t)k;
        i = bm_next(b, nbits, j);
    }
    return (int)need;
}

static int bm_parse(const char *s, uint64_t *b, int nbits)
{
    memset(b, 0, (size_t)WORDS(nbits) * 8);
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p || *p == '\n')
        return 0;
    for (;;) {
        char *end;
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        long a = strtol(p, &end, 10), z = a;
        p = end;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -EINVAL;
            z = strtol(p, &end, 10);
            p = end;
        }
        if (a < 0 || z < a || z >= nbits)
            return -EINVAL;
        for (long i = a; i <= z; i++)
            bm_set(b, nbits, (int)i);
        if (*p == ',') {
            p++;
            continue;
        }
        while (isspace((unsigned char)*p))
            p++;
        return *p ? -EINVAL : 0;
    }
}

void rashm_nodeset_zero(rashm_nodeset_t *s) { memset(s, 0, sizeof *s); }
void rashm_nodeset_set(rashm_nodeset_t *s, int n) { bm_set(s->bits, RASHM_MAX_NODES, n); }
void rashm_nodeset_clr(rashm_nodeset_t *s, int n) { bm_clr(s->bits, RASHM_MAX_NODES, n); }
int rashm_nodeset_isset(const rashm_nodeset_t *s, int n) { return bm_isset(s->bits, RASHM_MAX_NODES, n); }
int rashm_nodeset_count(const rashm_nodeset_t *s) { return bm_count(s->bits, RASHM_MAX_NODES); }
int rashm_nodeset_isempty(const rashm_nodeset_t *s) { return bm_next(s->bits, RASHM_MAX_NODES, -1) < 0; }
int rashm_nodeset_equal(const rashm_nodeset_t *a, const rashm_nodeset_t *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}
int rashm_nodeset_next(const rashm_nodeset_t *s, int prev) { return bm_next(s->bits, RASHM_MAX_NODES, prev); }
int rashm_nodeset_format(const rashm_nodeset_t *s, char *buf, size_t len)
{
    return bm_format(s->bits, RASHM_MAX_NODES, buf, len);
}
int rashm_nodeset_parse(const char *str, rashm_nodeset_t *out)
{
    rashm_nodeset_t tmp;
    if (!str || !out)
        return rashm_fail(-EINVAL);
    int rc = bm_parse(str, tmp.bits, RASHM_MAX_NODES);
    if (rc)
        return rashm_fail(rc);
    *out = tmp;
    return 0;
}

void rashm_cpuset_zero(rashm_cpuset_t *s) { memset(s, 0, sizeof *s); }
void rashm_cpuset_set(rashm_cpuset_t *s, int c) { bm_set(s->bits, RASHM_MAX_CPUS, c); }
void rashm_cpuset_clr(rashm_cpuset_t *s, int c) { bm_clr(s->bits, RASHM_MAX_CPUS, c); }
int rashm_cpuset_isset(const rashm_cpuset_t *s, int c) { return bm_isset(s->bits, RASHM_MAX_CPUS, c); }
int rashm_cpuset_count(const rashm_cpuset_t *s) { return bm_count(s->bits, RASHM_MAX_CPUS); }
int rashm_cpuset_next(const rashm_cpuset_t *s, int prev) { return bm_next(s->bits, RASHM_MAX_CPUS, prev); }
int rashm_cpuset_format(const rashm_cpuset_t *s, char *buf, size_t len)
{
    return bm_format(s->bits, RASHM_MAX_CPUS, buf, len);
}

/* Internal parse of a cpulist (sysfs, /proc/PID/status). */
RASHM_HIDDEN int sets_parse_cpulist(const char *s, rashm_cpuset_t *out);
int sets_parse_cpulist(const char *s, rashm_cpuset_t *out)
{
    return bm_parse(s, out->bits, RASHM_MAX_CPUS);
}

/* ---- set algebra ----------------------------------------------------------
 * One implementation for both set types (the callers' hand-written loops
 * over bits[] go through these). Results may alias the operands. */
enum bm_op { BM_AND, BM_OR, BM_ANDNOT };
static void bm_op(uint64_t *out, const uint64_t *a, const uint64_t *b, int nbits, enum bm_op op)
{
    for (int w = 0; w < WORDS(nbits); w++)
        out[w] = op == BM_AND ? a[w] & b[w] : op == BM_OR ? a[w] | b[w] : a[w] & ~b[w];
}
static int bm_intersects(const uint64_t *a, const uint64_t *b, int nbits)
{
    for (int w = 0; w < WORDS(nbits); w++)
        if (a[w] & b[w])
            return 1;
    return 0;
}
static int bm_subset(const uint64_t *a, const uint64_t *b, int nbits)
{
    for (int w = 0; w < WORDS(nbits); w++)
        if (a[w] & ~b[w])
            return 0;
    return 1;
}

#define SET_ALGEBRA(T, NBITS, P)                                                                              \
    void P##_and(T *out, const T *a, const T *b) { bm_op(out->bits, a->bits, b->bits, NBITS, BM_AND); }      \
    void P##_or(T *out, const T *a, const T *b) { bm_op(out->bits, a->bits, b->bits, NBITS, BM_OR); }        \
    void P##_andnot(T *out, const T *a, const T *b) { bm_op(out->bits, a->bits, b->bits, NBITS, BM_ANDNOT); } \
    int P##_intersects(const T *a, const T *b) { return bm_intersects(a->bits, b->bits, NBITS); }            \
    int P##_issubset(const T *a, const T *b) { return bm_subset(a->bits, b->bits, NBITS); }

SET_ALGEBRA(rashm_nodeset_t, RASHM_MAX_NODES, rashm_nodeset)
SET_ALGEBRA(rashm_cpuset_t, RASHM_MAX_CPUS, rashm_cpuset)

int rashm_cpuset_isempty(const rashm_cpuset_t *s) { return bm_count(s->bits, RASHM_MAX_CPUS) == 0; }
int rashm_cpuset_equal(const rashm_cpuset_t *a, const rashm_cpuset_t *b)
{
    return memcmp(a->bits, b->bits, sizeof a->bits) == 0;
}
int rashm_cpuset_parse(const char *str, rashm_cpuset_t *out)
{
    rashm_cpuset_t s;
    if (!str || !out)
        return rashm_fail(-EINVAL);
    int rc = bm_parse(str, s.bits, RASHM_MAX_CPUS);
    if (rc)
        return rashm_fail(rc);
    *out = s;
    return 0;
}
