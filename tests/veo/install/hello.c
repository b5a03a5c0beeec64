/* A VEO program written only against NEC's public VEO documentation (the
 * usual "hello" walk-through: create a VE process, load a VE library, open a
 * context, call a function asynchronously, wait for the result). It must
 * build unchanged against rashm's installed copy. */
#include <stdio.h>
#include <stdlib.h>
#include <ve_offload.h>

int main(int argc, char *argv[])
{
    const char *libname = argc > 1 ? argv[1] : "./libvehello.so";
    struct veo_proc_handle *proc = veo_proc_create(0);
    if (proc == NULL) {
        perror("veo_proc_create");
        return 1;
    }
    uint64_t handle = veo_load_library(proc, libname);
    if (handle == 0) {
        fprintf(stderr, "veo_load_library(%s) failed\n", libname);
        return 1;
    }
    struct veo_thr_ctxt *ctx = veo_context_open(proc);
    struct veo_args *argp = veo_args_alloc();
    veo_args_set_i32(argp, 0, 20);
    veo_args_set_i32(argp, 1, 22);
    uint64_t id = veo_call_async_by_name(ctx, handle, "hello", argp);
    uint64_t retval = 0;
    int rc = veo_call_wait_result(ctx, id, &retval);
    printf("hello returned %lu (command state %d)\n", (unsigned long)retval, rc);

    /* and a buffer through VE memory */
    uint64_t vemem;
    char msg[32] = "software VE";
    char back[32] = "";
    if (veo_alloc_mem(proc, &vemem, sizeof msg) != 0 ||
        veo_write_mem(proc, vemem, msg, sizeof msg) != 0 ||
        veo_read_mem(proc, back, vemem, sizeof back) != 0) {
        fprintf(stderr, "VE memory round trip failed\n");
        return 1;
    }
    veo_free_mem(proc, vemem);
    veo_args_free(argp);
    veo_context_close(ctx);
    veo_proc_destroy(proc);
    printf("VE memory round trip: %s\n", back);
    return rc == VEO_COMMAND_OK && retval == 42 ? 0 : 1;
}
