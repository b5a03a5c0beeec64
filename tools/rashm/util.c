/* Small pieces every command shares: messages, names of kernel and rashm
 * values, human sizes and bars, small sysfs/procfs reads. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/mempolicy.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

const char *cli_prog = "rashm";
const char *cli_cmd;

void cli_set_cmd(const char *cmd)
{
    cli_cmd = cmd;
}

void cli_err(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    if (cli_cmd)
        fprintf(stderr, "%s %s: ", cli_prog, cli_cmd);
    else
        fprintf(stderr, "%s: ", cli_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const rashm_topo_t *topo_or_die(void)
{
    const rashm_topo_t *t = rashm_topo();
    if (!t)
        cli_err("cannot read the machine's topology: %s", rashm_strerror(errno));
    return t;
}

const char *mpol_name(int mode)
{
    switch (mode) {
    case MPOL_DEFAULT: return "default";
    case MPOL_PREFERRED: return "preferred";
    case MPOL_BIND: return "bind";
    case MPOL_INTERLEAVE: return "interleave";
    case MPOL_LOCAL: return "local";
    /* newer than some kernel headers: the values of uapi/linux/mempolicy.h */
    case 5: return "preferred-many";
    case 6: return "weighted-interleave";
    default: return "unknown";
    }
}

const char *origin_name(int origin)
{
    switch (origin) {
    case RASHM_ORIGIN_NODES: return "nodes";
    case RASHM_ORIGIN_CPUS: return "rset";
    case RASHM_ORIGIN_SRAD: return "srad";
    case RASHM_ORIGIN_GAP: return "gap";
    default: return "unknown";
    }
}

const char *policy_name(int policy)
{
    const char *n = policy >= 0 ? rashm_policy_name(policy) : NULL;
    return n ? n : "unknown";
}

const char *user_name(unsigned uid, char *buf, size_t len)
{
    struct passwd *pw = getpwuid(uid);
    if (pw)
        snprintf(buf, len, "%s", pw->pw_name);
    else
        snprintf(buf, len, "%u", uid);
    return buf;
}

void fmt_bytes(uint64_t b, char *buf, size_t len)
{
    static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    int u = 0;
    double v = (double)b;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    if (b == 0)
        snprintf(buf, len, "0");
    else if (u == 0)
        snprintf(buf, len, "%" PRIu64 " B", b);
    else if (v == (double)(uint64_t)v)
        snprintf(buf, len, "%" PRIu64 " %s", (uint64_t)v, units[u]);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
}

void fmt_bar(uint64_t part, uint64_t whole, int width, char *buf, size_t len)
{
    int fill = 0;
    if (whole)
        fill = (int)((part * (uint64_t)width + whole / 2) / whole);
    if (part && !fill)
        fill = 1;                 /* anything resident shows at least one cell */
    if (fill > width)
        fill = width;
    size_t i = 0;
    for (int c = 0; c < width && i + 4 < len; c++)
        buf[i++] = c < fill ? '#' : '.';   /* ASCII: output stays fit for logs */
    buf[i] = 0;
}

int read_text(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, len - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

int read_u64(const char *path, uint64_t *out)
{
    char buf[64];
    int rc = read_text(path, buf, sizeof buf);
    if (rc)
        return rc;
    return rcom_parse_u64(buf, out);
}
