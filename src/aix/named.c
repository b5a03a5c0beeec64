/* Named rsets (rs_registername and the rest): a registry shared by every
 * process until reboot, kept on tmpfs next to the placement registry:
 *
 *   <registry top>/rsets/            root's, 0755
 *   <registry top>/rsets/<ns>/       root's, 0755, one per name space
 *   <registry top>/rsets/<ns>/<name> root's, 0644, one named rset
 *
 * Trust rule: only root writes here, so a directory or file that is not
 * root's (or is writable by group/others, or is a link) is not ours and is
 * never used: readers treat the name as absent, root moves a foreign
 * "rsets" or name-space directory aside and makes its own. Every file is
 * still validated (size, magic, version, mode bits, its own name) before a
 * field is used. Ordinary users may read attributes and, with read
 * permission, the rset; the permission bits are enforced by librashm (the
 * contents are CPU and node lists, not secrets). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aix.h"

#define NAMED_MAGIC 0x52534e4du   /* "RSNM" */
#define NAMED_VERSION 1u

struct named_file {
    uint32_t magic;
    uint32_t version;
    uint32_t owner;
    uint32_t group;
    uint32_t mode;
    uint32_t pad;
    rashm_cpuset_t cpus;
    rashm_nodeset_t mems;
    char ns[RSET_NAME_SIZE + 1];
    char name[RSET_NAME_SIZE + 1];
};

/* A name (or name space): 1 to RSET_NAME_SIZE characters out of letters,
 * digits and "_.-+:@", not starting with '.'. So it is one path component
 * that cannot be ".", ".." or one of our temporary names. */
static int name_ok(const char *s)
{
    if (!s)
        return 0;
    size_t n = strnlen(s, RSET_NAME_SIZE + 1);
    if (n == 0 || n > RSET_NAME_SIZE || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("_.-+:@", c)))
            return 0;
    }
    return 1;
}

static int mode_ok(uint_t mode)
{
    return !(mode & ~(uint_t)(RS_PERMMASK | RS_TYPMASK));
}

static int root_dir_ok(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
           !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* A name nobody can predict, starting with '.' (never a valid name). */
static void random_name(char *buf, size_t len, const char *what)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != sizeof r)
        r ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)buf;
    snprintf(buf, len, ".%s.%016llx", what, (unsigned long long)r);
}

/* Opens <parent>/<name> as a verified root directory. When `create` (root
 * only): a missing one is made, a foreign one (link, file, other owner,
 * loose mode) is renamed aside and replaced. -ENOENT when absent or not
 * usable for a reader. */
static int sub_open(int parent, const char *name, int create)
{
    for (int tries = 0; tries < 4; tries++) {
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && root_dir_ok(fd))
            return fd;
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (!create)
            return -ENOENT;
        if (fd < 0 && e == ENOENT) {
            if (mkdirat(parent, name, 0755) && errno != EEXIST)
                return -errno;
            continue;
        }
        /* something foreign is there: move it aside (root may, even in a
         * sticky directory), never follow or delete through it */
        char aside[64];
        random_name(aside, sizeof aside, "foreign");
        if (renameat(parent, name, parent, aside))
            return -errno;
    }
    return -EAGAIN;
}

/* The name space directory, or -errno. */
static int ns_open(const char *ns, int create)
{
    int top = rashm_registry_fd(create);
    if (top < 0)
        return errno == EPERM ? -EPERM : -ENOENT;
    int rs = sub_open(top, "rsets", create);
    close(top);
    if (rs < 0)
        return rs;
    int d = sub_open(rs, ns, create);
    close(rs);
    return d;
}

/* Reads and validates <dir>/<name>: 0, -ENOENT (absent or not to be
 * trusted). */
static int read_named(int dir, const char *ns, const char *name, struct named_file *out)
{
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -ENOENT;
    struct stat st;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
             !(st.st_mode & (S_IWGRP | S_IWOTH)) && st.st_size == (off_t)sizeof *out &&
             pread(fd, out, sizeof *out, 0) == (ssize_t)sizeof *out;
    close(fd);
    if (!ok || out->magic != NAMED_MAGIC || out->version != NAMED_VERSION || !mode_ok(out->mode) ||
        out->ns[RSET_NAME_SIZE] || out->name[RSET_NAME_SIZE] || strcmp(out->ns, ns) ||
        strcmp(out->name, name))
        return -ENOENT;
    return 0;
}

/* Writes <dir>/<name> through an O_EXCL temporary and renameat. */
static int write_named(int dir, const char *name, const struct named_file *f)
{
    char tmp[64];
    random_name(tmp, sizeof tmp, "tmp");
    int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int e = 0;
    if (fchmod(fd, 0644) || pwrite(fd, f, sizeof *f, 0) != (ssize_t)sizeof *f)
        e = errno ? errno : EIO;
    close(fd);
    if (!e && renameat(dir, tmp, dir, name))
        e = errno;
    if (e) {
        unlinkat(dir, tmp, 0);
        return -e;
    }
    return 0;
}

static int in_groups(gid_t g)
{
    if (g == getegid())
        return 1;
    gid_t list[256];
    int n = getgroups(256, list);
    for (int i = 0; i < n; i++)
        if (list[i] == g)
            return 1;
    return 0;
}

