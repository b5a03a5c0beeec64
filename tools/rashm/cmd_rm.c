/* rashm rm: remove segments by shmid or key (IPC_RMID and the registry
 * entry), after checking every argument. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

const char usage_rm[] =
    "usage: rashm rm ID...\n"
    "       rashm rm -k KEY...\n"
    "\n"
    "Removes segments (IPC_RMID) and their placement records. A segment still\n"
    "attached somewhere goes away when the last process detaches; until then\n"
    "'rashm ls' shows it with status 'dest'.\n";

int cmd_rm(int argc, char **argv)
{
    static const struct option opts[] = {
        { "key", no_argument, NULL, 'k' }, { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 }
    };
    bool bykey = false;
    int c, rc = 0;
    while ((c = cli_getopt(argc, argv, "kh", opts)) != -1) {
        switch (c) {
        case 'k': bykey = true; break;
        case 'h': fputs(usage_rm, stdout); return 0;
        default: return EXIT_USAGE;
        }
    }
    if (optind == argc)
        return usage_error(bykey ? "which key? give at least one" : "which segment? give at least one shmid");
    int *ids = calloc((size_t)(argc - optind), sizeof *ids);
    if (!ids) {
        cli_err("out of memory");
        return EXIT_RUNTIME;
    }
    for (int i = optind; i < argc; i++) {
        int v;
        if (bykey ? parse_key(argv[i], &v) : parse_shmid(argv[i], &v)) {
            free(ids);
            return EXIT_USAGE;
        }
        if (bykey && v == IPC_PRIVATE) {
            free(ids);
            return usage_error("IPC_PRIVATE segments have no key: remove them by shmid");
        }
        ids[i - optind] = v;
    }
    for (int i = 0; i < argc - optind; i++) {
        int id = ids[i];
        if (bykey) {
            id = shmget((key_t)ids[i], 0, 0);
            if (id < 0) {
                cli_err("key 0x%08x: %s", (unsigned)ids[i],
                        errno == ENOENT ? "no segment has this key" : rashm_strerror(errno));
                rc = EXIT_RUNTIME;
                continue;
            }
        }
        if (rashm_remove(id) != 0) {
            int e = errno;
            if (e == EINVAL || e == EIDRM)
                cli_err("no segment with shmid %d", id);
            else if (e == EPERM)   /* IPC_RMID: only the owner, the creator or root */
                cli_err("shmid %d: permission denied: only its owner, its creator or root may remove it", id);
            else
                cli_err("shmid %d: %s", id, rashm_strerror(e));
            rc = EXIT_RUNTIME;
        }
    }
    free(ids);
    return rc;
}
