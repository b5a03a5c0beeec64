/* Command-line options: getopt_long with one-line complaints that suggest
 * the nearest option or command, and the --json/--help pair the read
 * commands share. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Edit distance (insert, delete, replace; a swap of neighbours costs 1). */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

const char *cli_suggest(const char *word, const char *const *cands, int n)
{
    const char *best = NULL;
    int bd = 99;
    size_t lw = strlen(word);
    for (int i = 0; i < n; i++) {
        int d = distance(word, cands[i]);
        /* a prefix of one candidate ("--pop") is as good as a typo */
        if (lw >= 3 && !strncmp(cands[i], word, lw))
            d = 1;
        if (d < bd) {
            bd = d;
            best = cands[i];
        }
    }
    /* close enough: about one mistake in three letters, at least one */
    int limit = (int)lw / 3 < 1 ? 1 : (int)lw / 3;
    return bd <= limit ? best : NULL;
}

int usage_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_err("%s", msg);
    return EXIT_USAGE;
}

static void bad_option(int argc, char **argv, const char *shortopts, const struct option *longopts, int c)
{
    char tok[128];
    const char *cands[64];
    char shorts[64][3];
    int n = 0;
    const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    if (c == ':' && strncmp(word, "--", 2)) {
        cli_err("option '-%c' needs a value", optopt);
        return;
    }
    if (c == '?' && optopt && !strncmp(word, "--", 2) && strchr(word, '=')) {
        cli_err("option '%.*s' takes no value", (int)strcspn(word, "="), word);
        return;
    }
    if (optopt && strncmp(word, "--", 2)) {
        snprintf(tok, sizeof tok, "-%c", optopt);
    } else {
        /* a long option: the word getopt stopped at, without "=value" */
        snprintf(tok, sizeof tok, "%s", word);
        tok[strcspn(tok, "=")] = 0;
    }
    if (c == ':') {
        cli_err("option '%s' needs a value", tok);
        return;
    }
    for (const struct option *o = longopts; o && o->name && n < 64; o++) {
        static char names[64][40];
        snprintf(names[n], sizeof names[n], "--%s", o->name);
        cands[n] = names[n];
        n++;
    }
    for (const char *s = shortopts; *s && n < 64; s++) {
        if (*s == ':' || *s == '+')
            continue;
        shorts[n][0] = '-';
        shorts[n][1] = *s;
        shorts[n][2] = 0;
        cands[n] = shorts[n];
        n++;
    }
    const char *s = tok[1] == '-' || strlen(tok) > 2 ? cli_suggest(tok, cands, n) : NULL;
    if (s)
        cli_err("invalid option '%s'; did you mean '%s'?", tok, s);
    else
        cli_err("invalid option '%s' (see 'rashm help %s')", tok, cli_cmd ? cli_cmd : "");
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    /* ':' first: a missing value is told apart from an unknown option */
    char opts[64];
    snprintf(opts, sizeof opts, ":%s", shortopts);
    opterr = 0;
    int c = getopt_long(argc, argv, opts, longopts, NULL);
    if (c == '?' || c == ':') {
        bad_option(argc, argv, shortopts, longopts, c);
        return CLI_OPT_BAD;
    }
    return c;
}

int parse_json_only(int argc, char **argv, const char *usage, bool *json)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 }
    };
    int c;
    while ((c = cli_getopt(argc, argv, "jh", opts)) != -1) {
        switch (c) {
        case 'j': *json = true; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    return -1;
}
