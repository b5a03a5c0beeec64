/* A program carrying its own compatibility block for AIX 5.3 headers, as
 * Java runtimes do: the AIX 6.1 names are defined before <sys/rset.h> is
 * included. Built with -Wall -Werror: every definition here must be an
 * identical redefinition of the header's, or the build fails. */
#define R_SRADSDL       R_MCMSDL
#define RS_SRADID_LOADAVG   2
#define R_PROCMEM       14
#define R_SRADID        13
#define R_MIGRATE_ASYNC 0x00000200
#define SRADID_ANY          (-1)
#define VM_SRAD_MEMINFO        106
#define __ENHANCED_AFFINITY_MASK    0x1000
#define __ENHANCED_AFFINITY() \
           (_system_configuration.kernel & __ENHANCED_AFFINITY_MASK)

#include <stdio.h>
#include <sys/rset.h>
#include <sys/systemcfg.h>
#include <sys/vminfo.h>
#include <sys/processor.h>
#include <sys/thread.h>
#include <procinfo.h>

/* the 6.1-only declarations such a block adds are skipped when the header
 * says it has enhanced affinity */
#if !defined(__ENHANCED_AFFINITY)
typedef struct loadavg_info {
    int load_average;
    int cpu_count;
} loadavg_info_t;
#endif

int main(void)
{
    struct loadavg_info li;
    sradid_t s = SRADID_ANY;
    mmap_struct_t ms = {0};
    rs_attributes_t at = {0};
    (void)ms;
    (void)at;
    li.cpu_count = 0;
    printf("enhanced affinity %s, sradsdl %d, srad any %d, cpus %d, R_TYPE_MASK %#x R_AVAIL_MASK %#x\n",
           __ENHANCED_AFFINITY() ? "on" : "off", rs_getinfo(NULL, R_SRADSDL, 0), s, li.cpu_count,
           R_TYPE_MASK, R_AVAIL_MASK);
    return rs_info(&li, RS_SRADID_LOADAVG, 0, 0) == 0 && li.cpu_count > 0 ? 0 : 1;
}
