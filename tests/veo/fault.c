/* Failures: an exception in VE code, a helper killed from outside, and a VH
 * process killed while its VE process runs. Nothing may hang, nothing may be
 * left behind. */
#include "veo_test.h"

#include <errno.h>
#include <sys/wait.h>

static pid_t helper_pid(struct veo_proc_handle *h)
{
    void *hm = NULL;
    pid_t p = -1;
    if (veo_alloc_hmem(h, &hm, 8) == 0) {
        p = veo_get_pid_from_hmem(hm);
        veo_free_hmem(hm);
    }
    return p;
}

static void exception_case(const char *fn, int with_arg)
{
    pid_t me = getpid();
    struct veo_proc_handle *h = veo_proc_create(0);
    CHECK(h != NULL);
    if (!h)
        return;
    uint64_t lib = veo_load_library(h, VE_TESTLIB);
    pid_t hp = helper_pid(h);
    struct veo_thr_ctxt *c0 = veo_context_open(h), *c1 = veo_context_open(h);
    struct veo_args *a = veo_args_alloc();
    uint64_t r = 0;
    if (with_arg)
        veo_args_set_u64(a, 0, 0);
    /* a slow call on another context is in flight when the exception hits */
    struct veo_args *s = veo_args_alloc();
    veo_args_set_u64(s, 0, 5000);
    uint64_t slow = veo_call_async(c0, sym(h, lib, "ve_sleep_ms"), s);
    uint64_t id = veo_call_async(c1, sym(h, lib, fn), a);
    double t0 = now_s();
    CHECK_EQ(veo_call_wait_result(c1, id, &r), VEO_COMMAND_EXCEPTION);
    CHECK_EQ(veo_get_context_state(c1), VEO_STATE_EXIT);
    /* the VE process does not survive it: the other call fails, quickly */
    CHECK_EQ(veo_call_wait_result(c0, slow, &r), VEO_COMMAND_ERROR);
    CHECK(now_s() - t0 < 3.0);
    CHECK(wait_gone(hp, 5.0));
    /* every later call fails, nothing hangs */
    CHECK_EQ(veo_call_async(c1, 0x1234, a), VEO_REQUEST_ID_INVALID);
    CHECK_EQ(veo_call_async(c0, 0x1234, a), VEO_REQUEST_ID_INVALID);
    CHECK_EQ(veo_call_sync(h, 0x1234, a, &r), -1);
    CHECK_EQ(veo_load_library(h, VE_TESTLIB), 0);
    CHECK_EQ(veo_get_sym(h, lib, "ve_empty"), 0);
    uint64_t addr;
    CHECK_EQ(veo_alloc_mem(h, &addr, 64), -2);
    CHECK(veo_read_mem(h, &r, 0x200000000000ull, 8) < 0);
    CHECK(veo_context_open(h) == NULL);
    CHECK_EQ(veo_get_context_state(c0), VEO_STATE_EXIT);
    CHECK_EQ(veo_context_close(c1), 0);
    CHECK_EQ(veo_proc_destroy(h), 0);
    CHECK_EQ(count_helpers(me), 0);
    veo_args_free(a);
    veo_args_free(s);
}

int main(void)
{
    check_begin();
    pid_t me = getpid();

    /* exceptions in VE code: SIGSEGV and SIGFPE */
    exception_case("ve_crash", 0);
    exception_case("ve_divzero", 1);

    /* the helper is killed from outside while a call runs and a VH thread
     * waits on it */
    struct veo_proc_handle *h = veo_proc_create(0);
    CHECK(h != NULL);
    if (h) {
        uint64_t lib = veo_load_library(h, VE_TESTLIB);
        struct veo_thr_ctxt *c = veo_context_open(h);
        struct veo_args *a = veo_args_alloc();
        veo_args_set_u64(a, 0, 60000);
        pid_t hp = helper_pid(h);
        uint64_t id = veo_call_async(c, sym(h, lib, "ve_sleep_ms"), a);
        uint64_t id2 = veo_call_async(c, sym(h, lib, "ve_sleep_ms"), a);
        usleep(100000);
        kill(hp, SIGKILL);
        double t0 = now_s();
        uint64_t r;
        CHECK_EQ(veo_call_wait_result(c, id, &r), VEO_COMMAND_ERROR);
        CHECK_EQ(veo_call_peek_result(c, id2, &r), VEO_COMMAND_ERROR);
        CHECK(now_s() - t0 < 2.0);
        CHECK_EQ(veo_get_context_state(c), VEO_STATE_EXIT);
        CHECK_EQ(veo_call_async(c, 0x1234, a), VEO_REQUEST_ID_INVALID);
        CHECK(veo_write_mem(h, 0x200000000000ull, &r, 8) < 0);
        CHECK(veo_write_mem(h, 0x200000000000ull, a, 1u << 16) < 0);
        veo_context_sync(c); /* returns */
        CHECK_EQ(veo_proc_destroy(h), 0);
        CHECK(!is_helper(hp));
        veo_args_free(a);
    }

    /* the VH process is killed: its helper exits by itself, in bounded time */
    int pfd[2];
    CHECK_EQ(pipe(pfd), 0);
    pid_t child = fork();
    if (child == 0) {
        close(pfd[0]);
        struct veo_proc_handle *hc = veo_proc_create(0);
        if (!hc)
            _exit(1);
        uint64_t lib = veo_load_library(hc, VE_TESTLIB);
        struct veo_thr_ctxt *c = veo_context_open(hc);
        struct veo_args *a = veo_args_alloc();
        veo_args_set_u64(a, 0, 60000);
        veo_call_async(c, veo_get_sym(hc, lib, "ve_sleep_ms"), a); /* busy VE */
        pid_t hp = helper_pid(hc);
        if (write(pfd[1], &hp, sizeof hp) != sizeof hp)
            _exit(1);
        for (;;)
            pause();
    }
    close(pfd[1]);
    pid_t hp = 0;
    CHECK_EQ(read(pfd[0], &hp, sizeof hp), (ssize_t)sizeof hp);
    close(pfd[0]);
    CHECK(hp > 0 && is_helper(hp));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    double t0 = now_s();
    /* the orphan is re-parented (to init or a subreaper) and must exit */
    CHECK(wait_gone(hp, 5.0));
    printf("helper exited %.3f s after its VH process was killed\n", now_s() - t0);
    CHECK_EQ(count_helpers(me), 0);
    return check_end();
}
