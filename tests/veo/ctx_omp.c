/* AVEO's rule on second contexts: the first veo_context_open of a process
 * hands out its main context whatever the environment says; every later one
 * fails (NULL, EINVAL) unless the VH's VE_OMP_NUM_THREADS reads as the
 * integer 1, and works when it does. The variable is read at each open, not
 * at veo_proc_create. A refused open leaves the process usable. */
#include <errno.h>

#include "veo_test.h"

/* opens a context with VE_OMP_NUM_THREADS = val (NULL: unset); 1 if it was
 * given, 0 if refused with EINVAL, -1 otherwise. A context given is closed. */
static int try_open(struct veo_proc_handle *h, const char *val, int use_attr)
{
    if (val)
        setenv("VE_OMP_NUM_THREADS", val, 1);
    else
        unsetenv("VE_OMP_NUM_THREADS");
    errno = 0;
    struct veo_thr_ctxt *c;
    if (use_attr) {
        struct veo_thr_ctxt_attr *at = veo_alloc_thr_ctxt_attr();
        c = veo_context_open_with_attr(h, at);
        veo_free_thr_ctxt_attr(at);
    } else {
        c = veo_context_open(h);
    }
    if (c) {
        int ok = veo_context_close(c) == 0;
        return ok ? 1 : -1;
    }
    return errno == EINVAL ? 0 : -1;
}

int main(void)
{
    check_begin();
    unsetenv("VE_OMP_NUM_THREADS");
    struct veo_proc_handle *h = veo_proc_create(0);
    CHECK(h != NULL);
    if (!h)
        return check_end();
    uint64_t lib = veo_load_library(h, VE_TESTLIB);
    uint64_t f_add = sym(h, lib, "ve_add");
    CHECK(f_add != 0);

    /* the first open: the main context, no rule */
    struct veo_thr_ctxt *main_ctx = veo_context_open(h);
    CHECK(main_ctx != NULL);
    CHECK_EQ(veo_num_contexts(h), 1);

    /* later opens: refused without the variable or with any other value */
    const char *refused[] = {NULL, "", "0", "2", "4", "-1", "x1", "one", "99999999999"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        CHECK_EQ(try_open(h, refused[i], 0), 0);
        CHECK_EQ(try_open(h, refused[i], 1), 0);
    }
    CHECK_EQ(veo_num_contexts(h), 1);

    /* accepted: 1 as AVEO's integer parse reads it */
    const char *accepted[] = {"1", " 1", "+1", "01", "1abc"};
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        CHECK_EQ(try_open(h, accepted[i], 0), 1);
        CHECK_EQ(try_open(h, accepted[i], 1), 1);
    }

    /* a context opened with the variable set works, and the refusal of
     * another one later does not disturb it or the main context */
    setenv("VE_OMP_NUM_THREADS", "1", 1);
    struct veo_thr_ctxt *c2 = veo_context_open(h);
    CHECK(c2 != NULL);
    CHECK_EQ(try_open(h, "3", 0), 0);
    struct veo_args *a = veo_args_alloc();
    veo_args_set_i64(a, 0, 40);
    veo_args_set_i64(a, 1, 2);
    uint64_t r = 0;
    if (c2) {
        uint64_t id = veo_call_async(c2, f_add, a);
        CHECK_EQ(veo_call_wait_result(c2, id, &r), VEO_COMMAND_OK);
        CHECK_EQ(r, 42);
    }
    uint64_t id = veo_call_async(main_ctx, f_add, a);
    CHECK_EQ(veo_call_wait_result(main_ctx, id, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 42);
    CHECK_EQ(veo_num_contexts(h), 2);
    veo_args_free(a);
    if (c2)
        CHECK_EQ(veo_context_close(c2), 0);
    CHECK_EQ(veo_proc_destroy(h), 0);
    return check_end();
}
