/* The VE process's side of the environment and of stdio: VE_NAME reaches
 * it as NAME (and wins over the VH's NAME), and what VE code printed to a
 * pipe without flushing arrives when the process ends. */
#include "veo_test.h"

#include <sys/wait.h>

static int64_t call0(struct veo_proc_handle *h, uint64_t lib, const char *fn, int64_t arg)
{
    struct veo_args *a = veo_args_alloc();
    uint64_t r = (uint64_t)-99;
    veo_args_set_i64(a, 0, arg);
    if (veo_call_sync(h, sym(h, lib, fn), a, &r) != 0)
        r = (uint64_t)-99;
    veo_args_free(a);
    return (int64_t)r;
}

static int64_t omp_threads_seen(void)
{
    struct veo_proc_handle *h = veo_proc_create(0);
    CHECK(h != NULL);
    if (!h)
        return -99;
    uint64_t lib = veo_load_library(h, VE_TESTLIB);
    int64_t r = call0(h, lib, "ve_omp_threads", 0);
    veo_proc_destroy(h);
    return r;
}

int main(void)
{
    check_begin();

    unsetenv("VE_OMP_NUM_THREADS");
    setenv("OMP_NUM_THREADS", "7", 1);
    CHECK_EQ(omp_threads_seen(), 7);
    setenv("VE_OMP_NUM_THREADS", "3", 1);
    CHECK_EQ(omp_threads_seen(), 3);
    unsetenv("OMP_NUM_THREADS");
    setenv("VE_OMP_NUM_THREADS", "1", 1);
    CHECK_EQ(omp_threads_seen(), 1);
    unsetenv("VE_OMP_NUM_THREADS");
    CHECK_EQ(omp_threads_seen(), -1);

    /* VE output to a pipe: a child VH process prints through VE code and
     * destroys its process; the parent reads the pipe */
    int fd[2];
    CHECK_EQ(pipe(fd), 0);
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        struct veo_proc_handle *h = veo_proc_create(0);
        if (!h)
            _exit(2);
        uint64_t lib = veo_load_library(h, VE_TESTLIB);
        if (call0(h, lib, "ve_print", 42) != 0)
            _exit(3);
        _exit(veo_proc_destroy(h) == 0 ? 0 : 4);
    }
    close(fd[1]);
    char buf[256];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(fd[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = 0;
    close(fd[0]);
    int st = -1;
    waitpid(p, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(buf, "ve-out 42\n") != NULL);
    return check_end();
}
