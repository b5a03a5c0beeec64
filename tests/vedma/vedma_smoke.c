#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "check.h"
#include "ve_offload.h"
#include "veo_vedma.h"
#include "veo_vhveshm.h"

int main(void)
{
    check_begin();
    key_t key = 0x7e100000 | (getpid() & 0xffff);
    int id = shmget(key, 64 << 20, IPC_CREAT | IPC_EXCL | SHM_HUGETLB | 0600);
    CHECK(id >= 0);
    struct veo_proc_handle *h = veo_proc_create(0);
    CHECK(h != NULL);
    CHECK_EQ(veo_shmget(h, key, 2 << 20, SHM_HUGETLB), id);
    void *vehva = NULL;
    void *at = veo_shmat(h, id, NULL, 0, &vehva);
    fprintf(stderr, "at=%p vehva=%p\n", at, vehva);
    struct shmid_ds ds;
    shmctl(id, IPC_STAT, &ds);
    CHECK_EQ(ds.shm_nattch, 1);
    uint64_t ve;
    CHECK_EQ(veo_alloc_mem(h, &ve, 64 << 20), 0);
    void *hm;
    CHECK_EQ(veo_alloc_hmem(h, &hm, 64 << 20), 0);
    uint64_t v = veo_register_mem_to_dmaatb(hm, 64 << 20);
    fprintf(stderr, "ve=%lx vehva(mem)=%lx errno=%d\n", ve, v, errno);
    char *p = shmat(id, NULL, 0);
    for (int i = 0; i < 64 << 20; i++) p[i] = (char)i;
    CHECK_EQ(veo_dma_post_wait(h, v, (uint64_t)vehva, 32 << 20), 0);
    char *buf = malloc(32 << 20);
    CHECK_EQ(veo_read_mem(h, buf, (uint64_t)veo_get_hmem_addr(hm), 32 << 20), 0);
    CHECK(memcmp(buf, p, 32 << 20) == 0);
    ve_dma_handle_t dh;
    CHECK_EQ(veo_dma_post(h, (uint64_t)vehva, v, 4096, &dh), 0);
    int r;
    while ((r = veo_dma_poll(h, &dh)) == -EAGAIN) ;
    CHECK_EQ(r, 0);
    CHECK_EQ(veo_unregister_mem_from_dmaatb(h, v), 0);
    CHECK_EQ(veo_shmdt(h, at), 0);
    shmctl(id, IPC_STAT, &ds);
    CHECK_EQ(ds.shm_nattch, 1);
    shmdt(p);
    veo_free_hmem(hm);
    veo_proc_destroy(h);
    shmctl(id, IPC_RMID, NULL);
    free(buf);
    return check_end();
}
