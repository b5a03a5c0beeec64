/* Internal interface between the files of the rashm command. Nothing here
 * is public API: the command uses <rashm.h> and src/common's parser only.
 *
 * One file per command (cmd_*.c); they all print through the output layer
 * of out.c, which writes either text or JSON from the same calls, so a
 * command never writes JSON by hand nor keeps two copies of its output. */
#ifndef RASHM_CLI_H
#define RASHM_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rashm.h>

/* Exit codes: 0 success, 1 the operation failed at run time, 2 the command
 * line was wrong (nothing was attempted). */
enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Text output is laid out for this many columns. */
#define CLI_WIDTH 80

extern const char *cli_prog;
extern const char *cli_cmd;      /* the command running ("create"), or NULL */

/* "rashm <cmd>: <text>" on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_set_cmd(const char *cmd);

/* ---- commands ------------------------------------------------------------ */

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
};
#define CLI_COMMANDS(X) X(topo) X(limits) X(create) X(place) X(show) X(ls) X(rm) X(config)
#define CLI_DECLARE(n) extern const char usage_##n[]; int cmd_##n(int argc, char **argv);
CLI_COMMANDS(CLI_DECLARE)
#undef CLI_DECLARE

/* ---- options (opts.c) ------------------------------------------------------ */

/* getopt_long with rashm's own complaints: an unknown or misspelled option
 * gives one line ("did you mean '--populate'?") instead of the usage.
 * Returns what getopt_long returns, or CLI_OPT_BAD after the message (the
 * command then returns EXIT_USAGE). Permutes like GNU getopt. */
#define CLI_OPT_BAD (-2)
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/* The closest of cands[0..n-1] to word, or NULL when none is close. */
const char *cli_suggest(const char *word, const char *const *cands, int n);
/* One-line usage error with a pointer to the command's help: EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --json/--help only: -1 to go on (with *json set), else the exit status. */
int parse_json_only(int argc, char **argv, const char *usage, bool *json);

/* ---- values (parse.c); each returns 0 or -1 after printing why ----------- */

/* "4096", "64K", "2M", "1G", "0x1000" (K/M/G/T are powers of 1024). */
int parse_size(const char *s, const char *what, uint64_t *out);
/* Hex (0x...) or decimal key; "private" or "IPC_PRIVATE" gives IPC_PRIVATE. */
int parse_key(const char *s, int *out);
/* Decimal non-negative integer that fits in an int. */
int parse_int(const char *s, const char *what, int *out);
/* Octal permission bits ("600", "0644"), at most 0777. */
int parse_mode(const char *s, int *out);
/* A shmid as ipcs and 'rashm ls' print it. */
int parse_shmid(const char *s, int *out);
/* first-touch | balanced | default (enum rashm_policy). */
int parse_policy(const char *s, int *out);

/* OFFSET:LENGTH:POLICY:NODES as typed; NODES is a node list, "all", or
 * "srad:LIST" (then `set` holds SRAD ids, turned into nodes by
 * build_range against the topology). */
enum cli_nodes_kind { CLI_NODES_LIST, CLI_NODES_ALL, CLI_NODES_SRADS };
struct cli_range {
    uint64_t offset, length;     /* length 0 = to the end of the segment */
    int policy;                  /* enum rashm_policy */
    enum cli_nodes_kind kind;
    rashm_nodeset_t set;
    const char *text;            /* as typed, for messages */
};
int parse_range(const char *s, struct cli_range *out);
/* The API's range, checked against the topology and the segment. */
int build_range(const rashm_topo_t *t, const struct cli_range *cr, uint64_t size, uint64_t pgsz,
                struct rashm_range *out);

/* ---- small shared pieces (util.c) ---------------------------------------- */

const rashm_topo_t *topo_or_die(void);
const char *mpol_name(int mode);
const char *origin_name(int origin);
const char *policy_name(int policy);
const char *user_name(unsigned uid, char *buf, size_t len);
/* "1.5 GiB"-style human size into buf. */
void fmt_bytes(uint64_t bytes, char *buf, size_t len);
/* A bar of `width` cells, filled in proportion to part/whole. */
void fmt_bar(uint64_t part, uint64_t whole, int width, char *buf, size_t len);
/* Reads a small file into buf (trailing newline cut): 0 or -errno. */
int read_text(const char *path, char *buf, size_t len);
/* The same as an unsigned number. */
int read_u64(const char *path, uint64_t *out);

