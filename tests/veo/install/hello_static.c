/* A VEO program that starts a "static" VE program (VE code built in, made
 * with rashm-mk-veorun-static) with veo_proc_create_static and finds its
 * function without veo_load_library, as with NEC's mk_veorun_static. */
#include <stdio.h>
#include <ve_offload.h>

int main(int argc, char *argv[])
{
    if (argc < 2) {
        fprintf(stderr, "usage: hello_static VE_PROGRAM\n");
        return 2;
    }
    struct veo_proc_handle *proc = veo_proc_create_static(0, argv[1]);
    if (proc == NULL) {
        perror("veo_proc_create_static");
        return 1;
    }
    uint64_t fn = veo_get_sym(proc, 0, "hello");
    struct veo_args *argp = veo_args_alloc();
    veo_args_set_i32(argp, 0, 40);
    veo_args_set_i32(argp, 1, 2);
    uint64_t retval = 0;
    int rc = fn ? veo_call_sync(proc, fn, argp, &retval) : -1;
    printf("static hello returned %lu (rc %d)\n", (unsigned long)retval, rc);
    veo_args_free(argp);
    veo_proc_destroy(proc);
    return rc == 0 && retval == 42 ? 0 : 1;
}
