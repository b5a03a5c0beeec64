/* <sys/systemcfg.h>: AIX's _system_configuration on Linux (rashm's AIX
 * face): the fields affinity code reads, filled when librashm is loaded
 * from sysconf and sysfs (cache sizes, CPU counts, memory). Fields whose
 * Linux equivalent does not exist are 0. */
#ifndef RASHM_SYS_SYSTEMCFG_H
#define RASHM_SYS_SYSTEMCFG_H

#include <stdint.h>
#include <sys/rset.h>

#ifdef __cplusplus
extern "C" {
#endif

struct _system_configuration {
    int architecture;         /* 0: not a POWER processor */
    int implementation;
    int version;
    int width;                /* 64 */
    int ncpus;                /* online CPUs */
    int cache_attrib;         /* bit 30: unified L1 (0: split I/D) */
    int icache_size;          /* L1 instruction cache, bytes */
    int dcache_size;          /* L1 data cache, bytes */
    int icache_asc;
    int dcache_asc;
    int icache_block;
    int dcache_block;
    int icache_line;
    int dcache_line;
    int L2_cache_size;        /* bytes */
    int L2_cache_asc;
    int tlb_attrib;
    int itlb_size;
    int dtlb_size;
    int itlb_asc;
    int dtlb_asc;
    int resv_size;
    int priv_lck_cnt;
    int prob_lck_cnt;
    int rtc_type;
    int virt_alias;
    int cach_cong;
    int model_arch;
    int model_impl;
    int Xint;
    int Xfrac;
    int kernel;               /* __KERN_64BIT | __ENHANCED_AFFINITY_MASK */
    uint64_t physmem;         /* bytes */
    int slb_attr;
    int slb_size;
    int original_ncpus;
    int max_ncpus;            /* configured CPUs */
    int64_t maxrealaddr;
    int64_t original_entitled_capacity;
    int64_t entitled_capacity;
    int64_t dispatch_wheel;
    int capacity_increment;
    int variable_capacity_weight;
    int splpar_status;
    int smt_status;
    int smt_threads;          /* hardware threads per core */
    int vmx_version;
    int64_t sys_lmbsize;
    int num_xcpus;
    signed char errchecklevel;
    char pad[3];
    int dfp_version;
    int phys_implementation;
    int phys_version;
    int64_t spcm_status;
    int spcm_max;
    int64_t tm_version;
    int pad2;
};

RASHM_API extern struct _system_configuration _system_configuration;

#define __KERN_64BIT 0x00000001
/* Spelled as AIX code that defines it for 5.3 headers spells it, so such a
 * definition is an identical redefinition. The bit is set when enhanced
 * affinity is on (RASHM_ENHANCED_AFFINITY, read when librashm loads). */
#define __ENHANCED_AFFINITY_MASK    0x1000
#define __ENHANCED_AFFINITY() \
           (_system_configuration.kernel & __ENHANCED_AFFINITY_MASK)

/* No POWER processor here. */
#define __power_pc() 0
#define __power_4() 0
#define __power_5() 0
#define __power_6() 0
#define __power_7() 0
#define __power_8() 0
#define __power_9() 0

#ifdef __cplusplus
}
#endif

#endif
