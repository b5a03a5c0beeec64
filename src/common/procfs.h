/* One reader of the /proc files rashm looks at: a VMA of /proc/PID/maps by
 * address (PROCMAP_QUERY where the kernel has it, the text otherwise), the
 * kernel's page size of a VMA (smaps KernelPageSize), the map_files name of
 * a mapping, fields of /proc/PID/stat. pid 0 means this process. Every call
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

#endif
