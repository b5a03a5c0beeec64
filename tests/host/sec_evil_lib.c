/* The attacker's "VE runtime library" for host.sec.setuid_env: loading it
 * is the attack, so its constructor leaves a marker file (named after the
 * effective uid that loaded it) in $RASHM_SEC_MARKDIR. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void evil(void)
{
    const char *dir = getenv("RASHM_SEC_MARKDIR");
    char path[4096];
    if (!dir)
        return;
    snprintf(path, sizeof path, "%s/mark.lib.%u", dir, (unsigned)geteuid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0)
        close(fd);
}
