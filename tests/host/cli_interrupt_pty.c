/* Ctrl-C during `rashm create --populate`, typed on a terminal: the command
 * runs on a pseudo-terminal (its controlling terminal, as in a shell), ^C is
 * written to the terminal once the progress bar shows the populate under
 * way, and then
 *   - the command ends within a second of the keystroke, dying of SIGINT;
 *   - it says which segment it removed, and that segment is gone;
 *   - no segment of its making is left (the wrapper checks the registry).
 * Usage: cli_interrupt_pty RASHM. Skips (77) when the populate ran to its
 * end before ^C could be typed. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes of MemAvailable. */
static unsigned long long mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    unsigned long long kb = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    fclose(f);
    return kb << 10;
}

/* Whether a segment created by pid is listed. */
static int segment_of(pid_t pid)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    char line[512];
    int found = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        int key, id, cpid;
        unsigned mode;
        unsigned long long size;
        if (sscanf(line, "%d %d %o %llu %d", &key, &id, &mode, &size, &cpid) == 5 && cpid == pid)
            found = 1;
    }
    fclose(f);
    return found;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s RASHM\n", argv[0]);
        return 2;
    }
    /* large enough that the populate lasts seconds (about 1 GiB/s), small
     * enough for the machine */
    unsigned long long avail = mem_available(), size = 4ull << 30;
    if (avail / 2 < size)
        size = avail / 2 & ~((1ull << 20) - 1);
    if (size < (512ull << 20)) {
        printf("skip: %llu MiB available is too little for a long populate\n", avail >> 20);
        return 77;
    }
    char sz[32];
    snprintf(sz, sizeof sz, "%lluM", size >> 20);

    int master;
    struct winsize ws = { .ws_row = 24, .ws_col = 80 };
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) {
        perror("forkpty");
        return 1;
    }
    if (pid == 0) {
        execl(argv[1], "rashm", "create", "private", sz, "--populate", (char *)NULL);
        _exit(127);
    }
    char out[65536];
    size_t used = 0;
    double sent = 0, deadline = now() + 120;
    int status = 0, done = 0;
    for (;;) {
        struct pollfd p = { .fd = master, .events = POLLIN };
        int r = poll(&p, 1, 20);
        if (r > 0) {
            ssize_t n = read(master, out + used, sizeof out - 1 - used);
            if (n > 0) {
                used += (size_t)n;
                out[used] = 0;
            } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
                /* EIO: the child closed the terminal (it ended) */
                p.fd = -1;
            }
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            done = 1;
            break;
        }
        if (!sent) {
            /* the bar's last figure: "populating [##...] 12%" */
            char *pct = NULL;
            for (char *s = out; (s = strstr(s, "populating [")); s++)
                pct = s;
            int v = -1;
            if (pct && (pct = strchr(pct, ']')))
                v = atoi(pct + 1);
            if (v >= 3 && v < 60) {
                if (write(master, "\003", 1) != 1) {  /* ^C, as typed */
                    perror("write ^C");
                    kill(pid, SIGKILL);
                    return 1;
                }
                sent = now();
                printf("^C typed at %d%% of %s\n", v, sz);
            } else if (v >= 60) {
                printf("skip: the populate ran to %d%% before ^C could be typed\n", v);
                waitpid(pid, &status, 0);
                return 77;
            }
        }
        if (now() > deadline) {
            printf("FAIL: the command did not end (output so far:\n%s)\n", out);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return 1;
        }
    }
    double took = sent ? now() - sent : -1;
    /* what the terminal got after the end */
    for (;;) {
        struct pollfd p = { .fd = master, .events = POLLIN };
        if (poll(&p, 1, 100) <= 0)
            break;
        ssize_t n = read(master, out + used, sizeof out - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
        out[used] = 0;
    }
    int fails = 0;
    if (!sent) {
        if (done && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("skip: the populate ended before its progress could be seen\n");
            /* the id is the last line of the output */
            char *last = NULL;
            for (char *s = strtok(out, "\r\n"); s; s = strtok(NULL, "\r\n"))
                last = s;
            if (last && atoi(last) > 0)
                shmctl(atoi(last), IPC_RMID, NULL);
            return 77;
        }
        printf("FAIL: no progress bar on the terminal (status 0x%x):\n%s\n", status, out);
        return 1;
    }
    printf("ended %.3f s after ^C\n", took);
    if (took > 1.0) {
        printf("FAIL: more than a second from ^C to the end\n");
        fails++;
    }
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGINT) {
        printf("FAIL: the command did not die of SIGINT (status 0x%x)\n", status);
        fails++;
    }
    char *msg = strstr(out, "interrupted: the new segment (shmid ");
    if (!msg) {
        printf("FAIL: no 'interrupted: the new segment (shmid N) was removed' on the terminal:\n%s\n", out);
        fails++;
    } else {
        int id = atoi(msg + strlen("interrupted: the new segment (shmid "));
        struct shmid_ds ds;
        if (shmctl(id, IPC_STAT, &ds) == 0) {
            printf("FAIL: shmid %d is still there\n", id);
            shmctl(id, IPC_RMID, NULL);
            fails++;
        }
        if (!strstr(msg, ") was removed")) {
            printf("FAIL: %s\n", msg);
            fails++;
        }
    }
    if (segment_of(pid)) {
        printf("FAIL: a segment created by the command is left\n");
        fails++;
    }
    if (fails)
        return 1;
    printf("ok: Ctrl-C stopped the populate and removed the segment\n");
    return 0;
}
