/* Shared by the programs of this folder (written against IBM's pages for
 * each call): a check macro and helpers that need no rashm header. */
#ifndef AIX_PROG_COMMON_H
#define AIX_PROG_COMMON_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int fails;
#define EXPECT(cond) do { if (!(cond)) { printf("FAIL %s:%d: %s (errno %d %s)\n", __FILE__, __LINE__, \
    #cond, errno, strerror(errno)); fails++; } } while (0)
/* call returns -1 with errno e */
#define EXPECT_ERR(call, e) do { errno = 0; long r_ = (long)(call); if (r_ != -1 || errno != (e)) { \
    printf("FAIL %s:%d: %s: got %ld errno %d (%s), want -1 errno %d (%s)\n", __FILE__, __LINE__, #call, \
    r_, errno, strerror(errno), (e), strerror(e)); fails++; } else printf("ok %s -> %s\n", #call, #e); } while (0)

/* A pid that no process has: a child that has been reaped. */
static __attribute__((unused)) pid_t dead_pid(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    waitpid(p, NULL, 0);
    return p;
}

/* Runs fn as user nobody in a child; returns fn's result (exit code). */
static __attribute__((unused)) int as_nobody(int (*fn)(void))
{
    pid_t p = fork();
    if (p == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(99);
        _exit(fn());
    }
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 98;
}

static int finish(const char *name)
{
    if (fails) {
        printf("%s: %d failure(s)\n", name, fails);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}
#endif
