/* VE processes: create, destroy, identifiers, node selection, limits, and
 * that no helper process is left behind. */
#include "veo_test.h"

#include <errno.h>
#include <sys/wait.h>

static long cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    unsigned long ut = 0, st = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[k] = 0;
    char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (long)(ut + st);
}

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
    /* beyond a node's 128 GiB of VE addresses (and of its hmem window) */
    setenv("RASHM_VE_MEM_SIZE", "129G", 1);
    CHECK_ERRNO(veo_proc_create(0), NULL, EINVAL);
    setenv("RASHM_VE_MEM_SIZE", "128G", 1);
    h = veo_proc_create(0);
    CHECK(h != NULL);
    if (h)
        veo_proc_destroy(h);
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
    /* per-node memory sizes; each node's VE memory has its own range */
    setenv("RASHM_VE_NODES", "2", 1);
    setenv("RASHM_VE_MEM_SIZE", "128M,64M", 1);
    struct veo_proc_handle *n0 = veo_proc_create(0), *n1 = veo_proc_create(1);
    CHECK(n0 && n1);
    if (n0 && n1) {
        uint64_t x0, x1, big;
        CHECK_EQ(veo_alloc_mem(n0, &x0, 100u << 20), 0);
        CHECK_ERRNO(veo_alloc_mem(n1, &big, 100u << 20), -1, ENOMEM);
        CHECK_EQ(veo_alloc_mem(n1, &x1, 60u << 20), 0);
        CHECK_EQ(x1 - x0, 1ull << 37); /* 128 GiB apart */
        uint64_t v = 77, w = 0;
        CHECK_EQ(veo_write_mem(n1, x1 + (60u << 20) - 8, &v, 8), 0);
        CHECK_EQ(veo_read_mem(n1, &w, x1 + (60u << 20) - 8, 8), 0);
        CHECK_EQ(w, 77);
        CHECK(veo_read_mem(n1, &w, x1 + (64u << 20), 8) < 0); /* past the node's memory */
    }
    if (n0)
        veo_proc_destroy(n0);
    if (n1)
        veo_proc_destroy(n1);
    setenv("RASHM_VE_MEM_SIZE", "64M,64M,64M", 1);
    CHECK_ERRNO(veo_proc_create(2), NULL, EINVAL); /* only 2 nodes */
    unsetenv("RASHM_VE_MEM_SIZE");
    unsetenv("RASHM_VE_NODES");

    /* An idle VE process sleeps: its workers spin only briefly. */
    h = veo_proc_create(0);
    CHECK(h != NULL);
    if (h) {
        lib = veo_load_library(h, VE_TESTLIB);
        struct veo_thr_ctxt *c = veo_context_open(h);
        struct veo_thr_ctxt *c2 = veo_context_open(h);
        CHECK_EQ(veo_call_wait_result(c, veo_call_async(c, sym(h, lib, "ve_empty"), a), &r),
                 VEO_COMMAND_OK);
        CHECK_EQ(veo_call_wait_result(c2, veo_call_async(c2, sym(h, lib, "ve_empty"), a), &r),
                 VEO_COMMAND_OK);
        CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_pid"), a, &r), VEO_COMMAND_OK);
        pid_t hp = (pid_t)r;
        usleep(100000);
        long t0 = cpu_ticks(hp);
        usleep(500000);
        long t1 = cpu_ticks(hp);
        printf("idle helper used %ld clock ticks in 0.5 s\n", t1 - t0);
        CHECK(t0 >= 0 && t1 - t0 <= 5); /* 5 ticks = 50 ms of 500 */
        veo_proc_destroy(h);
    }

    /* a VE node tied to host NUMA node 0: memory policy and CPU affinity */
    setenv("RASHM_VE_NUMA_NODE", "0", 1);
    h = veo_proc_create(0);
    CHECK(h != NULL);
    if (h) {
        lib = veo_load_library(h, VE_TESTLIB);
        CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_pid"), a, &r), VEO_COMMAND_OK);
        char path[64], line[512];
        snprintf(path, sizeof path, "/proc/%d/numa_maps", (int)r);
        FILE *f = fopen(path, "r");
        int found = 0;
        while (f && fgets(line, sizeof line, f))
            if (strncmp(line, "200000000000 prefer:0", 21) == 0)
                found = 1;
        if (f)
            fclose(f);
        CHECK(found);
        veo_proc_destroy(h);
    }
    setenv("RASHM_VE_NUMA_NODE", "1023", 1); /* no such node: refused */
    CHECK(veo_proc_create(0) == NULL);
    unsetenv("RASHM_VE_NUMA_NODE");
    CHECK_EQ(count_helpers(me), 0);

    veo_args_free(a);
    return check_end();
}
