/* Named rsets: every errno of IBM's pages for rs_registername,
 * rs_getnamedrset, rs_discardname, rs_getnameattr and rs_setnameattr, the
 * permission rules seen by user nobody, and two attacks by nobody: a
 * symlink planted where root creates the registry's rsets directory, and
 * forged rset files. Each attack must fail and touch nothing outside. */
#define _GNU_SOURCE
#include "host.h"
#include "check.h"
#include "sec.h"

#include <sys/rset.h>
#include <sys/stat.h>

static char victim[160];

static int victim_entries(void)
{
    char t[200];
    snprintf(t, sizeof t, "%s/test", victim);
    return sec_count(victim) * 100 + sec_count(t);
}

static int nobody_rules(void *arg)
{
    (void)arg;
    rsethandle_t r = rs_alloc(RS_PARTITION);
    rs_attributes_t a;
    /* only root writes the registry */
    CHECK_ERRNO(rs_registername(r, "test", "mine", RS_IRUSR | RS_IWUSR, RS_DEFINE), -1, EPERM);
    CHECK_ERRNO(rs_registername(r, "test", "n2", RS_IRUSR | RS_IWUSR, RS_REDEFINE), -1, EPERM);
    CHECK_ERRNO(rs_discardname("test", "n2"), -1, EPERM);
    a.mode = RS_IRUSR | RS_IROTH | RS_IWOTH;
    CHECK_ERRNO(rs_setnameattr("test", "n1", RS_PERM, &a), -1, EPERM);
    /* anybody reads the attributes */
    CHECK_EQ(rs_getnameattr("test", "n1", &a), 0);
    CHECK_EQ(a.owner, 0);
    /* the rset needs read permission: n1 is owner-only, n2 readable */
    CHECK_ERRNO(rs_getnamedrset("test", "n1", r), -1, EACCES);
    CHECK_EQ(rs_getnamedrset("test", "n2", r), 0);
    CHECK_ERRNO(rs_getnamedrset("test", "none", r), -1, ENOENT);
    /* and nobody cannot write into the directories directly */
    char p[400];
    snprintf(p, sizeof p, "%s/rsets/test/forged", sec_reg);
    CHECK(open(p, O_WRONLY | O_CREAT | O_EXCL, 0644) < 0);
    rs_free(r);
    return check_failures ? 1 : 0;
}

static int plant_link(void *arg)
{
    (void)arg;
    char p[200];
    snprintf(p, sizeof p, "%s/rsets", sec_reg);
    return symlink(victim, p) ? 1 : 0;
}

static int plant_dir(void *arg)
{
    char p[400];
    snprintf(p, sizeof p, "%s/rsets/%s", sec_reg, (const char *)arg);
    return mkdir(p, 0777) ? 1 : 0;
}

static void write_file(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ(write(fd, buf, len), (long long)len);
        close(fd);
    }
}

