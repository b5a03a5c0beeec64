/* rashm: look at the machine's memory topology and limits, create, place,
 * inspect, list and remove placed System V shared memory segments. Each
 * command lives in cmd_<name>.c; this file only dispatches.
 *
 * Exit codes: 0 success, 1 the operation failed, 2 bad command line. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage_main[] =
    "usage: rashm COMMAND [ARGS]\n"
    "\n"
    "Placed System V shared memory on Linux NUMA.\n"
    "\n"
    "commands:\n"
    "  topo                 system detail levels, SRADs, memory-only nodes, free\n"
    "                       memory and huge pages per node, RASHM_* configuration;\n"
    "                       --distances: the node distance matrix\n"
    "  limits               shmmax/shmall/shmmni, huge pages per size and node,\n"
    "                       hugetlb_shm_group, RLIMIT_MEMLOCK, the partition\n"
    "  create KEY SIZE      create a segment placed by --range (prints its shmid)\n"
    "  place ID             place an existing segment (like numactl --shmid)\n"
    "  show ID              per range: policy, nodes, resident pages per node\n"
    "  ls                   every segment (like ipcs -m) with a placement summary;\n"
    "                       --nodes: resident memory per node (like numastat)\n"
    "  rm ID... | -k KEY... remove segments\n"
    "  config               every RASHM_* variable: value and source\n"
    "  help [COMMAND]       this text, or a command's\n"
    "\n"
    "topo, limits, show, ls and config take --json. --version prints the version.\n"
    "Exit status: 0 ok, 1 failed, 2 bad usage.\n";

#define CLI_ENTRY(n) { #n, cmd_##n, usage_##n },
static const struct cli_command commands[] = { CLI_COMMANDS(CLI_ENTRY) };
#undef CLI_ENTRY
#define NCOMMANDS ((int)(sizeof commands / sizeof *commands))

static const struct cli_command *find_command(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

/* "unknown command 'lst'; did you mean 'ls'?" in one line. */
static int unknown_command(const char *what, const char *name)
{
    const char *names[NCOMMANDS + 4];
    int n = 0;
    if (name[0] == '-') {
        names[n++] = "--version";
        names[n++] = "--help";
        names[n++] = "--json";
    } else {
        for (int i = 0; i < NCOMMANDS; i++)
            names[n++] = commands[i].name;
        names[n++] = "help";
    }
    const char *s = cli_suggest(name, names, n);
    if (s)
        cli_err("%s '%s'; did you mean '%s'?", what, name, s);
    else
        cli_err("%s '%s' (see 'rashm help')", what, name);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            const struct cli_command *c = find_command(argv[2]);
            if (!c)
                return unknown_command("no command", argv[2]);
            fputs(c->usage, stdout);
            return 0;
        }
        fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version")) {
        struct out o;
        out_init(&o, false);
        out_text(&o, "rashm %s\n", RASHM_VERSION_STRING);
        return out_finish(&o);
    }
    /* "rashm --json ls" works as well as "rashm ls --json" */
    bool json_first = false;
    if (!strcmp(cmd, "--json") && argc > 2) {
        json_first = true;
        cmd = argv[2];
        argv++;
        argc--;
    }
    const struct cli_command *c = find_command(cmd);
    if (!c)
        return unknown_command(cmd[0] == '-' ? "unknown option" : "unknown command", cmd);
    cli_set_cmd(c->name);
    /* the command sees argv[0] = "rashm NAME"; getopt restarts */
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        cli_err("out of memory");
        return EXIT_RUNTIME;
    }
    char name[64];
    snprintf(name, sizeof name, "%s %s", cli_prog, c->name);
    int n = 0;
    args[n++] = name;
    if (json_first)
        args[n++] = (char *)"--json";
    for (int i = 2; i < argc; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    optind = 0;
    int rc = c->fn(n, args);
    free(args);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_err("cannot write the output");
        return EXIT_RUNTIME;
    }
    return rc;
}