/* AIX's read/write permission of the caller on a registration. */
static int may(const struct named_file *f, int write)
{
    uid_t me = geteuid();
    if (me == 0)
        return 1;
    uint_t bit;
    if (me == f->owner)
        bit = write ? RS_IWUSR : RS_IRUSR;
    else if (in_groups(f->group))
        bit = write ? RS_IWGRP : RS_IRGRP;
    else
        bit = write ? RS_IWOTH : RS_IROTH;
    return (f->mode & bit) != 0;
}

static int fail(int e)
{
    errno = e;
    return -1;
}

/* The argument check every call starts with: both names well formed. */
static int names_ok(const char *name_space, const char *rsname)
{
    return name_ok(name_space) && name_ok(rsname);
}

/* Reads a name for the calls that only look at it: -ENOENT when the
 * namespace or the name is missing or does not read back (AIX answers
 * ENOENT for all of them). */
static int lookup_named(const char *name_space, const char *rsname, struct named_file *f)
{
    int d = ns_open(name_space, 0);
    if (d < 0)
        return -ENOENT;
    int rc = read_named(d, name_space, rsname, f);
    close(d);
    return rc ? -ENOENT : 0;
}

int rs_registername(rsethandle_t rset, char *name_space, char *rsname, uint_t mode, uint_t command)
{
    struct rset *r = rset_of(rset);
    if (!r || !names_ok(name_space, rsname) || !mode_ok(mode) ||
        (command != RS_DEFINE && command != RS_REDEFINE))
        return fail(EINVAL);
    /* Only root writes the registry (the directories are root's); on AIX a
     * non-root caller also needs CAP_NUMA_ATTACH, and "sys" needs root. */
    if (geteuid() != 0)
        return fail(EPERM);
    int d = ns_open(name_space, 1);
    if (d < 0)
        return fail(-d == ENOENT ? EPERM : -d);
    struct named_file old, f;
    memset(&f, 0, sizeof f);
    int exists = read_named(d, name_space, rsname, &old) == 0;
    if (exists && command == RS_DEFINE) {
        close(d);
        return fail(EEXIST);
    }
    f.magic = NAMED_MAGIC;
    f.version = NAMED_VERSION;
    /* a redefinition keeps the name's owner and group */
    f.owner = exists ? old.owner : (uint32_t)geteuid();
    f.group = exists ? old.group : (uint32_t)getegid();
    f.mode = mode;
    f.cpus = r->cpus;
    f.mems = r->mems;
    strcpy(f.ns, name_space);
    strcpy(f.name, rsname);
    int rc = write_named(d, rsname, &f);
    close(d);
    return rc ? fail(-rc == ENOSPC ? ENOMEM : -rc) : 0;
}

int rs_getnamedrset(char *name_space, char *rsname, rsethandle_t rset)
{
    struct rset *r = rset_of(rset);
    if (!names_ok(name_space, rsname) || !r)
        return fail(EINVAL);
    struct named_file f;
    if (lookup_named(name_space, rsname, &f))
        return fail(ENOENT);
    if (!may(&f, 0))
        return fail(EACCES);
    r->cpus = f.cpus;
    r->mems = f.mems;
    return 0;
}

int rs_discardname(char *name_space, char *rsname)
{
    if (!names_ok(name_space, rsname))
        return fail(EINVAL);
    if (geteuid() != 0)
        return fail(EPERM);
    int d = ns_open(name_space, 0);
    if (d < 0)
        return fail(ENOENT);
    struct named_file f;
    int rc = read_named(d, name_space, rsname, &f);
    if (!rc && unlinkat(d, rsname, 0))
        rc = -errno;
    close(d);
    return rc ? fail(-rc) : 0;
}

int rs_getnameattr(char *name_space, char *rsname, rs_attributes_t *attr)
{
    if (!names_ok(name_space, rsname))
        return fail(EINVAL);
    struct named_file f;
    if (lookup_named(name_space, rsname, &f))
        return fail(ENOENT);
    if (!attr)
        return fail(EFAULT);
    attr->owner = f.owner;
    attr->group = f.group;
    attr->mode = f.mode;
    return 0;
}

int rs_setnameattr(char *name_space, char *rsname, uint_t command, rs_attributes_t *attr)
{
    if (!names_ok(name_space, rsname) || !command ||
        (command & ~(uint_t)(RS_OWNER | RS_GROUP | RS_PERM)) || !attr ||
        ((command & RS_PERM) && !mode_ok(attr->mode)))
        return fail(EINVAL);
    if (geteuid() != 0)
        return fail(EPERM);
    int d = ns_open(name_space, 0);
    if (d < 0)
        return fail(ENOENT);
    struct named_file f;
    int rc = read_named(d, name_space, rsname, &f);
    if (!rc) {
        if (command & RS_OWNER)
            f.owner = attr->owner;
        if (command & RS_GROUP)
            f.group = attr->group;
        if (command & RS_PERM)
            f.mode = attr->mode;
        rc = write_named(d, rsname, &f);
    }
    close(d);
    return rc ? fail(-rc) : 0;
}
