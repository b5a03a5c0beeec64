/* bindprocessor, mycpu and thread_self as IBM documents them
 * (<sys/processor.h>, <sys/thread.h>), with each documented errno. */
#include "common.h"
#include <sys/processor.h>
#include <sys/rset.h>
#include <sys/thread.h>

static int eperm_init(void)
{
    /* not root, and process 1 belongs to another user */
    errno = 0;
    int r = bindprocessor(BINDPROCESS, 1, 0);
    return r == -1 && errno == EPERM ? 0 : 1;
}

int main(void)
{
    int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    cpu_t last = (cpu_t)(ncpus - 1);

    /* every thread of the process on the last CPU */
    EXPECT(bindprocessor(BINDPROCESS, getpid(), last) == 0);
    for (int i = 0; i < 100 && mycpu() != last; i++)
        usleep(1000);
    EXPECT(mycpu() == last);
    /* this kernel thread alone on CPU 0 */
    EXPECT(bindprocessor(BINDTHREAD, (int)thread_self(), 0) == 0);
    for (int i = 0; i < 100 && mycpu() != 0; i++)
        usleep(1000);
    EXPECT(mycpu() == 0);
    /* unbind: any processor again */
    EXPECT(bindprocessor(BINDPROCESS, getpid(), PROCESSOR_CLASS_ANY) == 0);

    EXPECT_ERR(bindprocessor(7, getpid(), 0), EINVAL);              /* What */
    EXPECT_ERR(bindprocessor(BINDPROCESS, getpid(), (cpu_t)ncpus + 1000), EINVAL); /* Where */
    EXPECT_ERR(bindprocessor(BINDPROCESS, dead_pid(), 0), ESRCH);
    EXPECT_ERR(bindprocessor(BINDTHREAD, dead_pid(), 0), ESRCH);
    EXPECT(as_nobody(eperm_init) == 0);
    if (fails == 0)
        printf("ok bindprocessor(BINDPROCESS, 1, 0) as nobody -> EPERM\n");

    /* a process with a resource attachment cannot be bound */
    rsethandle_t rs = rs_alloc(RS_PARTITION);
    rsid_t me;
    me.at_pid = getpid();
    EXPECT(ra_attachrset(R_PROCESS, me, rs, 0) == 0);
    EXPECT_ERR(bindprocessor(BINDPROCESS, getpid(), 0), EPERM);
    EXPECT(ra_detachrset(R_PROCESS, me, 0) == 0);
    EXPECT(bindprocessor(BINDPROCESS, getpid(), 0) == 0);
    EXPECT(bindprocessor(BINDPROCESS, getpid(), PROCESSOR_CLASS_ANY) == 0);
    rs_free(rs);
    return finish("bindprocessor");
}
