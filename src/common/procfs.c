#define _GNU_SOURCE
#include "procfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void proc_path(char *buf, size_t len, pid_t pid, const char *file)
{
    if (pid)
        snprintf(buf, len, "/proc/%d/%s", (int)pid, file);
    else
        snprintf(buf, len, "/proc/self/%s", file);
}

/* One line of maps: "lo-hi perms offset major:minor inode   path" */
static int parse_maps_line(const char *line, struct rcom_vma *v)
{
    unsigned long long lo, hi, off, ino;
    unsigned maj, min;
    char perms[5];
    int pos = 0;
    if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu%n", &lo, &hi, perms, &off, &maj, &min, &ino, &pos) != 7)
        return -EIO;
    memset(v, 0, sizeof *v);
    v->start = lo;
    v->end = hi;
    v->offset = off;
    v->inode = ino;
    v->dev_major = maj;
    v->dev_minor = min;
    snprintf(v->perms, sizeof v->perms, "%s", perms);
    const char *p = line + pos;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, "\n");
    if (n >= sizeof v->path)
        n = sizeof v->path - 1;
    memcpy(v->path, p, n);
    v->path[n] = 0;
    return 0;
}

/* One line of f into buf (NUL-terminated, without the '\n'): 1, 2 when it
 * was cut, or 0 at the end. A line longer than buf keeps its head and loses
 * its tail: the tail is never handed out as a line of its own, where a long path could
 * pass for a VMA header or a "KernelPageSize:" line. */
static int read_line(FILE *f, char *buf, size_t len)
{
    if (!fgets(buf, (int)len, f))
        return 0;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n') {
        buf[n - 1] = 0;
        return 1;
    }
    int c, cut = 0;
    while ((c = getc(f)) != EOF && c != '\n')
        cut = 1;
    return cut ? 2 : 1;     /* 2: the tail was dropped */
}

int rcom_vma_each(pid_t pid, int (*fn)(const struct rcom_vma *v, void *arg), void *arg)
{
    char path[64], line[4096 + 128];
    proc_path(path, sizeof path, pid, "maps");
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int rc = 0;
    struct rcom_vma v;
    while (read_line(f, line, sizeof line)) {
        if (parse_maps_line(line, &v) < 0)
            continue;
        if ((rc = fn(&v, arg)) != 0)
            break;
    }
    fclose(f);
    return rc;
}

struct span_arg {
    uint64_t lo, hi, cur;
    int (*fn)(const struct rcom_vma *v, uint64_t from, void *arg);
    void *arg;
};

/* span_cb's return values besides fn's (which are 0 or negative) */
#define SPAN_DONE 1
#define SPAN_HOLE 2

static int span_cb(const struct rcom_vma *v, void *p)
{
    struct span_arg *a = p;
    if (v->end <= a->cur)
        return 0;
    if (v->start > a->cur)
        return SPAN_HOLE;
    int rc = a->fn(v, a->cur, a->arg);
    if (rc)
        return rc < 0 ? rc : -EINVAL;   /* fn returns 0 or -errno */
    a->cur = v->end;
    return a->cur >= a->hi ? SPAN_DONE : 0;
}

int rcom_vma_span(pid_t pid, uint64_t lo, uint64_t hi,
                  int (*fn)(const struct rcom_vma *v, uint64_t from, void *arg), void *arg)
{
    if (lo >= hi)
        return -EINVAL;
    struct span_arg a = { lo, hi, lo, fn, arg };
    int rc = rcom_vma_each(pid, span_cb, &a);
    if (rc < 0)
        return rc;
    return rc == SPAN_DONE ? 0 : 1;   /* a hole, or the maps end before hi */
}

struct find_arg {
    uint64_t addr;
    struct rcom_vma *out;
};

static int find_cb(const struct rcom_vma *v, void *p)
{
    struct find_arg *a = p;
    if (v->start <= a->addr && a->addr < v->end) {
        *a->out = *v;
        return 1;
    }
    return 0;
}

/* PROCMAP_QUERY (Linux 6.11): one VMA by address with its page size,
 * without generating the text of every mapping. The layout is the kernel's
 * ABI (104 bytes); older headers do not have it. */
