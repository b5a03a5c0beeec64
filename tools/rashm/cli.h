/* Internal interface between the files of the rashm command.
 * Nothing here is public API: the command itself only uses <rashm.h>. */
#ifndef RASHM_CLI_H
#define RASHM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes: 0 success, 1 the operation failed at run time, 2 the command
 * line was wrong (nothing was attempted). */
enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

extern const char *cli_prog;

/* Message helpers: "rashm: <cmd>: <text>" on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_set_cmd(const char *cmd);

/* ---- parsing (parse.c); each returns 0 or -1 after printing why ------- */

/* "4096", "64K", "2M", "1G", "0x1000" (K/M/G/T are powers of 1024). */
int parse_size(const char *s, const char *what, uint64_t *out);
/* Hex (0x...) or decimal key; "private" or "IPC_PRIVATE" gives IPC_PRIVATE. */
int parse_key(const char *s, int *out);
/* Decimal non-negative integer that fits in an int. */
int parse_int(const char *s, const char *what, int *out);
/* Octal permission bits ("600", "0644"), at most 0777. */
int parse_mode(const char *s, int *out);

/* Node bitmap of up to CLI_MAX_NODES nodes. */
#define CLI_MAX_NODES 1024
enum cli_nodes_kind {
    CLI_NODES_LIST,            /* bits are NUMA node numbers                 */
    CLI_NODES_ALL,             /* "all": every node of the machine           */
    CLI_NODES_SRADS,           /* "srad:LIST": bits are SRAD ids             */
};
struct cli_nodes {
    enum cli_nodes_kind kind;
    uint64_t bits[CLI_MAX_NODES / 64];
};
/* "0,2-3", "all", "srad:0", "srad:0-1". */
int parse_nodes(const char *s, struct cli_nodes *out);
static inline bool cli_nodes_test(const struct cli_nodes *n, int i)
{
    return i >= 0 && i < CLI_MAX_NODES && (n->bits[i / 64] >> (i % 64)) & 1;
}
static inline void cli_nodes_set(struct cli_nodes *n, int i)
{
    if (i >= 0 && i < CLI_MAX_NODES)
        n->bits[i / 64] |= UINT64_C(1) << (i % 64);
}
int cli_nodes_count(const struct cli_nodes *n);
/* Writes "0,2-3" into buf. */
void cli_nodes_format(const struct cli_nodes *n, char *buf, size_t len);

enum cli_policy { CLI_POL_FIRST_TOUCH, CLI_POL_BALANCED, CLI_POL_DEFAULT };
int parse_policy(const char *s, enum cli_policy *out);

struct cli_range {
    uint64_t offset, length;   /* length 0 = to the end of the segment */
    enum cli_policy policy;
    struct cli_nodes nodes;
};
/* OFFSET:LENGTH:POLICY:NODES */
int parse_range(const char *s, struct cli_range *out);

/* "1.5 GiB"-style human size into buf. */
void fmt_bytes(uint64_t bytes, char *buf, size_t len);

/* ---- JSON output (json.c) ---------------------------------------------- */

struct json {
    FILE *f;
    int depth;
    bool first[64];            /* no element written yet at this depth      */
};
void json_init(struct json *j, FILE *f);
void json_obj(struct json *j, const char *key);   /* key NULL inside arrays */
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_str(struct json *j, const char *key, const char *val); /* NULL -> null */
void json_int(struct json *j, const char *key, long long val);
void json_uint(struct json *j, const char *key, unsigned long long val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* A short array of integers on one line: "key": [0, 2, 3]. */
void json_int_array(struct json *j, const char *key, const long long *v, int n);
void json_finish(struct json *j);                 /* trailing newline      */

/* ---- progress bar (progress.c) ----------------------------------------- */

struct progress {
    bool enabled;              /* stderr is a tty and the job is large       */
    uint64_t total;
    int last_pct;
    const char *label;
};
void progress_init(struct progress *p, const char *label, uint64_t total, bool enabled);
void progress_update(struct progress *p, uint64_t done);
void progress_done(struct progress *p);

/* ---- bars for show ------------------------------------------------------ */

/* A bar of `width` cells, filled in proportion to part/whole. */
void fmt_bar(uint64_t part, uint64_t whole, int width, char *buf, size_t len);

/* ---- commands and the shared pieces of their output ---------------- */
/* cli_err(msg) and the usage on stderr: EXIT_USAGE. */
int usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* getopt's own complaint was already printed: add the usage. EXIT_USAGE. */
int bad_option(const char *usage);
/* --json/--help only: -1 to go on (with *json set), else the exit status. */
int parse_json_only(int argc, char **argv, const char *usage, bool *json);
/* The RASHM_* list: into j (an array "config"), or as text when j is NULL.
 * Returns 1 when a value is not accepted. */
int out_config(struct json *j);
extern const char usage_config[];
int cmd_config(int argc, char **argv);

#endif
