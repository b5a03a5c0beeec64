/* ra_attach / ra_detach / ra_get_attachinfo with R_FILDES: a memfd (shmem)
 * gets a shared policy that outlives librashm's temporary mapping and is
 * seen through a new mapping and by get_attachinfo; each errno of the
 * mapping: EBADF, EINVAL (not a regular file, empty, bad offsets, flags),
 * ENOTSUP (a file whose page cache takes no policy), EPERM (nobody, with a
 * read-only descriptor of root's file). */
#define _GNU_SOURCE
#include "host.h"
#include "check.h"
#include "sec.h"

#include <numaif.h>
#include <sys/mman.h>
#include <sys/rset.h>
#include <sys/vfs.h>
#include <linux/magic.h>

static int ro_fd;

static int nobody_attach(void *arg)
{
    (void)arg;
    rsid_t f;
    f.at_fd = ro_fd;
    CHECK_ERRNO(ra_attach(R_FILDES, f, R_SRADID, srad_id(0), 0), -1, EPERM);
    CHECK_ERRNO(ra_detach(R_FILDES, f, R_SRADID, srad_id(0), 0), -1, EPERM);
    /* reading the attachment needs no write access */
    attachinfo_t *ai = ra_get_attachinfo(R_FILDES, f, 0, 0, 0);
    CHECK(ai != (attachinfo_t *)-1);
    if (ai && ai != (attachinfo_t *)-1)
        ra_free_attachinfo(ai);
    return check_failures ? 1 : 0;
}

int main(void)
{
    long pg = page_size();
    int fd = memfd_create("rashm-fildes", 0);
    CHECK(fd >= 0);
    CHECK_EQ(ftruncate(fd, 16 * pg), 0);
    rsid_t f;
    f.at_fd = fd;

    attachinfo_t *ai = ra_get_attachinfo(R_FILDES, f, 0, 0, 0);
    CHECK(ai == NULL);   /* nothing attached yet */
    CHECK_EQ(ra_attach(R_FILDES, f, R_SRADID, srad_id(0), 0), 0);
    ai = ra_get_attachinfo(R_FILDES, f, 0, 0, 0);
    CHECK(ai != NULL && ai != (attachinfo_t *)-1);
    if (ai && ai != (attachinfo_t *)-1) {
        CHECK(ai->at_rstype == R_SRADID || ai->at_rstype == R_RSET);
        ra_free_attachinfo(ai);
    }
    /* the policy belongs to the file: a new mapping sees it */
    char *p = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    if (p != MAP_FAILED) {
        int mode = -1;
        unsigned long mask[16] = {0};
        CHECK_EQ(get_mempolicy(&mode, mask, 1024, p + 3 * pg, MPOL_F_ADDR), 0);
        CHECK(mode != MPOL_DEFAULT);
        memset(p, 1, 16 * pg);
        int node = -1;
        CHECK_EQ(get_mempolicy(&node, NULL, 0, p + 5 * pg, MPOL_F_NODE | MPOL_F_ADDR), 0);
        CHECK_EQ(node, 0);
        munmap(p, 16 * pg);
    }
    /* a part of the file */
    ai = ra_get_attachinfo(R_FILDES, f, pg, 2 * pg, 0);
    CHECK(ai != NULL && ai != (attachinfo_t *)-1);
    if (ai && ai != (attachinfo_t *)-1)
        ra_free_attachinfo(ai);

    CHECK_ERRNO(ra_get_attachinfo(R_FILDES, f, 0, 0, 1), (attachinfo_t *)-1, EINVAL);
    CHECK_ERRNO(ra_get_attachinfo(R_FILDES, f, 16 * pg, 0, 0), (attachinfo_t *)-1, EINVAL);
    CHECK_ERRNO(ra_get_attachinfo(R_FILDES, f, 0, 17 * pg, 0), (attachinfo_t *)-1, EINVAL);
    CHECK_ERRNO(ra_get_attachinfo(R_FILDES, f, -1, 0, 0), (attachinfo_t *)-1, EINVAL);

    /* errnos of the descriptor */
    rsid_t bad;
    bad.at_fd = -1;
    CHECK_ERRNO(ra_attach(R_FILDES, bad, R_SRADID, srad_id(0), 0), -1, EBADF);
    CHECK_ERRNO(ra_attach(R_FILDES, bad, R_SRADID, srad_id(0), 0x40000000), -1, EINVAL);
    CHECK_ERRNO(ra_attach(R_FILDES, bad, R_PROCESS, srad_id(0), 0), -1, EINVAL);
    int pfd[2];
    CHECK_EQ(pipe(pfd), 0);
    bad.at_fd = pfd[0];
    CHECK_ERRNO(ra_attach(R_FILDES, bad, R_SRADID, srad_id(0), 0), -1, EINVAL);
    close(pfd[0]);
    close(pfd[1]);
    CHECK_ERRNO(ra_attach(R_FILDES, bad, R_SRADID, srad_id(0), 0), -1, EBADF);   /* closed */
    int empty = memfd_create("rashm-empty", 0);
    bad.at_fd = empty;
    CHECK_ERRNO(ra_attach(R_FILDES, bad, R_SRADID, srad_id(0), 0), -1, EINVAL);
    close(empty);
    /* a file whose page cache takes no policy */
    char tmpl[] = "/var/tmp/rashm-fildes.XXXXXX";
    int disk = mkstemp(tmpl);
    struct statfs sf;
    if (disk >= 0 && fstatfs(disk, &sf) == 0 && sf.f_type != TMPFS_MAGIC) {
        CHECK_EQ(ftruncate(disk, pg), 0);
        bad.at_fd = disk;
        CHECK_ERRNO(ra_attach(R_FILDES, bad, R_SRADID, srad_id(0), 0), -1, ENOTSUP);
        CHECK_ERRNO(ra_get_attachinfo(R_FILDES, bad, 0, 0, 0), (attachinfo_t *)-1, ENOTSUP);
    } else {
        fprintf(stderr, "note: /var/tmp is tmpfs here, ENOTSUP not checked\n");
    }
    if (disk >= 0) {
        close(disk);
        unlink(tmpl);
    }

    /* an ordinary user with a read-only descriptor of root's file */
    if (geteuid() == 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ro_fd = open(path, O_RDONLY);
        CHECK(ro_fd >= 0);
        CHECK_EQ(sec_run_as(NOBODY, nobody_attach, NULL), 0);
        close(ro_fd);
    }

    CHECK_EQ(ra_detach(R_FILDES, f, R_SRADID, srad_id(0), 0), 0);
    ai = ra_get_attachinfo(R_FILDES, f, 0, 0, 0);
    CHECK(ai == NULL);
    close(fd);
    return check_failures ? 1 : 0;
}
