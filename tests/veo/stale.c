/* Context pointers that outlive their process, as language bindings leave
 * them: a garbage collector finalizes process and context objects in any
 * order, and a program may make a new process before an old context object
 * goes. Closing such a pointer must succeed (AVEO's veo_context_close never
 * fails) and must touch nothing of the process made since, even where the
 * new process's contexts and transfer ring were allocated after the old
 * ones were freed. */
#include "veo_test.h"

#define NOLD 4

int main(void)
{
    check_begin();
    struct veo_proc_handle *h = veo_proc_create(0);
    CHECK(h != NULL);
    if (!h)
        return check_end();
    struct veo_thr_ctxt *old[NOLD];
    for (int i = 0; i < NOLD; i++) {
        old[i] = veo_context_open(h); /* old[0]: the main context */
        CHECK(old[i] != NULL);
    }
    CHECK_EQ(veo_context_close(old[NOLD - 1]), 0);
    /* old[NOLD - 1] was closed by the program, the others go with h */
    CHECK_EQ(veo_proc_destroy(h), 0);

    /* a new process, with as many contexts as the old one had: their
     * records and its transfer ring are allocated right after the old
     * ones were freed */
    struct veo_proc_handle *h2 = veo_proc_create(0);
    CHECK(h2 != NULL);
    if (!h2)
        return check_end();
    uint64_t lib = veo_load_library(h2, VE_TESTLIB);
    uint64_t f_add = sym(h2, lib, "ve_add"), counter = sym(h2, lib, "ve_counter");
    struct veo_thr_ctxt *now[NOLD];
    for (int i = 0; i < NOLD; i++) {
        now[i] = veo_context_open(h2);
        CHECK(now[i] != NULL);
    }
    /* a stale pointer never names a context made since */
    for (int i = 0; i < NOLD; i++)
        for (int j = 0; j < NOLD; j++)
            CHECK(old[i] != now[j]);

    /* the bindings' finalizers run now: each stale close succeeds (the
     * process took the context with it), a second one too */
    for (int i = 0; i < NOLD; i++) {
        CHECK_EQ(veo_context_close(old[i]), 0);
        CHECK_EQ(veo_context_close(old[i]), 0);
    }

    /* the new process is whole: every context runs calls ... */
    CHECK_EQ(veo_num_contexts(h2), NOLD);
    struct veo_args *a = veo_args_alloc();
    for (int i = 0; i < NOLD; i++) {
        uint64_t r = 0;
        veo_args_clear(a);
        veo_args_set_i64(a, 0, 40);
        veo_args_set_i64(a, 1, i);
        uint64_t id = veo_call_async(now[i], f_add, a);
        CHECK(id != VEO_REQUEST_ID_INVALID);
        CHECK_EQ(veo_call_wait_result(now[i], id, &r), VEO_COMMAND_OK);
        CHECK_EQ(r, 40u + (unsigned)i);
        CHECK_EQ(veo_get_context_state(now[i]), VEO_STATE_RUNNING);
    }
    veo_args_free(a);
    /* ... and small transfers outside VE memory (VE code's own data) still
     * go through its transfer ring */
    uint64_t v = 0, w = 4242;
    CHECK_EQ(veo_read_mem(h2, &v, counter, sizeof v), 0);
    CHECK_EQ(v, 42u);
    CHECK_EQ(veo_write_mem(h2, counter, &w, sizeof w), 0);
    CHECK_EQ(veo_read_mem(h2, &v, counter, sizeof v), 0);
    CHECK_EQ(v, 4242u);

    CHECK_EQ(veo_context_close(now[NOLD - 1]), 0);
    CHECK_EQ(veo_num_contexts(h2), NOLD - 1);
    CHECK_EQ(veo_proc_destroy(h2), 0);
    /* closing after this destroy, too, as an interpreter's exit does */
    for (int i = 0; i < NOLD - 1; i++)
        CHECK_EQ(veo_context_close(now[i]), 0);
    return check_end();
}
