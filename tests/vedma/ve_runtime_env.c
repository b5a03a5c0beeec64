/* A bad RASHM_VE_* value of the VE-side runtime is an error (the runtime
 * does not come up, so veo_proc_create fails), never silently replaced by
 * the default. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "ve_runtime.h"

static int init_with(const char *var, const char *val)
{
    int rc;
    rashm_ve_runtime_shutdown();
    setenv(var, val, 1);
    rc = rashm_ve_runtime_init(0);
    unsetenv(var);
    return rc;
}

int main(void)
{
    check_begin();
    unsetenv("RASHM_VE_DMAATB_DIRS");
    unsetenv("RASHM_VE_DMAATB_ENTRIES");
    unsetenv("RASHM_VE_FAULT");

    CHECK_EQ(init_with("RASHM_VE_DMAATB_DIRS", "0"), -EINVAL);
    CHECK_EQ(init_with("RASHM_VE_DMAATB_DIRS", "4097"), -EINVAL);
    CHECK_EQ(init_with("RASHM_VE_DMAATB_DIRS", "many"), -EINVAL);
    CHECK_EQ(init_with("RASHM_VE_DMAATB_ENTRIES", "257"), -EINVAL);
    CHECK_EQ(init_with("RASHM_VE_DMAATB_ENTRIES", "8x"), -EINVAL);
    CHECK_EQ(init_with("RASHM_VE_FAULT", "shmat"), -EINVAL);
    CHECK_EQ(init_with("RASHM_VE_FAULT", "shmat:ENOSUCH"), -EINVAL);
    /* valid values bring it up */
    CHECK_EQ(init_with("RASHM_VE_DMAATB_DIRS", "4"), 0);
    CHECK_EQ(init_with("RASHM_VE_FAULT", "shmat:EIDRM:1"), 0);
    /* empty means unset */
    CHECK_EQ(init_with("RASHM_VE_DMAATB_ENTRIES", ""), 0);
    rashm_ve_runtime_shutdown();
    return check_end();
}
