/* The program host.sec.setuid_env installs setuid root and runs as user
 * nobody with an attacker's RASHM_* variables (not a test by itself).
 * It does what a privileged rashm program does: reads the topology, places
 * a segment (which writes the registry), and with the VEO face starts a
 * VE process (runs the helper) and makes a VH-VE SHM call (loads the VE
 * runtime library into it). It prints what it saw:
 *   topo sdl=S rads=N place=ok|<errno>
 *   veo proc=ok|<errno> shmget=<errno>
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/rset.h>
#include <sys/shm.h>
#ifdef HAVE_VEO
#include <ve_offload.h>
#include <veo_vhveshm.h>
#endif

static const char *ename(int e)
{
    return e ? strerror(e) : "ok";
}

int main(void)
{
    rsethandle_t all = rs_alloc(RS_ALL), part = rs_alloc(RS_PARTITION);
    int sdl = rs_getinfo(NULL, R_MAXSDL, 0);
    int rads = all ? rs_numrads(all, sdl, 0) : -1;
    subrange_t v;
    memset(&v, 0, sizeof v);
    v.su_length = 65536;
    v.su_rstype = R_RSET;
    v.su_rsid.at_rset = part;
    v.su_policy = P_BALANCED;
    int id = ra_shmgetv(IPC_PRIVATE, 65536, IPC_CREAT | 0600, 1, &v);
    int err = id < 0 ? errno : 0;
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
    printf("topo sdl=%d rads=%d place=%s\n", sdl, rads, ename(err));
    rs_free(all);
    rs_free(part);
#ifdef HAVE_VEO
    struct veo_proc_handle *h = veo_proc_create(0);
    if (!h) {
        printf("veo proc=%s shmget=-\n", ename(errno));
    } else {
        /* invalid on purpose (no SHM_HUGETLB): the VE runtime is loaded and
         * answers EINVAL; nothing is created */
        int r = veo_shmget(h, IPC_PRIVATE, 2 << 20, 0);
        printf("veo proc=ok shmget=%s\n", r < 0 ? strerror(errno) : "created?");
        veo_proc_destroy(h);
    }
#else
    printf("veo none\n");
#endif
    fflush(stdout);
    return 0;
}
