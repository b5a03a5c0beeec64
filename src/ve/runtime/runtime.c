/* librashm-ve: runtime state of one software VE process. */
#include "ve_runtime.h"

#define RASHM_VE_API __attribute__((visibility("default")))

RASHM_VE_API int rashm_ve_runtime_init(int venode)
{
    (void)venode;
    return 0;
}

RASHM_VE_API void rashm_ve_runtime_shutdown(void)
{
}
