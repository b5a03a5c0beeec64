/* Command-line value parsing for the rashm command. Every parser prints a
 * message naming the bad value and what was expected, and returns -1: the
 * caller turns that into exit code 2. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

const char *cli_prog = "rashm";
static const char *cli_cmd;

void cli_set_cmd(const char *cmd)
{
    cli_cmd = cmd;
}

void cli_err(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    if (cli_cmd)
        fprintf(stderr, "%s %s: ", cli_prog, cli_cmd);
    else
        fprintf(stderr, "%s: ", cli_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Numbers on the command line are decimal unless they start with 0x/0X:
 * strtoull's base 0 would read "0100M" as octal (64 MiB), which nobody who
 * types a size means. */
static int number_base(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
}

int parse_size(const char *s, const char *what, uint64_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;

    if (!s || !*s || *s == '-' || isspace((unsigned char)*s)) {
        cli_err("%s: '%s' is not a size (examples: 4096, 64K, 2M, 1G, 0x1000)", what, s ? s : "");
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, number_base(s));
    if (errno || end == s) {
        cli_err("%s: '%s' is not a size (examples: 4096, 64K, 2M, 1G, 0x1000)", what, s);
        return -1;
    }
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default:
            cli_err("%s: '%s': unknown suffix '%s' (use K, M, G or T)", what, s, end);
            return -1;
        }
        end++;
        /* accept "64KiB", "64KB" and "64k" */
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end) {
            cli_err("%s: '%s': trailing characters '%s'", what, s, end);
            return -1;
        }
    }
    if (shift && v > (UINT64_MAX >> shift)) {
        cli_err("%s: '%s' is too large", what, s);
        return -1;
    }
    *out = (uint64_t)v << shift;
    return 0;
}

int parse_key(const char *s, int *out)
{
    char *end;
    long long v;

    if (!strcasecmp(s, "private") || !strcmp(s, "IPC_PRIVATE")) {
        *out = IPC_PRIVATE;
        return 0;
    }
    errno = 0;
    v = strtoll(s, &end, number_base(s));
    if (errno || end == s || *end) {
        cli_err("key: '%s' is not a key (decimal, 0x-prefixed hex, or 'private')", s);
        return -1;
    }
    /* key_t is a 32-bit int: accept the full unsigned range as ipcs prints
     * it (0xdeadbeef) as well as negative decimals. */
    if (v < INT_MIN || v > (long long)UINT_MAX) {
        cli_err("key: '%s' does not fit in 32 bits", s);
        return -1;
    }
    *out = (int)(unsigned)v;
    return 0;
}

int parse_int(const char *s, const char *what, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > INT_MAX) {
        cli_err("%s: '%s' is not a non-negative integer", what, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int parse_mode(const char *s, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 8);
    if (errno || end == s || *end || v < 0 || v > 0777) {
        cli_err("--mode: '%s' is not an octal permission between 000 and 777", s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_list(const char *s, const char *what, struct cli_nodes *out)
{
    const char *p = s;

    if (!*p) {
        cli_err("%s: empty list", what);
        return -1;
    }
    while (*p) {
        char *end;
        long a, b;

        if (!isdigit((unsigned char)*p))
            goto bad;
        a = strtol(p, &end, 10);
        b = a;
        p = end;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p))
                goto bad;
            b = strtol(p, &end, 10);
            p = end;
        }
        if (a > b) {
            cli_err("%s: '%s': range %ld-%ld runs backwards", what, s, a, b);
            return -1;
        }
        if (b >= CLI_MAX_NODES) {
            cli_err("%s: '%s': %ld is beyond the largest supported number (%d)", what, s, b,
                    CLI_MAX_NODES - 1);
            return -1;
        }
        for (long i = a; i <= b; i++)
            cli_nodes_set(out, (int)i);
        if (*p == ',') {
            p++;
            if (!*p)
                goto bad;
        } else if (*p) {
            goto bad;
        }
    }
    return 0;
bad:
    cli_err("%s: '%s' is not a list like 0,2-3", what, s);
    return -1;
}

int parse_nodes(const char *s, struct cli_nodes *out)
{
    memset(out, 0, sizeof *out);
    if (!strcmp(s, "all")) {
        out->kind = CLI_NODES_ALL;
        return 0;
    }
    if (!strncmp(s, "srad:", 5)) {
        out->kind = CLI_NODES_SRADS;
        return parse_list(s + 5, "srad", out);
    }
    out->kind = CLI_NODES_LIST;
    if (!isdigit((unsigned char)*s)) {
        cli_err("nodes: '%s' is not a node list (like 0,2-3), 'all' or 'srad:N'", s);
        return -1;
    }
    return parse_list(s, "nodes", out);
}

int cli_nodes_count(const struct cli_nodes *n)
{
    int c = 0;
    for (size_t i = 0; i < CLI_MAX_NODES / 64; i++)
        c += __builtin_popcountll(n->bits[i]);
    return c;
}

void cli_nodes_format(const struct cli_nodes *n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < CLI_MAX_NODES; i++) {
        int j = i;
        if (!cli_nodes_test(n, i))
            continue;
        while (j + 1 < CLI_MAX_NODES && cli_nodes_test(n, j + 1))
            j++;
        int w = j > i ? snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", i, j)
                      : snprintf(buf + used, len - used, "%s%d", used ? "," : "", i);
        if (w < 0 || (size_t)w >= len - used)
            return;
        used += (size_t)w;
        i = j;
    }
}

