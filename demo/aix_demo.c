/* rashm AIX demo: the ra_shmgetv example of the AIX documentation, unchanged
 * in substance, on Linux.
 *
 * An 80 MB segment whose first 32 MB are spread round-robin over the SRADs
 * of this process's partition (P_BALANCED) and whose last 48 MB follow the
 * first touch within the same resource set (P_FIRST_TOUCH), created with
 * IPC_CREAT|SHM_PIN so that every page is resident and placed when the call
 * returns. The demo then prints where the pages are (`rashm show`, or the
 * same query through the library when the command is not there), what
 * ra_get_attachinfo reports per subrange, and removes the segment.
 *
 *   rashm-demo-aix [PATH-OF-rashm-COMMAND]
 *
 * The command is looked for as the argument, next to this program, then in
 * PATH. Exit status 0 on success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <rashm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/rset.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The rashm command: argv[1], next to this program, or in PATH. */
static int find_cli(const char *arg, char *out, size_t len)
{
    if (arg) {
        snprintf(out, len, "%s", arg);
        return access(out, X_OK) == 0 ? 0 : -1;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = 0;
            int k = snprintf(out, len, "%s/rashm", self);
            if (k > 0 && (size_t)k < len && access(out, X_OK) == 0)
                return 0;
        }
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *colon = strchr(path, ':');
        size_t l = colon ? (size_t)(colon - path) : strlen(path);
        int k = snprintf(out, len, "%.*s/rashm", (int)l, path);
        if (l && k > 0 && (size_t)k < len && access(out, X_OK) == 0)
            return 0;
        path = colon ? colon + 1 : NULL;
    }
    return -1;
}

/* The placement map through the library (what `rashm show` prints). */
static int show_with_library(int shmid)
{
    struct rashm_placement *p = rashm_query(shmid);
    if (!p) {
        perror("rashm_query");
        return -1;
    }
    printf("segment %d: %llu bytes, %llu-byte pages, %d range(s)\n", shmid, (unsigned long long)p->size,
           (unsigned long long)p->page_size, p->nranges);
    for (int i = 0; i < p->nranges; i++) {
        struct rashm_range_placement *r = &p->ranges[i];
        char nodes[128];
        rashm_nodeset_format(&r->nodes, nodes, sizeof nodes);
        printf("  [%3llu MB, %3llu MB)  %-11s nodes %-8s  %llu of %llu pages resident\n",
               (unsigned long long)(r->offset >> 20), (unsigned long long)((r->offset + r->length) >> 20),
               r->policy >= 0 ? rashm_policy_name(r->policy) : "?", nodes, (unsigned long long)r->resident,
               (unsigned long long)r->pages);
        for (int nd = 0; nd < p->node_slots; nd++) {
            if (!r->node_pages[nd])
                continue;
            int bar = r->pages ? (int)(40 * r->node_pages[nd] / r->pages) : 0;
            printf("      node %-3d %8llu  %.*s\n", nd, (unsigned long long)r->node_pages[nd], bar,
                   "########################################");
        }
    }
    rashm_placement_free(p);
    return 0;
}