/* ---- the system's limits (sysinfo.c): shared by 'limits' and the errors -- */

struct huge_size {
    uint64_t size;               /* bytes */
    uint64_t total, free, resv, surplus, overcommit;   /* pages, whole system */
};
/* Huge page sizes the kernel offers (sysfs hugepages-*kB), ascending. */
int huge_sizes(struct huge_size *out, int max);
/* The default huge page size (Hugepagesize of /proc/meminfo), 0 if none. */
uint64_t huge_default_size(void);
/* vm.hugetlb_shm_group; -1 when unreadable. */
long hugetlb_shm_group(void);
/* Whether this process is in group gid (real, effective or supplementary). */
bool in_group(long gid);
/* Whether this process holds capability cap in its effective set. */
bool has_cap(int cap);
#define CLI_CAP_IPC_LOCK 14
/* RLIMIT_MEMLOCK soft limit (RLIM_INFINITY as UINT64_MAX). */
uint64_t memlock_limit(void);

/* ---- progress bar (progress.c) ------------------------------------------- */

struct progress {
    bool enabled;              /* stderr is a tty and the job is large       */
    uint64_t total;
    int last_pct;
    const char *label;
};
void progress_init(struct progress *p, const char *label, uint64_t total, bool enabled);
void progress_update(struct progress *p, uint64_t done);
void progress_done(struct progress *p);

/* ---- output layer (out.c) ------------------------------------------------ */

/* Every command writes through one `struct out`. Values (out_str, out_int,
 * ...) and structure (out_obj, out_arr) are JSON only; out_text is text
 * only; tables (tab_*) are drawn as aligned columns in text and ignored in
 * JSON, and out_cell_* feeds both at once: a JSON member and a table cell. */
struct out {
    FILE *f;
    bool json;
    int depth;
    bool first[32];            /* no element written yet at this depth */
};
void out_init(struct out *o, bool json);
int out_finish(struct out *o);  /* 0, or EXIT_RUNTIME when stdout failed */

void out_obj(struct out *o, const char *key);     /* key NULL inside arrays */
void out_arr(struct out *o, const char *key);
void out_end_obj(struct out *o);
void out_end_arr(struct out *o);
void out_str(struct out *o, const char *key, const char *val);  /* NULL: null */
void out_int(struct out *o, const char *key, long long val);
void out_uint(struct out *o, const char *key, unsigned long long val);
void out_bool(struct out *o, const char *key, bool val);
void out_null(struct out *o, const char *key);
void out_nodes(struct out *o, const char *key, const rashm_nodeset_t *s);
void out_cpus(struct out *o, const char *key, const rashm_cpuset_t *s);
void out_text(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text only: `text` wrapped at CLI_WIDTH, each line indented. */
void out_wrapped(struct out *o, int indent, const char *text);

/* A text table: columns by name, some selected for display (-o). */
struct tab_col {
    const char *name;          /* for -o and cells */
    const char *header;
    bool right;                /* right-aligned (numbers) */
};
struct table {
    const struct tab_col *cols;
    int ncols;
    int sel[32], nsel;         /* displayed columns, in order */
    int nrows, cap;
    char **cells;              /* nrows x nsel */
    int width;                 /* the last column is cut to fit (0: no cut) */
};
/* Selects the columns of a comma-separated list (NULL: def). -1 after a
 * message naming a column that does not exist (with a suggestion). */
int tab_init(struct table *t, const struct tab_col *cols, int ncols, const char *list, const char *def);
void tab_row(struct table *t);                                  /* a new row */
void tab_cell(struct table *t, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tab_print(struct out *o, struct table *t, const char *indent);   /* text only */
void tab_free(struct table *t);
/* A JSON member and, in text, the table cell of the same name. */
void out_cell_str(struct out *o, struct table *t, const char *key, const char *val);
void out_cell_uint(struct out *o, struct table *t, const char *key, unsigned long long val);
void out_cell_int(struct out *o, struct table *t, const char *key, long long val);

/* The RASHM_* list: an array "config" in JSON, lines in text. Returns 1
 * when a value is not accepted. */
int out_config(struct out *o);

#endif
