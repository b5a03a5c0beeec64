/* json_flat: a strict JSON checker for the CLI tests (RFC 8259: no trailing
 * commas, no comments, strings with valid escapes, one value). Reads stdin;
 * on success prints one line per scalar, "path=value", e.g.
 *   .ranges[0].policy="balanced"
 *   .ranges[0].resident=256
 * and exits 0; on the first error prints where and exits 1. Written here so
 * the tests do not depend on python or jq being installed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *src;
static size_t pos, len;

static void fail(const char *why)
{
    size_t from = pos > 30 ? pos - 30 : 0;
    fprintf(stderr, "json_flat: invalid JSON at byte %zu: %s\n  near: %.60s\n", pos, why, src + from);
    exit(1);
}

static void ws(void)
{
    while (pos < len && (src[pos] == ' ' || src[pos] == '\t' || src[pos] == '\n' || src[pos] == '\r'))
        pos++;
}

static void value(char *path, size_t plen);

/* Parses a string; copies its raw text (with quotes) into out if given. */
static void string(char *out, size_t outlen)
{
    size_t start = pos;
    if (src[pos] != '"')
        fail("expected a string");
    pos++;
    for (;;) {
        if (pos >= len)
            fail("unterminated string");
        unsigned char c = (unsigned char)src[pos];
        if (c == '"')
            break;
        if (c < 0x20)
            fail("control character in a string");
        if (c == '\\') {
            pos++;
            if (pos >= len)
                fail("unterminated escape");
            switch (src[pos]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                break;
            case 'u':
                for (int i = 1; i <= 4; i++)
                    if (pos + (size_t)i >= len || !isxdigit((unsigned char)src[pos + (size_t)i]))
                        fail("bad \\u escape");
                pos += 4;
                break;
            default:
                fail("bad escape");
            }
        }
        pos++;
    }
    pos++;
    if (out) {
        size_t n = pos - start < outlen - 1 ? pos - start : outlen - 1;
        memcpy(out, src + start, n);
        out[n] = 0;
    }
}

static void number(char *out, size_t outlen)
{
    size_t start = pos;
    if (src[pos] == '-')
        pos++;
    if (pos < len && src[pos] == '0')
        pos++;
    else if (pos < len && src[pos] >= '1' && src[pos] <= '9')
        while (pos < len && isdigit((unsigned char)src[pos]))
            pos++;
    else
        fail("bad number");
    if (pos < len && src[pos] == '.') {
        pos++;
        if (pos >= len || !isdigit((unsigned char)src[pos]))
            fail("bad fraction");
        while (pos < len && isdigit((unsigned char)src[pos]))
            pos++;
    }
    if (pos < len && (src[pos] == 'e' || src[pos] == 'E')) {
        pos++;
        if (pos < len && (src[pos] == '+' || src[pos] == '-'))
            pos++;
        if (pos >= len || !isdigit((unsigned char)src[pos]))
            fail("bad exponent");
        while (pos < len && isdigit((unsigned char)src[pos]))
            pos++;
    }
    size_t n = pos - start < outlen - 1 ? pos - start : outlen - 1;
    memcpy(out, src + start, n);
    out[n] = 0;
}

static void literal(const char *word)
{
    size_t n = strlen(word);
    if (len - pos < n || strncmp(src + pos, word, n) != 0)
        fail("unexpected character");
    pos += n;
}

static void value(char *path, size_t plen)
{
    char buf[4096];
    size_t base = strlen(path);
    ws();
    if (pos >= len)
        fail("unexpected end");
    switch (src[pos]) {
    case '{':
        pos++;
        ws();
        if (pos < len && src[pos] == '}') {
            pos++;
            printf("%s={}\n", path[0] ? path : ".");
            return;
        }
        for (;;) {
            ws();
            char key[1024];
            string(key, sizeof key);
            /* strip the quotes for the path */
            key[strlen(key) - 1] = 0;
            snprintf(path + base, plen - base, ".%s", key + 1);
            ws();
            if (pos >= len || src[pos] != ':')
                fail("expected ':'");
            pos++;
            value(path, plen);
            path[base] = 0;
            ws();
            if (pos < len && src[pos] == ',') {
                pos++;
                continue;
            }
            if (pos < len && src[pos] == '}') {
                pos++;
                return;
            }
            fail("expected ',' or '}'");
        }
    case '[':
        pos++;
        ws();
        if (pos < len && src[pos] == ']') {
            pos++;
            printf("%s=[]\n", path[0] ? path : ".");
            return;
        }
        for (int i = 0;; i++) {
            snprintf(path + base, plen - base, base ? "[%d]" : ".[%d]", i);
            value(path, plen);
            path[base] = 0;
            ws();
            if (pos < len && src[pos] == ',') {
                pos++;
                continue;
            }
            if (pos < len && src[pos] == ']') {
                pos++;
                return;
            }
            fail("expected ',' or ']'");
        }
    case '"':
        string(buf, sizeof buf);
        printf("%s=%s\n", path[0] ? path : ".", buf);
        return;
    case 't': literal("true"); printf("%s=true\n", path[0] ? path : "."); return;
    case 'f': literal("false"); printf("%s=false\n", path[0] ? path : "."); return;
    case 'n': literal("null"); printf("%s=null\n", path[0] ? path : "."); return;
    default:
        number(buf, sizeof buf);
        printf("%s=%s\n", path[0] ? path : ".", buf);
        return;
    }
}

int main(void)
{
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    size_t n;
    len = 0;
    while (buf && (n = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
        }
    }
    if (!buf) {
        fprintf(stderr, "json_flat: out of memory\n");
        return 2;
    }
    src = buf;
    char path[8192] = "";
    value(path, sizeof path);
    ws();
    if (pos != len)
        fail("text after the value");
    free(buf);
    return 0;
}
