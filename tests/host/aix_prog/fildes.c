/* ra_attach(R_FILDES) and ra_get_attachinfo(R_FILDES) as IBM documents
 * them: a shared-memory file (shm_open) is attached to SRAD 0 through its
 * descriptor, its attachment is read back, then detached; a descriptor
 * that is not open is refused. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/rset.h>

int main(void)
{
    char name[64];
    snprintf(name, sizeof name, "/aixprog-fildes-%d", (int)getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    EXPECT(fd >= 0);
    shm_unlink(name);
    long pg = sysconf(_SC_PAGESIZE);
    EXPECT(ftruncate(fd, 8 * pg) == 0);

    rsid_t file, srad;
    file.at_fd = fd;
    srad.at_sradid = 0;
    attachinfo_t *ai = ra_get_attachinfo(R_FILDES, file, 0, 0, 0);
    EXPECT(ai == NULL);
    EXPECT(ra_attach(R_FILDES, file, R_SRADID, srad, 0) == 0);
    ai = ra_get_attachinfo(R_FILDES, file, 0, 0, 0);
    EXPECT(ai != NULL && ai != (attachinfo_t *)-1);
    if (ai && ai != (attachinfo_t *)-1)
        ra_free_attachinfo(ai);

    /* the file's pages, touched through any mapping, follow the attachment */
    char *p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    EXPECT(p != MAP_FAILED);
    if (p != MAP_FAILED) {
        memset(p, 7, 8 * pg);
        munmap(p, 8 * pg);
    }

    EXPECT(ra_detach(R_FILDES, file, R_SRADID, srad, 0) == 0);
    ai = ra_get_attachinfo(R_FILDES, file, 0, 0, 0);
    EXPECT(ai == NULL);
    close(fd);
    EXPECT_ERR(ra_attach(R_FILDES, file, R_SRADID, srad, 0), EBADF);
    EXPECT_ERR(ra_get_attachinfo(R_FILDES, file, 0, 0, 0), EBADF);
    return finish("fildes");
}
