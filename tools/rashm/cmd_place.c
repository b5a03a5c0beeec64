/* rashm place: place an existing segment (rashm_place), like numactl
 * --shmid: new ranges for a segment made by any program, optionally moving
 * the pages already resident; --reset forgets the placement
 * (rashm_unplace). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

const char usage_place[] =
    "usage: rashm place ID --range OFFSET:LENGTH:POLICY:NODES... [--move]\n"
    "       rashm place ID --reset\n"
    "\n"
    "Places the existing segment ID (as numactl --shmid does): its ranges are\n"
    "replaced by the ones given (same form as for 'rashm create'; parts no range\n"
    "covers get the default policy over all SRAD nodes). Pages already resident\n"
    "stay where they are unless --move is given. --reset drops the placement:\n"
    "the kernel's default policy and no registry entry. Only the segment's\n"
    "owner, its creator or root may place it.\n"
    "\n"
    "options:\n"
    "  --range OFFSET:LENGTH:POLICY:NODES   a range (repeatable)\n"
    "  --move               move resident pages to the new nodes\n"
    "  --reset              forget the placement instead\n";

int cmd_place(int argc, char **argv)
{
    enum { O_RANGE = 256, O_MOVE, O_RESET };
    static const struct option opts[] = {
        { "range", required_argument, NULL, O_RANGE }, { "move", no_argument, NULL, O_MOVE },
        { "reset", no_argument, NULL, O_RESET },       { "help", no_argument, NULL, 'h' },
        { 0, 0, 0, 0 }
    };
    struct cli_range *cr = calloc((size_t)argc + 1, sizeof *cr);
    struct rashm_range *rr = NULL;
    bool move = false, reset = false;
    int c, nranges = 0, id, rc = EXIT_USAGE;
    if (!cr) {
        cli_err("out of memory");
        return EXIT_RUNTIME;
    }
    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case O_RANGE:
            if (parse_range(optarg, &cr[nranges]))
                goto out;
            nranges++;
            break;
        case O_MOVE: move = true; break;
        case O_RESET: reset = true; break;
        case 'h': fputs(usage_place, stdout); rc = 0; goto out;
        default: goto out;
        }
    }
    if (argc - optind != 1) {
        rc = usage_error(argc == optind ? "which segment? give its shmid" : "one shmid at a time ('%s' is extra)",
                         argv[argc - 1]);
        goto out;
    }
    if (parse_shmid(argv[optind], &id))
        goto out;
    if (reset && (nranges || move)) {
        rc = usage_error("--reset takes no --range or --move");
        goto out;
    }
    if (!reset && !nranges) {
        rc = usage_error("give the placement with --range (or --reset to drop it)");
        goto out;
    }
    if (nranges > RASHM_MAX_RANGES) {
        rc = usage_error("at most %d ranges", RASHM_MAX_RANGES);
        goto out;
    }
    rc = EXIT_RUNTIME;
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0) {
        int e = errno;
        if (e == EINVAL || e == EIDRM)
            cli_err("no segment with shmid %d", id);
        else if (e == EACCES)
            cli_err("shmid %d: permission denied: only its owner, its creator or root may place it", id);
        else
            cli_err("shmid %d: %s", id, rashm_strerror(e));
        goto out;
    }
    if (reset) {
        if (rashm_unplace(id) != 0) {
            cli_err("shmid %d: %s", id, errno == EPERM ? "only its owner, its creator or root may place it"
                                                       : rashm_strerror(errno));
            goto out;
        }
        rc = 0;
        goto out;
    }
    /* the page size decides the alignment of the ranges: the kernel's
     * view of the segment, through the placement query */
    uint64_t pgsz = (uint64_t)sysconf(_SC_PAGESIZE);
    struct rashm_placement *p = rashm_query(id);
    if (p) {
        pgsz = p->page_size;
        rashm_placement_free(p);
    }
    const rashm_topo_t *t = topo_or_die();
    if (!t)
        goto out;
    rr = calloc((size_t)nranges, sizeof *rr);
    if (!rr) {
        cli_err("out of memory");
        goto out;
    }
    for (int i = 0; i < nranges; i++)
        if (build_range(t, &cr[i], ds.shm_segsz, pgsz, &rr[i])) {
            rc = EXIT_USAGE;
            goto out;
        }
    if (rashm_place(id, rr, nranges, move) != 0) {
        int e = errno;
        if (e == EPERM && geteuid() != 0 && geteuid() != ds.shm_perm.uid && geteuid() != ds.shm_perm.cuid)
            cli_err("shmid %d: only its owner, its creator or root may place it", id);
        else
            cli_err("shmid %d: cannot place it: %s", id, rashm_strerror(e));
        goto out;
    }
    rc = 0;
out:
    free(rr);
    free(cr);
    return rc;
}
