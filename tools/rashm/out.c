/* The output layer of the rashm command: one set of calls that writes JSON
 * (with correct escaping and comma placement) or text, so that each command
 * describes its output once. Text tables size their columns to the widest
 * cell and keep within CLI_WIDTH by cutting the last column. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void out_init(struct out *o, bool json)
{
    memset(o, 0, sizeof *o);
    o->f = stdout;
    o->json = json;
    o->first[0] = true;
}

int out_finish(struct out *o)
{
    if (o->json)
        fputc('\n', o->f);
    if (fflush(o->f) != 0 || ferror(o->f)) {
        cli_err("cannot write the output: %s", strerror(errno));
        return EXIT_RUNTIME;
    }
    return 0;
}

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* Comma, newline and indentation before an element, then its key. */
static void element(struct out *o, const char *key)
{
    if (o->depth > 0) {
        if (!o->first[o->depth])
            fputc(',', o->f);
        fputc('\n', o->f);
        for (int i = 0; i < o->depth; i++)
            fputs("  ", o->f);
    }
    o->first[o->depth] = false;
    if (key) {
        put_string(o->f, key);
        fputs(": ", o->f);
    }
}

static void open_(struct out *o, const char *key, char c)
{
    if (!o->json)
        return;
    element(o, key);
    fputc(c, o->f);
    if (o->depth + 1 < (int)(sizeof o->first / sizeof o->first[0]))
        o->depth++;
    o->first[o->depth] = true;
}

static void close_(struct out *o, char c)
{
    if (!o->json)
        return;
    bool empty = o->first[o->depth];
    if (o->depth > 0)
        o->depth--;
    if (!empty) {
        fputc('\n', o->f);
        for (int i = 0; i < o->depth; i++)
            fputs("  ", o->f);
    }
    fputc(c, o->f);
}

void out_obj(struct out *o, const char *key) { open_(o, key, '{'); }
void out_arr(struct out *o, const char *key) { open_(o, key, '['); }
void out_end_obj(struct out *o) { close_(o, '}'); }
void out_end_arr(struct out *o) { close_(o, ']'); }

void out_str(struct out *o, const char *key, const char *val)
{
    if (!o->json)
        return;
    element(o, key);
    if (val)
        put_string(o->f, val);
    else
        fputs("null", o->f);
}

void out_int(struct out *o, const char *key, long long val)
{
    if (!o->json)
        return;
    element(o, key);
    fprintf(o->f, "%lld", val);
}

void out_uint(struct out *o, const char *key, unsigned long long val)
{
    if (!o->json)
        return;
    element(o, key);
    fprintf(o->f, "%llu", val);
}

void out_bool(struct out *o, const char *key, bool val)
{
    if (!o->json)
        return;
    element(o, key);
    fputs(val ? "true" : "false", o->f);
}

void out_null(struct out *o, const char *key)
{
    if (!o->json)
        return;
    element(o, key);
    fputs("null", o->f);
}

/* A set as a one-line array of its members: "key": [0, 2, 3]. */
static void out_bits(struct out *o, const char *key, const void *s, int (*next)(const void *, int))
{
    if (!o->json)
        return;
    element(o, key);
    fputc('[', o->f);
    int n = 0;
    for (int i = next(s, -1); i >= 0; i = next(s, i))
        fprintf(o->f, "%s%d", n++ ? ", " : "", i);
    fputc(']', o->f);
}

static int node_next(const void *s, int prev) { return rashm_nodeset_next(s, prev); }
static int cpu_next(const void *s, int prev) { return rashm_cpuset_next(s, prev); }

void out_nodes(struct out *o, const char *key, const rashm_nodeset_t *s) { out_bits(o, key, s, node_next); }
void out_cpus(struct out *o, const char *key, const rashm_cpuset_t *s) { out_bits(o, key, s, cpu_next); }

void out_text(struct out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->json)
        return;
    va_start(ap, fmt);
    vfprintf(o->f, fmt, ap);
    va_end(ap);
}

