/* ENOTSUP when NUMA is unavailable: the process runs under a seccomp filter
 * that answers ENOSYS to the NUMA system calls (what a kernel built without
 * CONFIG_NUMA does), installed before the library's first call. An SRADID
 * attachment then fails with ENOTSUP and leaves nothing behind. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/rset.h>
#include <sys/syscall.h>

#include <rashm.h>

static int deny_numa_syscalls(void)
{
#if defined(__x86_64__)
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_get_mempolicy, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_set_mempolicy, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mbind, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_move_pages, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_migrate_pages, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    };
    struct sock_fprog prog = { sizeof f / sizeof f[0], f };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

#define SEG (8 * 4096L)

int main(void)
{
    check_begin();
    if (deny_numa_syscalls() != 0) {
        fprintf(stderr, "cannot install the seccomp filter: %s\n", strerror(errno));
        return TEST_SKIP;
    }
    CHECK_EQ(syscall(SYS_get_mempolicy, NULL, NULL, 0, NULL, 0), -1);
    CHECK_EQ(errno, ENOSYS);
    CHECK_EQ(rashm_numa_available(), 0);

    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_sradid = 0;
    for (unsigned pol = P_DEFAULT; pol <= P_BALANCED; pol++)
        CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, r, pol), ENOTSUP);
    subrange_t v[1];
    memset(v, 0, sizeof v);
    v[0].su_rstype = R_SRADID;
    v[0].su_policy = P_BALANCED;
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | SHM_PIN | 0600, 1, v), ENOTSUP);
    /* order: EINVAL still first, ENOTSUP before ENODEV */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, r, 5), EINVAL);
    r.at_sradid = 999;
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, r, P_DEFAULT), ENOTSUP);
    return check_end();
}
