/* Logging: RASHM_DEBUG=1 sends one line per decision to stderr. On its own
 * so that every file may log without depending on configuration. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "env.h"
#include "internal.h"

int cfg_debug(void)
{
    int on;
    return rcom_env_bool(RCOM_ENV_DEBUG, &on) == 0 && on;
}

void rashm_dbg(const char *fmt, ...)
{
    if (!cfg_debug())
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rashm[%d]: ", (int)getpid());
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

