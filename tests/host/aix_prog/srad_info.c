/* rs_info(RS_SRADID_LOADAVG) and vmgetinfo(VM_SRAD_MEMINFO), as IBM
 * documents them (and as NUMA-aware runtimes use them), with each
 * documented errno. */
#include "common.h"
#include <sys/rset.h>
#include <sys/systemcfg.h>
#include <sys/vminfo.h>

int main(void)
{
    if (!__ENHANCED_AFFINITY()) {
        printf("enhanced affinity is off\n");
        return 1;
    }
    rsethandle_t all = rs_alloc(RS_SYSTEM), rad = rs_alloc(RS_EMPTY);
    int sradsdl = rs_getinfo(NULL, R_SRADSDL, 0);
    int nsrads = rs_numrads(all, (uint_t)sradsdl, 0);
    EXPECT(nsrads >= 1);
    long long total = 0;
    for (int s = 0; s < nsrads; s++) {
        loadavg_info_t li;
        struct loadavg_info *tagged = &li;
        EXPECT(rs_info(tagged, RS_SRADID_LOADAVG, s, 0) == 0);
        EXPECT(rs_getrad(all, rad, (uint_t)sradsdl, (uint_t)s, 0) == 0);
        EXPECT(li.cpu_count == rs_getinfo(rad, R_NUMPROCS, 0));
        EXPECT(li.load_average >= 0);
        printf("srad %d: load %.2f over %d cpus\n", s, li.load_average / 65536.0, li.cpu_count);

        struct vm_srad_meminfo m;
        memset(&m, 0, sizeof m);
        m.vmsrad_in_size = sizeof m;
        EXPECT(vmgetinfo(&m, VM_SRAD_MEMINFO, s) == 0);
        EXPECT(m.vmsrad_out_size > 0 && m.vmsrad_total > 0 && m.vmsrad_free <= m.vmsrad_total);
        total += (long long)m.vmsrad_total;
        printf("srad %d: %llu MB, %llu MB free\n", s, (unsigned long long)m.vmsrad_total >> 20,
               (unsigned long long)m.vmsrad_free >> 20);
    }
    /* memory of the SRADs is at most the machine's */
    EXPECT(total <= (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) + (1LL << 30));

    loadavg_info_t li;
    EXPECT_ERR(rs_info(&li, 77, 0, 0), EINVAL);                   /* command */
    EXPECT_ERR(rs_info(&li, RS_SRADID_LOADAVG, nsrads, 0), EINVAL); /* sradid */
    EXPECT_ERR(rs_info(&li, RS_SRADID_LOADAVG, -1, 0), EINVAL);
    EXPECT_ERR(rs_info(NULL, RS_SRADID_LOADAVG, 0, 0), EFAULT);
    struct vm_srad_meminfo m;
    memset(&m, 0, sizeof m);
    m.vmsrad_in_size = sizeof m;
    EXPECT_ERR(vmgetinfo(&m, 12345, 0), EINVAL);                 /* command */
    EXPECT_ERR(vmgetinfo(&m, VM_SRAD_MEMINFO, nsrads), EINVAL);  /* sradid */
    EXPECT_ERR(vmgetinfo(NULL, VM_SRAD_MEMINFO, 0), EFAULT);
    m.vmsrad_in_size = 4;                                        /* too small */
    EXPECT_ERR(vmgetinfo(&m, VM_SRAD_MEMINFO, 0), EINVAL);
    rs_free(all);
    rs_free(rad);
    return finish("srad_info");
}