static int run_cli(const char *cli, int shmid)
{
    char id[16];
    snprintf(id, sizeof id, "%d", shmid);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl(cli, "rashm", "show", id, (char *)NULL);
        perror(cli);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *policy_name(unsigned p)
{
    return p == P_BALANCED ? "P_BALANCED" : p == P_FIRST_TOUCH ? "P_FIRST_TOUCH" : p == P_DEFAULT ? "P_DEFAULT" : "?";
}

int main(int argc, char **argv)
{
    int rc = 1;

    /* ---- the AIX documentation's example ---------------------------------- */
    int flags, shm_id;
    rsethandle_t rsetid;
    subrange_t subranges[2] = {0};

    rsetid = rs_alloc(RS_PARTITION);
    if (!rsetid) {
        perror("rs_alloc(RS_PARTITION)");
        return 1;
    }
    int sdl = rs_getinfo(NULL, R_SRADSDL, 0);
    printf("partition: %d CPUs, %d SRAD(s) at SDL %d (of SDLs 0..%d)\n", rs_getinfo(rsetid, R_NUMPROCS, 0),
           rs_numrads(rsetid, (uint_t)sdl, 0), sdl, rs_getinfo(NULL, R_MAXSDL, 0));

    subranges[0].su_offset = 0x0000000;
    subranges[0].su_length = 0x2000000;
    subranges[0].su_rstype = R_RSET;
    subranges[0].su_rsid.at_rset = rsetid;
    subranges[0].su_policy = P_BALANCED;

    subranges[1].su_offset = 0x2000000;
    subranges[1].su_length = 0x3000000;
    subranges[1].su_rstype = R_RSET;
    subranges[1].su_rsid.at_rset = rsetid;
    subranges[1].su_policy = P_FIRST_TOUCH;

    flags = (IPC_CREAT | SHM_PIN);
    double t0 = now_ms();
    shm_id = ra_shmgetv(IPC_PRIVATE, 0x5000000, flags, sizeof(subranges) / sizeof(subrange_t), subranges);
    double t1 = now_ms();
    if (shm_id == -1) {
        perror("ra_shmgetv failed!\n");
        rs_free(rsetid);
        exit(1);
    }
    printf("ra_shmgetv(IPC_PRIVATE, 80 MB, IPC_CREAT|SHM_PIN, 2 subranges) = %d  (%.1f ms, pages resident and"
           " locked on return)\n",
           shm_id, t1 - t0);
    printf("  [ 0 MB, 32 MB)  P_BALANCED    over rs_alloc(RS_PARTITION)\n");
    printf("  [32 MB, 80 MB)  P_FIRST_TOUCH over rs_alloc(RS_PARTITION): SHM_PIN populated it, so its pages\n"
           "                  are where this process (now on SRAD %d) touched them first\n",
           (int)rs_get_homesrad());

    /* ---- what the system says about it ---------------------------------------- */
    printf("\nra_get_attachinfo(R_SHM, %d, ...) per subrange:\n", shm_id);
    for (int i = 0; i < 2; i++) {
        rsid_t id = {.at_shmid = shm_id};
        attachinfo_t *ai = ra_get_attachinfo(R_SHM, id, subranges[i].su_offset, subranges[i].su_length, 0);
        if (ai == (attachinfo_t *)-1) {
            perror("ra_get_attachinfo");
            goto remove;
        }
        for (attachinfo_t *a = ai; a; a = a->next_resource)
            printf("  subrange %d: %s, %s with %d CPU(s)\n", i, a->at_rstype == R_RSET ? "R_RSET" : "R_SRADID",
                   policy_name(a->at_policy),
                   a->at_rstype == R_RSET ? rs_getinfo(a->at_rsid.at_rset, R_NUMPROCS, 0) : -1);
        if (!ai)
            printf("  subrange %d: no attachment\n", i);
        else
            ra_free_attachinfo(ai);
    }

    char cli[PATH_MAX];
    if (find_cli(argc > 1 ? argv[1] : NULL, cli, sizeof cli) == 0) {
        printf("\n$ rashm show %d\n", shm_id);
        int r = run_cli(cli, shm_id);
        if (r != 0) {
            fprintf(stderr, "rashm show exited with %d\n", r);
            goto remove;
        }
    } else {
        printf("\nplacement map (rashm_query; the rashm command was not found):\n");
        if (show_with_library(shm_id) != 0)
            goto remove;
    }
    rc = 0;

remove:
    /* rashm_remove: IPC_RMID plus the segment's entry in rashm's registry */
    if (rashm_remove(shm_id) != 0) {
        perror("rashm_remove");
        rc = 1;
    } else {
        printf("\nsegment %d removed\n", shm_id);
    }
    rs_free(rsetid);
    return rc;
}
