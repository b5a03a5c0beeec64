/* The hooks of the split software VE (src/ve/ve_runtime.h): the device
 * process serves (server.c), the VE process becomes a client (client.c);
 * and the shutdown hook, which stops the server before the runtime. The
 * top of librashm-ve, next to api.c and rpc.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "devq.h"
#include "rt.h"
#include "ve_runtime.h"
#include "wait.h"

RASHM_VE_API void rashm_ve_runtime_shutdown(void)
{
    /* the server first: it takes rashm_rt_lock for some requests */
    server_stop();
    rt_shutdown();
}

RASHM_VE_API int rashm_ve_device_prepare(void)
{
    /* shared and anonymous: the two processes of the split share it, and
     * nothing else can reach it */
    void *p = mmap(NULL, sizeof(struct devq), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    rashm_rt.dq = p;
    return 0;
}

RASHM_VE_API int rashm_ve_device_serve(int venode, pid_t ve, uint64_t mem_base,
                                       uint64_t mem_size, int mem_fd, uint32_t spin_us)
{
    struct devq *q = rashm_rt.dq;
    struct stat st;
    int rc;
    if (!q || ve <= 0)
        return -EINVAL;
    if (fstat(mem_fd, &st) < 0)
        rc = -errno;
    else {
        rashm_rt.target = ve;
        rashm_rt.vemem_base = mem_base;
        rashm_rt.vemem_size = mem_size;
        rashm_rt.vemem_dev = (uint64_t)st.st_dev;
        rashm_rt.vemem_ino = (uint64_t)st.st_ino;
        q->spin_ns = spin_us > 1000 ? 1000000u : spin_us * 1000u;
        rc = rashm_ve_runtime_init(venode);
    }
    if (!rc)
        rc = server_start(q);
    atomic_store(&q->ready, rc ? (int32_t)rc : 1);
    rcom_wake((_Atomic uint32_t *)&q->ready, INT_MAX, RCOM_WAIT_SHARED);
    return rc;
}

RASHM_VE_API int rashm_ve_runtime_client(void)
{
    struct devq *q = rashm_rt.dq;
    int32_t r;
    if (!q)
        return -EINVAL;
    rashm_rt.client = 1;
    /* The device answers at once (its start-up is a few allocations); if it
     * dies instead, this process is killed with it. */
    while ((r = atomic_load(&q->ready)) == 0) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        rcom_futex((_Atomic uint32_t *)&q->ready, FUTEX_WAIT, 0, &ts);
    }
    return r == 1 ? 0 : r < 0 ? (int)r : -EIO;
}

RASHM_VE_API int rashm_ve_vehva_access(uint64_t vehva, void *buf, size_t n, int write)
{
    int rc = rt_ensure();
    if (rc)
        return rc;
    return (int)rt_ops()->vehva_access(vehva, buf, n, write);
}
