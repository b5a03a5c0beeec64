/* One reader of the /proc files rashm looks at: a VMA of /proc/PID/maps by
 * address (PROCMAP_QUERY where the kernel has it, the text otherwise), the
 * kernel's page size of a VMA (smaps KernelPageSize), the map_files name of
 * a mapping, fields of /proc/PID/stat, small sysfs/procfs text files.
 * pid 0 means this process. Lines longer than the reader's buffer (a path
 * of PATH_MAX) lose their tail; a tail is never read as a line. Every call
 * returns 0 or -errno; a line that does not parse is -EIO, never guessed. */
#ifndef RASHM_COMMON_PROCFS_H
#define RASHM_COMMON_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "export.h"

struct rcom_vma {
    uint64_t start, end;        /* [start, end) */
    uint64_t offset;            /* file offset of start */
    uint64_t inode;             /* of the file behind it (for SysV shm: the shm id) */
    uint32_t dev_major, dev_minor; /* device of that file (0:0 for anonymous); an inode
                                      number is unique only together with its device */
    uint64_t page_size;         /* kernel page size of the VMA; 0 when not asked for */
    char perms[5];              /* "rw-s" */
    char path[256];             /* the name column ("" for anonymous), truncated */
};

/* The VMA containing addr. Filled: start, end, offset, inode, dev_major,
 * dev_minor, perms, path.
 * with_page_size: also page_size (PROCMAP_QUERY, else smaps). -ENOENT when
 * no VMA contains addr. */
RASHM_HIDDEN int rcom_vma_find(pid_t pid, uint64_t addr, int with_page_size, struct rcom_vma *out);

/* Calls fn for every VMA of pid in address order (page_size not filled);
 * fn returns nonzero to stop, and that value is returned. */
RASHM_HIDDEN int rcom_vma_each(pid_t pid, int (*fn)(const struct rcom_vma *v, void *arg), void *arg);

/* Walks the VMAs that cover [lo, hi) in address order: fn gets each one
 * with from, the first address of it inside the range (max(lo, start)).
 * fn returns 0 to go on or -errno to stop (returned as is). 0 when the
 * VMAs cover the whole range without a gap, 1 when a hole (or the end of
 * the maps) comes first; fn has then seen the VMAs before the hole. */
RASHM_HIDDEN int rcom_vma_span(pid_t pid, uint64_t lo, uint64_t hi,
                               int (*fn)(const struct rcom_vma *v, uint64_t from, void *arg), void *arg);

/* The kernel page size of the VMA containing addr (smaps KernelPageSize),
 * with the VMA's bounds when start/end are not NULL. */
RASHM_HIDDEN int rcom_smaps_page_size(pid_t pid, uint64_t addr, uint64_t *page_size, uint64_t *start,
                                      uint64_t *end);

/* "/proc/PID/map_files/<start>-<end>" of a VMA (the path is not checked). */
RASHM_HIDDEN int rcom_map_files_name(pid_t pid, uint64_t start, uint64_t end, char *buf, size_t len);

/* Fields first .. first+n-1 of /proc/PID/stat (numbered as in proc(5): 1 is
 * the pid, 3 the state, 20 num_threads, 22 starttime) as numbers; the state
 * (field 3) reads as its character code. The command name may hold spaces
 * and ')': fields are counted from the last ')'. first must be >= 3. */
RASHM_HIDDEN int rcom_proc_stat(pid_t pid, int first, int n, unsigned long long *out);
/* The same for one thread: /proc/PID/task/TID/stat (negative fields such as
 * the priority read back through a cast to long long). */
RASHM_HIDDEN int rcom_task_stat(pid_t pid, pid_t tid, int first, int n, unsigned long long *out);

/* Calls fn for every "Name:\tvalue" line of /proc/PID/status in one read
 * of the file (name without the colon, value without the leading blanks);
 * fn returns nonzero to stop, and that value is returned. -ESRCH when there
 * is no such process, -EFBIG for a line longer than the reader's buffer. */
RASHM_HIDDEN int rcom_status_each(pid_t pid, int (*fn)(const char *name, const char *value, void *arg), void *arg);

/* A number from /proc/meminfo ("HugePages_Free", "Hugepagesize": the
 * name without the colon; kB for sizes), -1 when absent. */
RASHM_HIDDEN long rcom_meminfo(const char *field);

/* A small text file (sysfs, procfs) into buf, NUL-terminated: its length,
 * -EFBIG when it does not fit in len - 1 bytes (nothing is parsed from a
 * truncated file), or -errno. */
RASHM_HIDDEN int rcom_read_text(const char *path, char *buf, size_t len);

#endif