int parse_policy(const char *s, enum cli_policy *out)
{
    if (!strcmp(s, "first-touch") || !strcmp(s, "first_touch") || !strcmp(s, "ft"))
        *out = CLI_POL_FIRST_TOUCH;
    else if (!strcmp(s, "balanced") || !strcmp(s, "bal"))
        *out = CLI_POL_BALANCED;
    else if (!strcmp(s, "default"))
        *out = CLI_POL_DEFAULT;
    else {
        cli_err("policy: '%s' is not one of first-touch, balanced, default", s);
        return -1;
    }
    return 0;
}

int parse_range(const char *s, struct cli_range *out)
{
    char buf[512], *f[4], *tok;
    int n = 0;

    if (strlen(s) >= sizeof buf) {
        cli_err("--range: '%.40s...' is too long", s);
        return -1;
    }
    strcpy(buf, s);
    /* Split by hand (strtok would merge empty fields) so that "0::balanced:0"
     * is reported as an empty length rather than as a missing field. */
    tok = buf;
    for (;;) {
        char *colon = strchr(tok, ':');
        if (n == 3) {            /* the node field may itself contain ':' (srad:N) */
            f[n++] = tok;
            break;
        }
        if (!colon) {
            f[n++] = tok;
            break;
        }
        *colon = 0;
        f[n++] = tok;
        tok = colon + 1;
    }
    if (n != 4) {
        cli_err("--range: '%s' must be OFFSET:LENGTH:POLICY:NODES (e.g. 0:32M:balanced:all)", s);
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (parse_size(f[0], "range offset", &out->offset) ||
        parse_size(f[1], "range length", &out->length) ||
        parse_policy(f[2], &out->policy) || parse_nodes(f[3], &out->nodes))
        return -1;
    if (out->nodes.kind != CLI_NODES_ALL && cli_nodes_count(&out->nodes) == 0) {
        cli_err("--range: '%s' names no node", s);
        return -1;
    }
    return 0;
}

void fmt_bytes(uint64_t b, char *buf, size_t len)
{
    static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int u = 0;
    double v = (double)b;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (b == 0)
        snprintf(buf, len, "0");
    else if (u == 0)
        snprintf(buf, len, "%" PRIu64 " B", b);
    else if (v == (double)(uint64_t)v)
        snprintf(buf, len, "%" PRIu64 " %s", (uint64_t)v, units[u]);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
}

void fmt_bar(uint64_t part, uint64_t whole, int width, char *buf, size_t len)
{
    int fill = 0;
    if (whole)
        fill = (int)((part * (uint64_t)width + whole / 2) / whole);
    if (part && !fill)
        fill = 1;                 /* anything resident shows at least one cell */
    if (fill > width)
        fill = width;
    size_t i = 0;
    for (int c = 0; c < width && i + 4 < len; c++) {
        /* '#' rather than block characters: output stays ASCII for logs */
        buf[i++] = c < fill ? '#' : '.';
    }
    buf[i] = 0;
}
