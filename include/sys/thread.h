/* <sys/thread.h>: AIX kernel thread ids on Linux (rashm's AIX face).
 * A kernel thread id is the Linux thread id (gettid). */
#ifndef RASHM_SYS_THREAD_H
#define RASHM_SYS_THREAD_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/rset.h>         /* tid_t */

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t tid64_t;              /* 64-bit kernel thread id */

/* Kernel thread id of the calling thread (gettid()). Never fails. */
RASHM_API tid_t thread_self(void);

#ifdef __cplusplus
}
#endif

#endif
