/* A small streaming JSON writer: enough for the read commands' --json
 * output, with correct string escaping and comma placement. */
#include "cli.h"

#include <string.h>

void json_init(struct json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    j->first[0] = true;
}

static void indent(struct json *j)
{
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
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
static void element(struct json *j, const char *key)
{
    if (j->depth > 0) {
        if (!j->first[j->depth])
            fputc(',', j->f);
        fputc('\n', j->f);
        indent(j);
    }
    j->first[j->depth] = false;
    if (key) {
        put_string(j->f, key);
        fputs(": ", j->f);
    }
}

static void open_(struct json *j, const char *key, char c)
{
    element(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < (int)(sizeof j->first / sizeof j->first[0]))
        j->depth++;
    j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
    bool empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty) {
        fputc('\n', j->f);
        indent(j);
    }
    fputc(c, j->f);
}

void json_obj(struct json *j, const char *key) { open_(j, key, '{'); }
void json_arr(struct json *j, const char *key) { open_(j, key, '['); }
void json_end_obj(struct json *j) { close_(j, '}'); }
void json_end_arr(struct json *j) { close_(j, ']'); }

void json_str(struct json *j, const char *key, const char *val)
{
    element(j, key);
    if (val)
        put_string(j->f, val);
    else
        fputs("null", j->f);
}

void json_int(struct json *j, const char *key, long long val)
{
    element(j, key);
    fprintf(j->f, "%lld", val);
}

void json_uint(struct json *j, const char *key, unsigned long long val)
{
    element(j, key);
    fprintf(j->f, "%llu", val);
}

void json_bool(struct json *j, const char *key, bool val)
{
    element(j, key);
    fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
    element(j, key);
    fputs("null", j->f);
}

void json_int_array(struct json *j, const char *key, const long long *v, int n)
{
    element(j, key);
    fputc('[', j->f);
    for (int i = 0; i < n; i++)
        fprintf(j->f, "%s%lld", i ? ", " : "", v[i]);
    fputc(']', j->f);
}

void json_finish(struct json *j)
{
    fputc('\n', j->f);
    fflush(j->f);
}
