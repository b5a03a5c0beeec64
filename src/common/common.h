/* Everything src/common offers, in one include. */
#ifndef RASHM_COMMON_H
#define RASHM_COMMON_H
#include "env.h"
#include "errors.h"
#include "export.h"
#include "parse.h"
#include "procfs.h"
#include "wait.h"
#endif