struct rcom_procmap_query {
    uint64_t size;
    uint64_t query_flags;
    uint64_t query_addr;
    uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
    uint32_t dev_major, dev_minor;
    uint32_t vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
#define RCOM_PROCMAP_QUERY _IOWR('f', 17, struct rcom_procmap_query)

int rcom_smaps_page_size(pid_t pid, uint64_t addr, uint64_t *page_size, uint64_t *start, uint64_t *end)
{
    char path[64], line[4096 + 128];
    proc_path(path, sizeof path, pid, "smaps");
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int found = 0, rc = -ENOENT;
    unsigned long long lo = 0, hi = 0;
    while (read_line(f, line, sizeof line)) {
        unsigned long long a, b, kb;
        /* a VMA header line: "lo-hi perms ..." (its '-' before the first space) */
        char *dash = strchr(line, '-'), *sp = strchr(line, ' ');
        if (dash && sp && dash < sp && sscanf(line, "%llx-%llx ", &a, &b) == 2) {
            found = a <= addr && addr < b;
            lo = a;
            hi = b;
            continue;
        }
        if (found && sscanf(line, "KernelPageSize: %llu kB", &kb) == 1) {
            *page_size = kb << 10;
            if (start)
                *start = lo;
            if (end)
                *end = hi;
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

int rcom_vma_find(pid_t pid, uint64_t addr, int with_page_size, struct rcom_vma *out)
{
    char path[64];
    if (with_page_size) {
        proc_path(path, sizeof path, pid, "maps");
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -errno;
        struct rcom_procmap_query q;
        char name[sizeof out->path];
        memset(&q, 0, sizeof q);
        q.size = sizeof q;
        q.query_addr = addr;
        q.vma_name_addr = (uint64_t)(uintptr_t)name;
        q.vma_name_size = sizeof name;
        int rc = ioctl(fd, RCOM_PROCMAP_QUERY, &q) == 0 ? 0 : -errno;
        close(fd);
        if (rc == 0 && q.vma_start <= addr) {
            memset(out, 0, sizeof *out);
            out->start = q.vma_start;
            out->end = q.vma_end;
            out->offset = q.vma_offset;
            out->inode = q.inode;
            out->dev_major = q.dev_major;
            out->dev_minor = q.dev_minor;
            out->page_size = q.vma_page_size;
            snprintf(out->perms, sizeof out->perms, "%c%c%c%c", (q.vma_flags & 1) ? 'r' : '-',
                     (q.vma_flags & 2) ? 'w' : '-', (q.vma_flags & 4) ? 'x' : '-', (q.vma_flags & 8) ? 's' : 'p');
            if (q.vma_name_size)
                snprintf(out->path, sizeof out->path, "%s", name);
            return 0;
        }
        if (rc == 0 || rc == -ENOENT)
            return -ENOENT;     /* no VMA contains addr (the kernel answered the next one) */
        /* -ENOTTY etc.: no PROCMAP_QUERY in this kernel, fall back */
    }
    struct find_arg a = { addr, out };
    int rc = rcom_vma_each(pid, find_cb, &a);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return -ENOENT;
    if (with_page_size)
        return rcom_smaps_page_size(pid, addr, &out->page_size, NULL, NULL);
    return 0;
}

int rcom_map_files_name(pid_t pid, uint64_t start, uint64_t end, char *buf, size_t len)
{
    int n = pid ? snprintf(buf, len, "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)start,
                           (unsigned long long)end)
                : snprintf(buf, len, "/proc/self/map_files/%llx-%llx", (unsigned long long)start,
                           (unsigned long long)end);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int stat_fields(const char *path, int first, int n, unsigned long long *out)
{
    char buf[1024];
    if (first < 3 || n <= 0)
        return -EINVAL;
    int r = rcom_read_text(path, buf, sizeof buf);
    if (r <= 0)
        return r < 0 ? r : -EIO;
    char *p = strrchr(buf, ')');
    if (!p)
        return -EIO;
    p++;
    for (int field = 3; field < first + n; field++) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '\n')
            return -EIO;
        char *tok = p;
        p += strcspn(p, " \n");
        if (field < first)
            continue;
        if (field == 3) {
            out[field - first] = (unsigned char)*tok;
            continue;
        }
        char *end;
        errno = 0;
        /* unsigned fields reach ULLONG_MAX (rsslim unlimited); signed ones
           (priority, nice) may be negative */
        unsigned long long v = *tok == '-' ? (unsigned long long)strtoll(tok, &end, 10) : strtoull(tok, &end, 10);
        if (errno || end != p)
            return -EIO;
        out[field - first] = v;
    }
    return 0;
}

int rcom_proc_stat(pid_t pid, int first, int n, unsigned long long *out)
{
    char path[64];
    proc_path(path, sizeof path, pid, "stat");
    return stat_fields(path, first, n, out);
}

int rcom_task_stat(pid_t pid, pid_t tid, int first, int n, unsigned long long *out)
{
    char path[80], task[48];
    snprintf(task, sizeof task, "task/%d/stat", (int)tid);
    proc_path(path, sizeof path, pid, task);
    return stat_fields(path, first, n, out);
}

int rcom_status_each(pid_t pid, int (*fn)(const char *name, const char *value, void *arg), void *arg)
{
    /* 8 KiB: Cpus_allowed_list of the largest machines */
    char path[64], line[8192 + 64];
    proc_path(path, sizeof path, pid, "status");
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? -ESRCH : -errno;
    int rc = 0, r;
    while ((r = read_line(f, line, sizeof line)) != 0) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = 0;
        if (r == 2) {
            rc = -EFBIG;    /* a value longer than the buffer: not handed out cut */
            break;
        }
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if ((rc = fn(line, v, arg)) != 0)
            break;
    }
    fclose(f);
    return rc;
}

int rcom_read_text(const char *path, char *buf, size_t len)
{
    if (len < 2)
        return -EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    size_t n = 0;
    int rc = 0;
    while (n < len - 1) {
        ssize_t r = read(fd, buf + n, len - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (!rc && n == len - 1) {
        char c;
        ssize_t r;
        while ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
            ;
        if (r > 0)
            rc = -EFBIG;    /* more than fits: never parse a truncated list */
    }
    close(fd);
    if (rc)
        return rc;
    buf[n] = 0;
    return (int)n;
}

long rcom_meminfo(const char *field)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    size_t n = strlen(field);
    long v = -1;
    int r;
    if (!f)
        return -1;
    while ((r = read_line(f, line, sizeof line)) != 0)
        if (r == 1 && !strncmp(line, field, n) && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}
