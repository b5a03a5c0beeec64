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

/* ---- set algebra ----------------------------------------------------------
 * One implementation for both set types; every loop over bits[] in rashm is
 * here (the core, the AIX face and the command use these calls). Results
 * may alias the operands. */
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
static int bm_isempty(const uint64_t *b, int nbits)
{
    for (int w = 0; w < WORDS(nbits); w++)
        if (b[w])
            return 0;
    return 1;
}
static int bm_equal(const uint64_t *a, const uint64_t *b, int nbits)
{
    return memcmp(a, b, (size_t)WORDS(nbits) * sizeof *a) == 0;
}

/* The public calls of one set type; parse writes *out only on success. */
#define SET_CALLS(T, NBITS, P)                                                                                \
    void P##_zero(T *s) { memset(s->bits, 0, sizeof s->bits); }                                               \
    void P##_set(T *s, int i) { bm_set(s->bits, NBITS, i); }                                                  \
    void P##_clr(T *s, int i) { bm_clr(s->bits, NBITS, i); }                                                  \
    int P##_isset(const T *s, int i) { return bm_isset(s->bits, NBITS, i); }                                  \
    int P##_count(const T *s) { return bm_count(s->bits, NBITS); }                                            \
    int P##_isempty(const T *s) { return bm_isempty(s->bits, NBITS); }                                        \
    int P##_equal(const T *a, const T *b) { return bm_equal(a->bits, b->bits, NBITS); }                       \
    int P##_next(const T *s, int prev) { return bm_next(s->bits, NBITS, prev); }                              \
    int P##_format(const T *s, char *buf, size_t len) { return bm_format(s->bits, NBITS, buf, len); }         \
    int P##_parse(const char *str, T *out)                                                                    \
    {                                                                                                         \
        T tmp;                                                                                                \
        if (!str || !out)                                                                                     \
            return rashm_fail(-EINVAL);                                                                       \
        int rc = bm_parse(str, tmp.bits, NBITS);                                                              \
        if (rc)                                                                                               \
            return rashm_fail(rc);                                                                            \
        *out = tmp;                                                                                           \
        return 0;                                                                                             \
    }                                                                                                         \
    void P##_and(T *out, const T *a, const T *b) { bm_op(out->bits, a->bits, b->bits, NBITS, BM_AND); }      \
    void P##_or(T *out, const T *a, const T *b) { bm_op(out->bits, a->bits, b->bits, NBITS, BM_OR); }        \
    void P##_andnot(T *out, const T *a, const T *b) { bm_op(out->bits, a->bits, b->bits, NBITS, BM_ANDNOT); } \
    int P##_intersects(const T *a, const T *b) { return bm_intersects(a->bits, b->bits, NBITS); }            \
    int P##_issubset(const T *a, const T *b) { return bm_subset(a->bits, b->bits, NBITS); }

SET_CALLS(rashm_nodeset_t, RASHM_MAX_NODES, rashm_nodeset)
SET_CALLS(rashm_cpuset_t, RASHM_MAX_CPUS, rashm_cpuset)

int sets_parse_cpulist(const char *s, rashm_cpuset_t *out)
{
    return bm_parse(s, out->bits, RASHM_MAX_CPUS);
}