void out_wrapped(struct out *o, int indent, const char *text)
{
    if (o->json)
        return;
    const char *p = text;
    while (*p) {
        int room = CLI_WIDTH - indent, n = (int)strlen(p);
        if (n > room) {
            /* break at the last space that fits, else at the first one */
            n = room;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0)
                n = (int)strcspn(p, " ");
        }
        fprintf(o->f, "%*s%.*s\n", indent, "", n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* ---- tables ---------------------------------------------------------------- */

int tab_init(struct table *t, const struct tab_col *cols, int ncols, const char *list, const char *def)
{
    char buf[512];
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols;
    t->width = CLI_WIDTH;
    snprintf(buf, sizeof buf, "%s", list ? list : def);
    for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        int found = -1;
        for (int i = 0; i < ncols; i++)
            if (!strcmp(cols[i].name, w))
                found = i;
        if (found < 0) {
            const char *names[32];
            int n = ncols < 32 ? ncols : 32;
            for (int i = 0; i < n; i++)
                names[i] = cols[i].name;
            const char *s = cli_suggest(w, names, n);
            if (s)
                cli_err("-o: no column '%s'; did you mean '%s'?", w, s);
            else
                cli_err("-o: no column '%s' (see 'rashm help %s')", w, "ls");
            return -1;
        }
        if (t->nsel < (int)(sizeof t->sel / sizeof t->sel[0]))
            t->sel[t->nsel++] = found;
    }
    if (!t->nsel) {
        cli_err("-o: no column named");
        return -1;
    }
    return 0;
}

void tab_row(struct table *t)
{
    if (t->nrows == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        char **c = realloc(t->cells, (size_t)cap * (size_t)t->nsel * sizeof *c);
        if (!c)
            return;                /* the row is dropped: out of memory */
        t->cells = c;
        t->cap = cap;
    }
    for (int i = 0; i < t->nsel; i++)
        t->cells[(size_t)t->nrows * (size_t)t->nsel + (size_t)i] = NULL;
    t->nrows++;
}

void tab_cell(struct table *t, const char *name, const char *fmt, ...)
{
    if (!t || !t->nrows)
        return;
    for (int i = 0; i < t->nsel; i++) {
        if (strcmp(t->cols[t->sel[i]].name, name))
            continue;
        char *s = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
            s = NULL;
        va_end(ap);
        char **cell = &t->cells[(size_t)(t->nrows - 1) * (size_t)t->nsel + (size_t)i];
        free(*cell);
        *cell = s;
    }
}

void tab_print(struct out *o, struct table *t, const char *indent)
{
    int w[32];
    if (o->json)
        return;
    for (int i = 0; i < t->nsel; i++) {
        w[i] = (int)strlen(t->cols[t->sel[i]].header);
        for (int r = 0; r < t->nrows; r++) {
            const char *c = t->cells[(size_t)r * (size_t)t->nsel + (size_t)i];
            if (c && (int)strlen(c) > w[i])
                w[i] = (int)strlen(c);
        }
    }
    for (int r = -1; r < t->nrows; r++) {
        int used = (int)strlen(indent);
        char line[4096];
        size_t u = (size_t)snprintf(line, sizeof line, "%s", indent);
        for (int i = 0; i < t->nsel && u < sizeof line; i++) {
            const struct tab_col *col = &t->cols[t->sel[i]];
            const char *c = r < 0 ? col->header : t->cells[(size_t)r * (size_t)t->nsel + (size_t)i];
            if (!c)
                c = col->header[0] ? "-" : "";
            bool last = i == t->nsel - 1;
            int cw = w[i];
            if (last && t->width && used + cw > t->width && !col->right) {
                /* the last column takes what is left of the line; a cut
                 * shows as a trailing '+' */
                int room = t->width - used;
                if (room < 8)
                    room = 8;
                if ((int)strlen(c) > room) {
                    u += (size_t)snprintf(line + u, sizeof line - u, "%.*s+", room - 1, c);
                    break;
                }
                cw = 0;
            }
            int n = col->right ? snprintf(line + u, sizeof line - u, "%*s", cw, c)
                               : snprintf(line + u, sizeof line - u, "%-*s", last ? 0 : cw, c);
            if (n < 0)
                break;
            u += (size_t)n;
            used += cw;
            if (!last && u < sizeof line) {
                line[u++] = ' ';
                line[u] = 0;
                used++;
            }
        }
        if (u >= sizeof line)
            u = sizeof line - 1;
        while (u > 0 && line[u - 1] == ' ')
            line[--u] = 0;
        fprintf(o->f, "%s\n", line);
    }
}

void tab_free(struct table *t)
{
    for (size_t i = 0; i < (size_t)t->nrows * (size_t)t->nsel; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->nrows = t->cap = 0;
}

void out_cell_str(struct out *o, struct table *t, const char *key, const char *val)
{
    if (o->json)
        out_str(o, key, val);
    else
        tab_cell(t, key, "%s", val ? val : "-");
}

void out_cell_uint(struct out *o, struct table *t, const char *key, unsigned long long val)
{
    if (o->json)
        out_uint(o, key, val);
    else
        tab_cell(t, key, "%llu", val);
}

void out_cell_int(struct out *o, struct table *t, const char *key, long long val)
{
    if (o->json)
        out_int(o, key, val);
    else
        tab_cell(t, key, "%lld", val);
}
