/* <sys/processor.h>: AIX processor binding on Linux (rashm's AIX face).
 *
 * bindprocessor binds the threads of a process, or one thread, to a single
 * CPU with sched_setaffinity. A bind CPU id here is a Linux CPU number
 * (AIX numbers online CPUs densely from 0; on Linux the online CPUs are
 * usually 0..n-1 too). See docs/aix.md. */
#ifndef RASHM_SYS_PROCESSOR_H
#define RASHM_SYS_PROCESSOR_H

#include <sys/types.h>
#include <sys/rset.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef short cpu_t;                  /* AIX: a CPU number or a class */

#define BINDPROCESS          1        /* What: every thread of process Who */
#define BINDTHREAD           2        /* What: kernel thread Who */
#define PROCESSOR_CLASS_ANY  ((cpu_t)(-1))  /* Where: unbind */

/* Binds (Where: a CPU number) or unbinds (PROCESSOR_CLASS_ANY) the thread
 * Who (BINDTHREAD, a Linux tid) or every thread of process Who
 * (BINDPROCESS). Unbinding gives the threads the partition's CPUs back (the
 * process's rset when it has one). 0, or -1 with errno:
 *   EINVAL  What is neither value; Where is not an online CPU;
 *   ESRCH   no such process/thread;
 *   EPERM   not root and neither uid of the target matches the caller's;
 *           the target has an rset attachment (made in this process). */
RASHM_API int bindprocessor(int What, int Who, cpu_t Where);

/* The CPU the calling thread runs on now (sched_getcpu). */
RASHM_API cpu_t mycpu(void);

#ifdef __cplusplus
}
#endif

#endif
