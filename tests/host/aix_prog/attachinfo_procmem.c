/* ra_get_attachinfo(R_PROCMEM) as IBM documents it: the attachments of a
 * range of this process's memory, after ra_attach(R_SUBRANGE) with an
 * R_PROCMEM subrange, and the documented errors. */
#include "common.h"
#include <sys/mman.h>
#include <sys/rset.h>

int main(void)
{
    size_t len = 16 * 4096;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(p != MAP_FAILED);
    rsid_t me, rs, sub;
    me.at_pid = RS_MYSELF;
    /* nothing attached yet */
    EXPECT(ra_get_attachinfo(R_PROCMEM, me, (off64_t)(uintptr_t)p, len, 0) == NULL);

    /* the middle 8 pages to the partition, balanced */
    subrange_t s;
    memset(&s, 0, sizeof s);
    s.su_offset = (off64_t)(uintptr_t)(p + 4 * 4096);
    s.su_length = 8 * 4096;
    s.su_rstype = R_PROCMEM;
    s.su_rsid.at_pid = RS_MYSELF;
    sub.at_subrange = &s;
    rs.at_rset = rs_alloc(RS_PARTITION);
    int nodes = rs_getinfo(rs.at_rset, R_NUMMEMPS, 0);
    EXPECT(ra_attach(R_SUBRANGE, sub, R_RSET, rs, P_BALANCED) == 0);
    attachinfo_t *ai = ra_get_attachinfo(R_PROCMEM, me, (off64_t)(uintptr_t)p, len, 0);
    EXPECT(ai != (attachinfo_t *)-1);
    if (ai && ai != (attachinfo_t *)-1) {
        EXPECT(ai->at_rstype == R_RSET && ai->at_policy == P_BALANCED);
        EXPECT(rs_getinfo(ai->at_rsid.at_rset, R_NUMMEMPS, 0) >= 1);
        EXPECT(ai->next_resource == NULL);
        EXPECT(ra_free_attachinfo(ai) == 0);
    } else if (ai == NULL) {
        /* one memory node: the kernel keeps no policy worth reporting */
        EXPECT(nodes == 1);
    }
    /* outside the attached part: nothing */
    EXPECT(ra_get_attachinfo(R_PROCMEM, me, (off64_t)(uintptr_t)p, 4 * 4096, 0) == NULL);
    rsid_t rsid2 = rs;
    EXPECT(ra_detach(R_SUBRANGE, sub, R_RSET, rsid2, 0) == 0);
    EXPECT(ra_get_attachinfo(R_PROCMEM, me, (off64_t)(uintptr_t)p, len, 0) == NULL);

    /* errors: flags, length 0, a range that is not mapped */
    errno = 0;
    EXPECT(ra_get_attachinfo(R_PROCMEM, me, (off64_t)(uintptr_t)p, len, 1) == (attachinfo_t *)-1 && errno == EINVAL);
    errno = 0;
    EXPECT(ra_get_attachinfo(R_PROCMEM, me, (off64_t)(uintptr_t)p, 0, 0) == (attachinfo_t *)-1 && errno == EINVAL);
    munmap(p + 8 * 4096, 4096);
    errno = 0;
    EXPECT(ra_get_attachinfo(R_PROCMEM, me, (off64_t)(uintptr_t)p, len, 0) == (attachinfo_t *)-1 && errno == EINVAL);
    EXPECT_ERR(ra_free_attachinfo(NULL), EINVAL);
    munmap(p, len);
    rs_free(rs.at_rset);
    if (!fails)
        printf("ok R_PROCMEM attachments and EINVAL\n");
    return finish("attachinfo_procmem");
}
