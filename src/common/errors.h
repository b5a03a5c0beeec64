/* The one conversion at a public entry point: internal functions return
 * 0 or -errno, public calls -1 with errno (docs/HACKING.md, "Errors"). */
#ifndef RASHM_COMMON_ERRORS_H
#define RASHM_COMMON_ERRORS_H

#include <errno.h>

/* -errno -> -1 with errno set (for int-returning public calls). */
static inline int rashm_fail(int neg)
{
    errno = -neg;
    return -1;
}

#endif
