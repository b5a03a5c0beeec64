/* Command-line values. The numbers, sizes and id lists go through
 * src/common's parser and the public set API (rashm_nodeset_parse), so the
 * command accepts exactly what the library and the environment accept;
 * what is left here is the messages: each names the bad value and what was
 * expected, and the caller turns -1 into exit status 2. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ipc.h>

#include "parse.h"

int parse_size(const char *s, const char *what, uint64_t *out)
{
    if (rcom_parse_size(s, 1, out) == 0)
        return 0;
    /* say what is wrong: the number, its suffix, or its magnitude */
    const char *p = s;
    if (!isdigit((unsigned char)*p)) {
        cli_err("%s: '%s' is not a size (examples: 4096, 64K, 2M, 1G, 0x1000)", what, s);
        return -1;
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        for (p += 2; isxdigit((unsigned char)*p); p++)
            ;
    else
        while (isdigit((unsigned char)*p))
            p++;
    if (*p && !strchr("kKmMgGtTbB", *p))
        cli_err("%s: '%s': unknown suffix '%s' (use K, M, G or T)", what, s, p);
    else if (*p && p[1] && strcmp(p + 1, "i") && strcasecmp(p + 1, "iB") && strcasecmp(p + 1, "B"))
        cli_err("%s: '%s': trailing characters '%s'", what, s, p + 1);
    else
        cli_err("%s: '%s' is too large", what, s);
    return -1;
}

int parse_key(const char *s, int *out)
{
    long v;
    if (!strcasecmp(s, "private") || !strcmp(s, "IPC_PRIVATE")) {
        *out = IPC_PRIVATE;
        return 0;
    }
    /* key_t is a 32-bit int: the full unsigned range as ipcs prints it
     * (0xdeadbeef) as well as negative decimals */
    if (rcom_parse_long(s, INT_MIN, (long)UINT_MAX, &v)) {
        cli_err("key: '%s' is not a key (decimal, 0x-prefixed hex, or 'private')", s);
        return -1;
    }
    *out = (int)(unsigned)v;
    return 0;
}