int main(void)
{
    sec_isolate();
    snprintf(victim, sizeof victim, "%s/victim", sec_base);
    CHECK_EQ(mkdir(victim, 0755), 0);
    char p[400], q[400];
    snprintf(p, sizeof p, "%s/test", victim);
    CHECK_EQ(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/test/n1", victim);
    write_file(p, "victim", 6);

    /* attack 1: nobody plants <top>/rsets -> victim before root uses it */
    CHECK_EQ(sec_run_as(NOBODY, plant_link, NULL), 0);
    rs_attributes_t a;
    rsethandle_t r = rs_alloc(RS_PARTITION), r2 = rs_alloc(RS_EMPTY);
    CHECK(r && r2);
    CHECK_ERRNO(rs_getnameattr("test", "n1", &a), -1, ENOENT);   /* link not followed */
    CHECK_EQ(rs_registername(r, "test", "n1", RS_IRUSR | RS_IWUSR, RS_DEFINE), 0);
    struct stat st;
    snprintf(p, sizeof p, "%s/rsets", sec_reg);
    CHECK(lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0);
    CHECK_EQ(victim_entries(), 101);              /* test: untouched */
    snprintf(p, sizeof p, "%s/test/n1", victim);
    CHECK(stat(p, &st) == 0 && st.st_size == 6);

    /* every documented errno */
    CHECK_ERRNO(rs_registername(NULL, "test", "x", 0, RS_DEFINE), -1, EINVAL);
    CHECK_ERRNO(rs_registername(r, NULL, "x", 0, RS_DEFINE), -1, EINVAL);
    CHECK_ERRNO(rs_registername(r, "test", NULL, 0, RS_DEFINE), -1, EINVAL);
    CHECK_ERRNO(rs_registername(r, "test", "", 0, RS_DEFINE), -1, EINVAL);
    CHECK_ERRNO(rs_registername(r, "test", "a/b", 0, RS_DEFINE), -1, EINVAL);
    CHECK_ERRNO(rs_registername(r, "test", "..", 0, RS_DEFINE), -1, EINVAL);
    char longname[RSET_NAME_SIZE + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    CHECK_ERRNO(rs_registername(r, "test", longname, 0, RS_DEFINE), -1, EINVAL);
    longname[RSET_NAME_SIZE] = 0;   /* exactly RSET_NAME_SIZE: accepted */
    CHECK_EQ(rs_registername(r, "test", longname, RS_IRUSR, RS_DEFINE), 0);
    CHECK_EQ(rs_discardname("test", longname), 0);
    CHECK_ERRNO(rs_registername(r, "test", "x", 0100, RS_DEFINE), -1, EINVAL);
    CHECK_ERRNO(rs_registername(r, "test", "x", 0, 7), -1, EINVAL);
    CHECK_ERRNO(rs_registername(r, "test", "n1", RS_IRUSR, RS_DEFINE), -1, EEXIST);
    CHECK_EQ(rs_registername(r, "test", "n1", RS_IRUSR | RS_IWUSR | RS_SYSADM, RS_REDEFINE), 0);
    CHECK_EQ(rs_registername(r, "test", "n2", RS_IRUSR | RS_IROTH, RS_DEFINE), 0);

    CHECK_ERRNO(rs_getnameattr(NULL, "n1", &a), -1, EINVAL);
    CHECK_ERRNO(rs_getnameattr("test", "", &a), -1, EINVAL);
    CHECK_ERRNO(rs_getnameattr("test", "none", &a), -1, ENOENT);
    CHECK_ERRNO(rs_getnameattr("other", "n1", &a), -1, ENOENT);
    CHECK_ERRNO(rs_getnameattr("test", "n1", NULL), -1, EFAULT);
    CHECK_EQ(rs_getnameattr("test", "n1", &a), 0);
    CHECK_EQ(a.owner, 0);
    CHECK_EQ(a.group, 0);
    CHECK_EQ(a.mode, RS_IRUSR | RS_IWUSR | RS_SYSADM);

    CHECK_ERRNO(rs_getnamedrset("test", "n1", NULL), -1, EINVAL);
    CHECK_ERRNO(rs_getnamedrset(NULL, "n1", r2), -1, EINVAL);
    CHECK_ERRNO(rs_getnamedrset("test", "none", r2), -1, ENOENT);
    CHECK_EQ(rs_getnamedrset("test", "n1", r2), 0);
    CHECK_EQ(rs_getinfo(r2, R_NUMPROCS, 0), rs_getinfo(r, R_NUMPROCS, 0));
    CHECK_EQ(rs_getinfo(r2, R_NUMMEMPS, 0), rs_getinfo(r, R_NUMMEMPS, 0));
    CHECK(rs_getinfo(r2, R_NUMPROCS, 0) > 0);

    a.owner = 0; a.group = 0; a.mode = RS_IRUSR | RS_IWUSR;
    CHECK_ERRNO(rs_setnameattr("test", "n1", 0, &a), -1, EINVAL);
    CHECK_ERRNO(rs_setnameattr("test", "n1", 8, &a), -1, EINVAL);
    CHECK_ERRNO(rs_setnameattr("test", "n1", RS_PERM, NULL), -1, EINVAL);
    CHECK_ERRNO(rs_setnameattr("te/st", "n1", RS_PERM, &a), -1, EINVAL);
    a.mode = 0100;
    CHECK_ERRNO(rs_setnameattr("test", "n1", RS_PERM, &a), -1, EINVAL);
    a.mode = RS_IRUSR | RS_IWUSR;
    CHECK_ERRNO(rs_setnameattr("test", "none", RS_PERM, &a), -1, ENOENT);
    CHECK_EQ(rs_setnameattr("test", "n1", RS_PERM | RS_GROUP, &a), 0);
    CHECK_EQ(rs_getnameattr("test", "n1", &a), 0);
    CHECK_EQ(a.mode, RS_IRUSR | RS_IWUSR);

    CHECK_ERRNO(rs_discardname("test", NULL), -1, EINVAL);
    CHECK_ERRNO(rs_discardname("test", "none"), -1, ENOENT);

    /* the permission rules, as nobody */
    CHECK_EQ(sec_run_as(NOBODY, nobody_rules, NULL), 0);

    /* attack 2: forged files. A root file with junk, and a well-formed
     * copy owned by nobody: neither is a registration. */
    snprintf(p, sizeof p, "%s/rsets/test/junk", sec_reg);
    write_file(p, "junk", 4);
    CHECK_ERRNO(rs_getnameattr("test", "junk", &a), -1, ENOENT);
    CHECK_ERRNO(rs_getnamedrset("test", "junk", r2), -1, ENOENT);
    snprintf(p, sizeof p, "%s/rsets/test/n2", sec_reg);
    snprintf(q, sizeof q, "%s/rsets/test/n3", sec_reg);
    char buf[8192];
    int fd = open(p, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
    if (fd >= 0)
        close(fd);
    CHECK(n > 0);
    if (n > 0) {
        write_file(q, buf, (size_t)n);
        CHECK_ERRNO(rs_getnameattr("test", "n3", &a), -1, ENOENT);   /* names itself n2 */
        CHECK_EQ(chown(q, NOBODY, NOBODY), 0);
        CHECK_ERRNO(rs_getnameattr("test", "n3", &a), -1, ENOENT);
        snprintf(q, sizeof q, "%s/rsets/test/n2", sec_reg);
        CHECK_EQ(chown(q, NOBODY, NOBODY), 0);   /* as if planted by nobody */
        CHECK_ERRNO(rs_getnameattr("test", "n2", &a), -1, ENOENT);
        CHECK_ERRNO(rs_getnamedrset("test", "n2", r2), -1, ENOENT);
        /* root's redefinition replaces the foreign file, never writes into it */
        CHECK_EQ(rs_registername(r, "test", "n2", RS_IRUSR, RS_DEFINE), 0);
        CHECK(lstat(q, &st) == 0 && st.st_uid == 0);
    }

    /* attack 3: a name space directory that is not root's (made here by
     * root for nobody, as if the rsets directory had been writable) */
    snprintf(p, sizeof p, "%s/rsets", sec_reg);
    CHECK_EQ(chmod(p, 0777), 0);
    CHECK_EQ(sec_run_as(NOBODY, plant_dir, "ns2"), 0);
    CHECK_EQ(chmod(p, 0755), 0);
    snprintf(p, sizeof p, "%s/rsets/ns2/n1", sec_reg);
    snprintf(q, sizeof q, "%s/rsets/test/n1", sec_reg);
    CHECK_EQ(link(q, p), 0);   /* a valid-looking root file inside it */
    CHECK_ERRNO(rs_getnameattr("ns2", "n1", &a), -1, ENOENT);
    CHECK_EQ(rs_registername(r, "ns2", "n1", RS_IRUSR, RS_DEFINE), 0);   /* moved aside */
    snprintf(p, sizeof p, "%s/rsets/ns2", sec_reg);
    CHECK(lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0);

    CHECK_EQ(rs_discardname("test", "n1"), 0);
    CHECK_ERRNO(rs_getnameattr("test", "n1", &a), -1, ENOENT);
    CHECK_EQ(victim_entries(), 101);
    rs_free(r);
    rs_free(r2);
    return check_failures ? 1 : 0;
}
