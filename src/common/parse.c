#define _GNU_SOURCE
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int base_of(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '+' || *s == '-')
        s++;
    return (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
}

int rcom_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!s || !*s || isspace((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    long v = strtol(s, &end, base_of(s));
    if (errno || end == s || *end || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

int rcom_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base_of(s));
    if (errno || end == s || *end)
        return -EINVAL;
    *out = v;
    return 0;
}

int rcom_parse_size(const char *s, int allow_zero, uint64_t *out)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base_of(s));
    if (errno || end == s)
        return -EINVAL;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: break;
    }
    if (shift && *end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end)
        return -EINVAL;
    if (shift && v > (UINT64_MAX >> shift))
        return -EINVAL;
    v <<= shift;
    if (!v && !allow_zero)
        return -EINVAL;
    *out = v;
    return 0;
}

static int read_id(const char **p, unsigned max, unsigned *out)
{
    char *end;
    if (!isdigit((unsigned char)**p))
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(*p, &end, 10);
    if (errno || v >= max)
        return -EINVAL;
    *p = end;
    *out = (unsigned)v;
    return 0;
}

int rcom_parse_idlist(const char *s, unsigned max, int (*add)(void *ctx, unsigned id), void *ctx)
{
    const char *p = s;
    int any = 0, rc;
    if (!s)
        return -EINVAL;
    while (*p == ' ' || *p == '\t')
        p++;
    while (*p && *p != '\n') {
        unsigned a, b;
        if (read_id(&p, max, &a) < 0)
            return -EINVAL;
        b = a;
        if (*p == '-') {
            p++;
            if (read_id(&p, max, &b) < 0 || b < a)
                return -EINVAL;
        }
        for (unsigned i = a; i <= b; i++)
            if ((rc = add(ctx, i)) < 0)
                return rc;
        any = 1;
        if (*p == ',') {
            p++;
            if (!*p)
                return -EINVAL;
        } else if (*p && *p != '\n') {
            return -EINVAL;
        }
    }
    return any ? 0 : -EINVAL;
}

static int set_bit(void *ctx, unsigned id)
{
    uint64_t *bits = ctx;
    bits[id / 64] |= 1ull << (id % 64);
    return 0;
}

int rcom_parse_idmask(const char *s, unsigned max, uint64_t *bits)
{
    memset(bits, 0, (max + 63) / 64 * sizeof *bits);
    return rcom_parse_idlist(s, max, set_bit, bits);
}

const char *rcom_list_item(const char *list, int i, char *buf, size_t len)
{
    const char *p = list;
    if (!strchr(list, ','))
        i = 0;
    for (int k = 0; k < i && p; k++) {
        p = strchr(p, ',');
        if (p)
            p++;
    }
    if (!p)
        return NULL;
    size_t n = strcspn(p, ",");
    if (n >= len)
        return NULL;
    memcpy(buf, p, n);
    buf[n] = 0;
    return buf;
}