int parse_int(const char *s, const char *what, int *out)
{
    long v;
    if (!isdigit((unsigned char)*s) || rcom_parse_long(s, 0, INT_MAX, &v)) {
        cli_err("%s: '%s' is not a non-negative integer", what, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int parse_shmid(const char *s, int *out)
{
    long v;
    if (!isdigit((unsigned char)*s) || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ||
        rcom_parse_long(s, 0, INT32_MAX, &v)) {
        cli_err("'%s' is not a shmid (a non-negative decimal number, as 'rashm ls' shows)", s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int parse_mode(const char *s, int *out)
{
    char *end;
    long v;
    /* permissions are octal by convention (chmod), unlike every other
     * number on the command line */
    errno = 0;
    v = strtol(s, &end, 8);
    if (errno || end == s || *end || v < 0 || v > 0777) {
        cli_err("--mode: '%s' is not an octal permission between 000 and 777", s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int parse_policy(const char *s, int *out)
{
    static const struct { const char *alias; int policy; } aliases[] = {
        { "first_touch", RASHM_POLICY_FIRST_TOUCH }, { "ft", RASHM_POLICY_FIRST_TOUCH },
        { "bal", RASHM_POLICY_BALANCED },
    };
    /* every policy by the name rashm_policy_name gives it, so that what
       show and ls print is accepted back */
    for (int p = RASHM_POLICY_DEFAULT; p <= RASHM_POLICY_PREFERRED; p++) {
        const char *n = rashm_policy_name(p);
        if (n && !strcmp(s, n)) {
            *out = p;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (!strcmp(s, aliases[i].alias)) {
            *out = aliases[i].policy;
            return 0;
        }
    cli_err("policy: '%s' is not one of first-touch, balanced, preferred, default", s);
    return -1;
}

/* A node or SRAD list through the public parser; the message says why it
 * was refused. */
static int parse_list(const char *s, const char *what, rashm_nodeset_t *out)
{
    if (*s && rashm_nodeset_parse(s, out) == 0 && !rashm_nodeset_isempty(out))
        return 0;
    const char *dash = strchr(s, '-');
    long a, b;
    if (!*s)
        cli_err("%s: empty list", what);
    else if (dash && sscanf(s, "%ld-%ld", &a, &b) == 2 && a > b)
        cli_err("%s: '%s': range %ld-%ld runs backwards", what, s, a, b);
    else if (isdigit((unsigned char)*s) && strtol(s, NULL, 10) >= RASHM_MAX_NODES)
        cli_err("%s: '%s': beyond the largest supported number (%d)", what, s, RASHM_MAX_NODES - 1);
    else
        cli_err("%s: '%s' is not a list like 0,2-3", what, s);
    return -1;
}

static int parse_nodes(const char *s, struct cli_range *out)
{
    rashm_nodeset_zero(&out->set);
    if (!strcmp(s, "all")) {
        out->kind = CLI_NODES_ALL;
        return 0;
    }
    if (!strncmp(s, "srad:", 5)) {
        out->kind = CLI_NODES_SRADS;       /* the set holds SRAD ids */
        return parse_list(s + 5, "srad", &out->set);
    }
    out->kind = CLI_NODES_LIST;
    if (!isdigit((unsigned char)*s)) {
        cli_err("nodes: '%s' is not a node list (like 0,2-3), 'all' or 'srad:N'", s);
        return -1;
    }
    return parse_list(s, "nodes", &out->set);
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
    /* split by hand (strtok would merge empty fields) so that "0::balanced:0"
     * is reported as an empty length rather than as a missing field */
    tok = buf;
    for (;;) {
        char *colon = strchr(tok, ':');
        if (n == 3 || !colon) {   /* the node field may itself hold ':' (srad:N) */
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
    out->text = s;
    if (parse_size(f[0], "range offset", &out->offset) || parse_size(f[1], "range length", &out->length) ||
        parse_policy(f[2], &out->policy) || parse_nodes(f[3], out))
        return -1;
    return 0;
}

int build_range(const rashm_topo_t *t, const struct cli_range *cr, uint64_t size, uint64_t pgsz,
                struct rashm_range *out)
{
    char b1[32];
    const char *text = cr->text;
    memset(out, 0, sizeof *out);
    if (cr->offset % pgsz || cr->length % pgsz) {
        fmt_bytes(pgsz, b1, sizeof b1);
        cli_err("--range %s: offset and length must be multiples of the page size (%s)", text, b1);
        return -1;
    }
    if (cr->offset >= size || cr->length > size - cr->offset) {
        cli_err("--range %s: runs past the end of the segment (%" PRIu64 " bytes)", text, size);
        return -1;
    }
    out->offset = cr->offset;
    out->length = cr->length;
    out->policy = cr->policy;
    out->origin = RASHM_ORIGIN_NODES;
    rashm_nodeset_zero(&out->nodes);
    switch (cr->kind) {
    case CLI_NODES_ALL:
        rashm_topo_all_nodes(t, &out->nodes);
        break;
    case CLI_NODES_SRADS: {
        int nsrad = 0, last = -1;
        if (!rashm_config_enhanced_affinity()) {
            cli_err("--range %s: SRAD ids are switched off (RASHM_ENHANCED_AFFINITY=0); name the nodes instead",
                    text);
            return -1;
        }
        for (int s = rashm_nodeset_next(&cr->set, -1); s >= 0; s = rashm_nodeset_next(&cr->set, s)) {
            int node = rashm_topo_srad_node(t, s);
            if (node < 0) {
                cli_err("--range %s: there is no SRAD %d (this machine has %d; see 'rashm topo')", text, s,
                        rashm_topo_nsrads(t));
                return -1;
            }
            rashm_nodeset_set(&out->nodes, node);
            nsrad++;
            last = s;
        }
        if (nsrad == 1) {             /* one SRAD: recorded as an SRAD attachment */
            out->origin = RASHM_ORIGIN_SRAD;
            out->srad = last;
        }
        break;
    }
    case CLI_NODES_LIST: {
        rashm_nodeset_t known, extra;
        rashm_nodeset_zero(&known);
        for (int i = 0; i < rashm_topo_nnodes(t); i++) {
            struct rashm_node_info ni;
            if (rashm_topo_node(t, i, &ni) == 0)
                rashm_nodeset_set(&known, ni.node);
        }
        rashm_nodeset_andnot(&extra, &cr->set, &known);
        if (!rashm_nodeset_isempty(&extra)) {
            char kb[128];
            rashm_nodeset_format(&known, kb, sizeof kb);
            cli_err("--range %s: there is no NUMA node %d (nodes: %s)", text, rashm_nodeset_next(&extra, -1), kb);
            return -1;
        }
        out->nodes = cr->set;
        break;
    }
    }
    return 0;
}
