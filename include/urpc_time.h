/* <urpc_time.h>: the clock helpers of ve-urpc (AVEO's transport), which
 * AVEO's benchmark programs include; the same as <veo_time.h> here. */
#ifndef RASHM_URPC_TIME_H
#define RASHM_URPC_TIME_H
#include "veo_time.h"
#endif
