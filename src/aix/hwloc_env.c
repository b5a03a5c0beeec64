/* What librashm's private copy of hwloc sees of the process (linked in from
 * hwloc's static library, see src/aix/CMakeLists.txt):
 *   - getenv (the link uses --wrap=getenv): HWLOC_* variables belong to the
 *     client's own use of hwloc (HWLOC_XMLFILE, HWLOC_SYNTHETIC,
 *     HWLOC_COMPONENTS, HWLOC_FSROOT, HWLOC_THISSYSTEM, ...) and must not
 *     change librashm's view of the machine; librashm's own overrides are
 *     RASHM_TOPOLOGY_*;
 *   - stderr, stdout, program_invocation_name: Debian's libhwloc.a is not
 *     position-independent for these three libc variables (PC-relative
 *     references, which a shared library cannot have to a symbol of
 *     another object). librashm therefore carries hidden copies of the three
 *     pointers, taken from libc when it is loaded; all of librashm's own
 *     code uses them too. A client that assigns a new FILE * to stderr
 *     (rather than freopen) is not followed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#ifdef RASHM_PRIVATE_HWLOC
char *__real_getenv(const char *name);
char *__wrap_getenv(const char *name);

__attribute__((visibility("hidden"))) char *__wrap_getenv(const char *name)
{
    if (name && strncmp(name, "HWLOC_", 6) == 0)
        return NULL;
    return __real_getenv(name);
}

/* Declared here without <stdio.h>/<errno.h>, whose declarations give them
 * default visibility. */
struct _IO_FILE;
__attribute__((visibility("hidden"))) struct _IO_FILE *stderr;
__attribute__((visibility("hidden"))) struct _IO_FILE *stdout;
__attribute__((visibility("hidden"))) char *program_invocation_name;

__attribute__((constructor(101))) static void libc_pointers(void)
{
    struct _IO_FILE **e = dlsym(RTLD_NEXT, "stderr"), **o = dlsym(RTLD_NEXT, "stdout");
    char **n = dlsym(RTLD_NEXT, "program_invocation_name");
    stderr = e ? *e : NULL;
    stdout = o ? *o : NULL;
    program_invocation_name = n ? *n : (char *)"";
}
#else
/* an empty translation unit is not ISO C */
typedef int rashm_hwloc_env_unused;
#endif
