/* Named resource sets as IBM documents them: an application registers the
 * processors it wants under a name, another process (here: a child, and a
 * child running as an ordinary user) looks the name up, reads its owner
 * and permissions, and the owner changes the permissions and discards the
 * name. Each documented errno that a program can provoke is checked. */
#include "common.h"
#include <sys/rset.h>

static char ns[] = "myapp";
static char nm[] = "workers";
static char missing[] = "nosuchname";

/* An ordinary user: may read the attributes; may read the rset only when
 * the mode gives "others" read permission; may not change anything. */
static int reader(void)
{
    rsethandle_t r = rs_alloc(RS_EMPTY);
    rs_attributes_t a;
    EXPECT(rs_getnameattr(ns, nm, &a) == 0);
    int readable = (a.mode & RS_IROTH) != 0;
    if (readable)
        EXPECT(rs_getnamedrset(ns, nm, r) == 0 && rs_getinfo(r, R_NUMPROCS, 0) > 0);
    else
        EXPECT_ERR(rs_getnamedrset(ns, nm, r), EACCES);
    EXPECT_ERR(rs_discardname(ns, nm), EPERM);
    rs_free(r);
    return fails ? 1 : 0;
}

int main(void)
{
    rsethandle_t all = rs_alloc(RS_PARTITION), got = rs_alloc(RS_EMPTY);
    rs_attributes_t a;
    int nprocs = rs_getinfo(all, R_NUMPROCS, 0);
    EXPECT(nprocs > 0);

    rs_discardname(ns, nm);   /* left over from an earlier run */
    EXPECT(rs_registername(all, ns, nm, RS_IRUSR | RS_IWUSR | RS_IRGRP, RS_DEFINE) == 0);
    EXPECT_ERR(rs_registername(all, ns, nm, RS_IRUSR, RS_DEFINE), EEXIST);
    EXPECT_ERR(rs_registername(all, NULL, nm, RS_IRUSR, RS_DEFINE), EINVAL);
    EXPECT_ERR(rs_registername(all, ns, nm, RS_IRUSR, 12345), EINVAL);

    EXPECT(rs_getnamedrset(ns, nm, got) == 0);
    EXPECT(rs_getinfo(got, R_NUMPROCS, 0) == nprocs);
    EXPECT_ERR(rs_getnamedrset(ns, missing, got), ENOENT);
    EXPECT_ERR(rs_getnamedrset(NULL, nm, got), EINVAL);

    EXPECT(rs_getnameattr(ns, nm, &a) == 0);
    EXPECT(a.owner == geteuid());
    EXPECT(a.mode == (RS_IRUSR | RS_IWUSR | RS_IRGRP));
    EXPECT_ERR(rs_getnameattr(ns, missing, &a), ENOENT);

    if (geteuid() == 0) {
        EXPECT(as_nobody(reader) == 0);   /* no read permission for others */
        a.mode = RS_IRUSR | RS_IWUSR | RS_IROTH;
        EXPECT(rs_setnameattr(ns, nm, RS_PERM, &a) == 0);
        EXPECT(as_nobody(reader) == 0);   /* now readable */
    }
    EXPECT_ERR(rs_setnameattr(ns, nm, 0x100, &a), EINVAL);
    EXPECT_ERR(rs_setnameattr(ns, missing, RS_PERM, &a), ENOENT);

    EXPECT(rs_discardname(ns, nm) == 0);
    EXPECT_ERR(rs_discardname(ns, nm), ENOENT);
    EXPECT_ERR(rs_getnameattr(ns, nm, &a), ENOENT);
    rs_free(all);
    rs_free(got);
    return finish("named");
}
