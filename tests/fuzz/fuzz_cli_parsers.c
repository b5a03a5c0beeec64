/* Fuzz target: the value parsers of the rashm command (tools/rashm/parse.c)
 * and rashm_nodeset_parse of the public API. Root runs the command with
 * arguments other people write (job scripts, wrappers).
 *
 * Input: one selector byte, then the string (NUL-terminated here; bytes
 * after an embedded NUL are ignored by the parsers, as on a command line).
 *   selector % 9: 0 parse_size, 1 parse_key, 2 parse_int, 3 parse_mode,
 *                 4 parse_shmid, 5 parse_policy, 6 parse_range,
 *                 7 rashm_nodeset_parse, 8 fmt_bytes/fmt_bar on the bytes.
 * (Node lists of the command are rashm_nodeset_parse's: selector 7.)
 *
 * Oracles beyond ASan/UBSan: what parses formats back to the same set
 * (node lists), a plain decimal size means its decimal value (a leading 0
 * is not octal), a failing parser leaves no output half-written where the
 * contract says outputs are written on success only. */
#include "fuzz_common.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>

#include "cli.h"
#include "rashm.h"

static void fail(const char *what, const char *s)
{
    dprintf(2, "ORACLE: %s: input '%s'\n", what, s);  /* stderr is /dev/null here */
    abort();
}

/* Plain decimal digits with an optional K/M/G/T: the value a reader expects. */
static int decimal_value(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    unsigned shift = 0;
    switch (*p) {
    case 0: break;
    case 'K': case 'k': shift = 10; p++; break;
    case 'M': case 'm': shift = 20; p++; break;
    case 'G': case 'g': shift = 30; p++; break;
    case 'T': case 't': shift = 40; p++; break;
    default: return 0;
    }
    if (*p || (shift && v > (UINT64_MAX >> shift)))
        return 0;
    *out = v << shift;
    return 1;
}

static void check_set_roundtrip(const rashm_nodeset_t *n, const char *s)
{
    char buf[8192];
    rashm_nodeset_t back;
    int need = rashm_nodeset_format(n, buf, sizeof buf);
    if (need < 0 || (size_t)need >= sizeof buf)
        fail("rashm_nodeset_format needs more than 8 KiB", s);
    if (!buf[0])
        return; /* an empty set has no list form */
    if (rashm_nodeset_parse(buf, &back) || !rashm_nodeset_equal(n, &back))
        fail("rashm_nodeset_parse(rashm_nodeset_format(x)) != x", s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* the parsers explain every refusal on stderr: keep the fuzzer's log
     * readable (sanitizer reports go to fd 2 directly, not through it) */
    FILE *null = fopen("/dev/null", "we");
    if (null)
        stderr = null;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0] % 9;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;

    switch (sel) {
    case 0: {
        uint64_t v = 0xa5a5a5a5a5a5a5a5ull, dec;
        int rc = parse_size(s, "size", &v);
        if (rc && v != 0xa5a5a5a5a5a5a5a5ull)
            fail("parse_size wrote its output and failed", s);
        if (decimal_value(s, &dec) && (rc || v != dec))
            fail("parse_size reads a decimal size as something else", s);
        break;
    }
    case 1: {
        int k;
        parse_key(s, &k);
        break;
    }
    case 2: {
        int v = -1;
        if (parse_int(s, "int", &v) == 0 && v < 0)
            fail("parse_int gave a negative number", s);
        break;
    }
    case 3: {
        int m = -1;
        if (parse_mode(s, &m) == 0 && (m < 0 || m > 0777))
            fail("parse_mode gave more than permission bits", s);
        break;
    }
    case 4: {
        int id = -7;
        int rc = parse_shmid(s, &id);
        if (rc == 0 && id < 0)
            fail("parse_shmid gave a negative id", s);
        if (rc && id != -7)
            fail("parse_shmid wrote its output and failed", s);
        break;
    }
    case 5: {
        int p = -1;
        if (parse_policy(s, &p) == 0 && p != RASHM_POLICY_FIRST_TOUCH && p != RASHM_POLICY_BALANCED &&
            p != RASHM_POLICY_PREFERRED && p != RASHM_POLICY_DEFAULT)
            fail("parse_policy gave an unknown policy", s);
        /* every policy it accepts is one rashm_policy_name prints, or an alias */
        if (p >= 0 && !(rashm_policy_name(p) && !strcmp(s, rashm_policy_name(p))) && strcmp(s, "ft") &&
            strcmp(s, "first_touch") && strcmp(s, "bal"))
            fail("parse_policy accepted a name that is neither a policy's nor an alias", s);
        break;
    }
    case 6: {
        struct cli_range r;
        if (parse_range(s, &r) == 0) {
            if (r.kind != CLI_NODES_LIST && r.kind != CLI_NODES_ALL && r.kind != CLI_NODES_SRADS)
                fail("parse_range gave an unknown node kind", s);
            if (r.kind != CLI_NODES_ALL)
                check_set_roundtrip(&r.set, s);
        }
        break;
    }
    case 7: {
        rashm_nodeset_t n, back;
        if (rashm_nodeset_parse(s, &n) == 0) {
            char buf[8192];
            int need = rashm_nodeset_format(&n, buf, sizeof buf);
            if (need < 0 || (size_t)need >= sizeof buf)
                fail("rashm_nodeset_format needs more than 8 KiB", s);
            if (rashm_nodeset_parse(buf, &back) || !rashm_nodeset_equal(&n, &back))
                fail("rashm_nodeset_parse(rashm_nodeset_format(x)) != x", s);
            /* a truncated format is still a NUL-terminated prefix */
            char small[8];
            rashm_nodeset_format(&n, small, sizeof small);
            if (strnlen(small, sizeof small) == sizeof small || strncmp(small, buf, strlen(small)))
                fail("rashm_nodeset_format truncates badly", s);
        }
        break;
    }
    case 8: {
        char buf[64], bar[64];
        uint64_t a = size >= 9 ? fuzz_u64(data + 1) : 0;
        uint64_t b = size >= 17 ? fuzz_u64(data + 9) : 1;
        int width = size >= 18 ? data[17] % 80 : 10;
        fmt_bytes(a, buf, sizeof buf);
        fmt_bar(a, b, width, bar, sizeof bar);
        if (!memchr(buf, 0, sizeof buf) || !memchr(bar, 0, sizeof bar))
            fail("fmt_bytes/fmt_bar left no terminator", s);
        break;
    }
    }
    free(s);
    return 0;
}
