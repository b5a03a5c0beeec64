/* <procinfo.h>: the thread table of a process, AIX style (rashm's AIX face).
 * Only getthrds64 and struct thrdentry64 (what affinity code reads). */
#ifndef RASHM_PROCINFO_H
#define RASHM_PROCINFO_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/rset.h>
#include <sys/processor.h>
#include <sys/thread.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ti_state values. rashm: the numbers follow AIX's ordering as documented
 * for the thread states (idle, running, sleeping, swapped, stopped,
 * zombie); their exact AIX values are not public. */
#define TSNONE   0
#define TSIDL    1
#define TSRUN    2
#define TSSLEEP  3
#define TSSWAP   4
#define TSSTOP   5
#define TSZOMB   6

/* One thread (filled from /proc/PID/task/TID/stat). */
struct thrdentry64 {
    tid64_t ti_tid;           /* Linux tid */
    pid_t ti_pid;             /* its process */
    uint32_t ti_policy;       /* scheduling policy (SCHED_*) */
    uint32_t ti_pri;          /* priority as /proc shows it */
    uint32_t ti_state;        /* TS* */
    uint32_t ti_flag;         /* 0 */
    uint32_t ti_scount;       /* 0 */
    uint32_t ti_wtype;        /* 0 */
    uint64_t ti_wchan;        /* 0 */
    uint32_t ti_cpu;          /* processor usage: 0 */
    cpu_t ti_cpuid;           /* CPU the thread is bound to, or PROCESSOR_CLASS_ANY */
    short ti_pad0;
    uint32_t ti_cursig;       /* 0 */
    uint64_t ti_ticks;        /* utime + stime in clock ticks */
    int32_t ti_lastcpu;       /* CPU the thread ran on last */
    int32_t ti_pad1;
};

/* Up to `count` threads of process `pid` (RS_MYSELF or getpid(): this one)
 * starting at thread id *index (0 first); *index is set where the next call
 * continues. `size` must be sizeof(struct thrdentry64). With buffer NULL
 * and count 0... not supported: returns the number of entries copied.
 * -1 with errno: EINVAL (size, count < 0), EFAULT (buffer or index NULL),
 * ESRCH (no such process). */
RASHM_API int getthrds64(pid_t pid, struct thrdentry64 *buffer, int size, tid64_t *index, int count);

#ifdef __cplusplus
}
#endif

#endif
