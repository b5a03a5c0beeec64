/* VE processes: create, destroy, identifiers, node selection, limits, and
 * that no helper process is left behind. */
#include "veo_test.h"

#include <errno.h>
#include <sys/wait.h>

int main(void)
{
    check_begin();
    pid_t me = getpid();
    CHECK_EQ(veo_api_version(), 16);
    CHECK_EQ(VEO_API_VERSION, 16);
    CHECK(veo_version_string() != NULL && strlen(veo_version_string()) > 0);

    /* one process: a child of ours named rashm-ve, gone after destroy */
    struct veo_proc_handle *h = veo_proc_create(0);
    CHECK(h != NULL);
    if (!h)
        return check_end();
    CHECK_EQ(count_helpers(me), 1);
    CHECK(veo_proc_identifier(h) >= 0 && veo_proc_identifier(h) < VEO_MAX_HMEM_PROCS);
    uint64_t lib = veo_load_library(h, VE_TESTLIB);
    CHECK(lib != 0);
    uint64_t r = 0;
    struct veo_args *a = veo_args_alloc();
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_pid"), a, &r), VEO_COMMAND_OK);
    pid_t vepid = (pid_t)r;
    CHECK(vepid != me && is_helper(vepid));
    CHECK_EQ(veo_proc_destroy(h), 0);
    CHECK(!is_helper(vepid)); /* reaped, not even a zombie */
    CHECK_EQ(count_helpers(me), 0);

    /* venode checks */
    CHECK_ERRNO(veo_proc_create(-2), NULL, EINVAL);
    CHECK_ERRNO(veo_proc_create(1), NULL, EINVAL); /* RASHM_VE_NODES=1 default */
    setenv("RASHM_VE_NODES", "3", 1);
    setenv("VE_NODE_NUMBER", "2", 1);
    h = veo_proc_create(-1); /* -1: $VE_NODE_NUMBER */
    CHECK(h != NULL);
    if (h) {
        void *hm = NULL;
        CHECK_EQ(veo_alloc_hmem(h, &hm, 64), 0);
        CHECK_EQ(veo_get_venum_from_hmem(hm), 2);
        CHECK_EQ(veo_free_hmem(hm), 0);
        CHECK_EQ(veo_proc_destroy(h), 0);
    }
    unsetenv("VE_NODE_NUMBER");
    h = veo_proc_create(-1); /* unset: node 0 */
    CHECK(h != NULL);
    if (h) {
        void *hm = NULL;
        CHECK_EQ(veo_alloc_hmem(h, &hm, 64), 0);
        CHECK_EQ(veo_get_venum_from_hmem(hm), 0);
        veo_free_hmem(hm);
        veo_proc_destroy(h);
    }
    setenv("RASHM_VE_MEM_SIZE", "bogus", 1);
    CHECK_ERRNO(veo_proc_create(0), NULL, EINVAL);
    unsetenv("RASHM_VE_MEM_SIZE");
    setenv("RASHM_VE_HELPER", "/nonexistent/rashm-ve", 1);
    CHECK_ERRNO(veo_proc_create(0), NULL, ENOENT);
    unsetenv("RASHM_VE_HELPER");
    CHECK_ERRNO(veo_proc_create_static(0, (char *)"/nonexistent/helper"), NULL, ENOENT);

    /* A helper that is not rashm-ve fails cleanly (it never says READY). */
    CHECK(veo_proc_create_static(0, (char *)"/bin/true") == NULL);

    /* VEO_MAX_HMEM_PROCS at once, then EAGAIN; identifiers distinct */
    struct veo_proc_handle *hs[VEO_MAX_HMEM_PROCS + 1];
    int seen = 0;
    for (int i = 0; i < VEO_MAX_HMEM_PROCS; i++) {
        hs[i] = veo_proc_create(i % 3);
        CHECK(hs[i] != NULL);
        if (hs[i])
            seen |= 1 << veo_proc_identifier(hs[i]);
    }
    CHECK_EQ(seen, 0xffff);
    CHECK_EQ(veo_get_max_proc_identifier(), VEO_MAX_HMEM_PROCS - 1);
    CHECK_EQ(count_helpers(me), VEO_MAX_HMEM_PROCS);
    CHECK_ERRNO(veo_proc_create(0), NULL, EAGAIN);
    for (int i = 0; i < VEO_MAX_HMEM_PROCS; i++)
        if (hs[i])
            CHECK_EQ(veo_proc_destroy(hs[i]), 0);
    CHECK_EQ(count_helpers(me), 0);
    CHECK_EQ(veo_get_max_proc_identifier(), -1);
    CHECK_EQ(veo_proc_destroy(NULL), -1);
    CHECK_EQ(veo_proc_identifier(NULL), -1);
    veo_args_free(a);
    return check_end();
}
