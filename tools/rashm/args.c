/* Usage errors and the options every read command shares. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int usage_error(const char *usage, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_err("%s", msg);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

/* getopt's own complaint was already printed: add the usage. */
int bad_option(const char *usage)
{
    fputs(usage, stderr);
    return EXIT_USAGE;
}

/* Options of the read commands that take no argument: --json and --help.
 * Returns -1 to go on (with *json set), else the exit status to return. */
int parse_json_only(int argc, char **argv, const char *usage, bool *json)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 }
    };
    int c;
    while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': *json = true; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return bad_option(usage);
        }
    }
    if (optind < argc)
        return usage_error(usage, "unexpected argument '%s'", argv[optind]);
    return -1;
}

