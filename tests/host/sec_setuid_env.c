/* host.sec.setuid_env: RASHM_* variables do not steer a setuid program.
 *
 *   host.sec.setuid_env VICTIM EVIL_LIB TOPOLOGY_XML
 *
 * Written as the attack. User nobody prepares a directory holding a
 * "helper" script and a "VE runtime library" that each leave a marker file
 * when run or loaded, and a fake topology; then runs a setuid-root rashm
 * program (VICTIM, sec_setuid_victim.c, copied to a directory on a
 * filesystem that honours setuid and made root:root 04755) with
 *   RASHM_VE_HELPER=<script>  RASHM_VE_RUNTIME_LIB=<library>
 *   RASHM_REGISTRY_DIR=<nobody's dir>/registry  RASHM_TOPOLOGY_XML=<xml>
 * The attack fails when: no marker appears, no registry directory appears,
 * and the program sees the real topology and places its segment (as it
 * does for root without any variable), and its VE process comes up with
 * the real helper and runtime.
 * Controls (the test must be able to fail): the same copy without the
 * setuid bit, run as nobody with the same variables, does run the script,
 * load the library and see the fake topology; so the variables are live
 * and only the privilege makes the difference.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define MUST(c)                                                                        \
    do {                                                                               \
        if (!(c)) {                                                                    \
            fprintf(stderr, "%s:%d: setup failed: %s: %s\n", __FILE__, __LINE__, #c,   \
                    strerror(errno));                                                  \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

static uid_t nobody = 65534;
static gid_t nogroup = 65534;
static char suiddir[1024], attack[1024];

static int copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), out;
    char buf[65536];
    ssize_t n;
    if (in < 0)
        return -1;
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    close(in);
    /* chown before chmod: chown clears the setuid bit */
    if (n < 0 || fchown(out, 0, 0) < 0 || fchmod(out, mode) < 0) {
        close(out);
        return -1;
    }
    return close(out);
}

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char sub[PATH_MAX];
    struct stat st;
    if (d) {
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                rm_tree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

static void cleanup(void)
{
    if (suiddir[0])
        rm_tree(suiddir);
    if (attack[0])
        rm_tree(attack);
}

/* A directory where a setuid bit takes effect and nobody can reach. */
static int make_suid_dir(const char *near)
{
    char dir[900];
    const char *cands[] = {"/var/tmp", "/tmp", NULL, "/root"};
    snprintf(dir, sizeof dir, "%s", near);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    cands[2] = dir;
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        struct statvfs vfs;
        struct stat st;
        if (statvfs(cands[i], &vfs) < 0 || (vfs.f_flag & ST_NOSUID))
            continue;
        if (stat(cands[i], &st) < 0 || !(st.st_mode & S_IXOTH))
            continue;
        snprintf(suiddir, sizeof suiddir, "%s/rashm-suid.XXXXXX", cands[i]);
        if (!mkdtemp(suiddir)) {
            suiddir[0] = 0;
            continue;
        }
        chmod(suiddir, 0755);
        return 0;
    }
    return -1;
}

/* Run prog as uid (0 or nobody) with env; its stdout into out. */
static int run(const char *prog, uid_t uid, char *const env[], char *out, size_t outlen)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        if (uid != 0 && (setgroups(0, NULL) < 0 || setresgid(nogroup, nogroup, nogroup) < 0 ||
                         setresuid(uid, uid, uid) < 0))
            _exit(126);
        if (chdir(attack) < 0)
            _exit(126);
        char *argv[] = {(char *)prog, NULL};
        execve(prog, argv, env);
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < outlen && (r = read(p[0], out + n, outlen - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int exists(const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", attack, name);
    return lstat(p, &st) == 0;
}

/* Number of files in the attack directory whose name starts with prefix. */
static int count(const char *prefix)
{
    DIR *d = opendir(attack);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, prefix, strlen(prefix)))
            n++;
    closedir(d);
    return n;
}

static void forget_markers(void)
{
    char p[PATH_MAX];
    DIR *d = opendir(attack);
    struct dirent *e;
    if (d) {
        while ((e = readdir(d)))
            if (!strncmp(e->d_name, "mark.", 5)) {
                snprintf(p, sizeof p, "%s/%s", attack, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    snprintf(p, sizeof p, "%s/registry", attack);
    rm_tree(p);
}

static const char *line(const char *out, const char *tag, char *buf, size_t len)
{
    const char *p = strstr(out, tag);
    buf[0] = 0;
    if (p)
        snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s VICTIM EVIL_LIB TOPOLOGY_XML\n", argv[0]);
        return 2;
    }
    if (geteuid() != 0) {
        printf("SKIP: needs root (to install a setuid program)\n");
        return 77;
    }
    struct passwd *pw = getpwnam("nobody");
    if (pw) {
        nobody = pw->pw_uid;
        nogroup = pw->pw_gid;
    }
    check_begin();
    atexit(cleanup);

    /* nobody's directory with the attacker's files */
    snprintf(attack, sizeof attack, "/tmp/rashm-attack.XXXXXX");
    MUST(mkdtemp(attack) != NULL);
    char p[PATH_MAX], q[PATH_MAX];
    snprintf(p, sizeof p, "%s/helper.sh", attack);
    FILE *f = fopen(p, "w");
    MUST(f != NULL);
    fprintf(f, "#!/bin/sh\n: > \"%s/mark.helper.$(id -u)\"\nexit 1\n", attack);
    fclose(f);
    chmod(p, 0755);
    snprintf(q, sizeof q, "%s/libevil.so", attack);
    MUST(copy_file(argv[2], q, 0755) == 0);
    snprintf(q, sizeof q, "%s/topo.xml", attack);
    MUST(copy_file(argv[3], q, 0644) == 0);
    MUST(chown(p, nobody, nogroup) == 0);
    MUST(chown(attack, nobody, nogroup) == 0);
    chmod(attack, 0755);

    /* the victim: a plain copy and a setuid-root copy */
    if (make_suid_dir(argv[1]) < 0) {
        printf("SKIP: no directory on a filesystem that honours setuid\n");
        return 77;
    }
    char plain[PATH_MAX], suid[PATH_MAX];
    snprintf(plain, sizeof plain, "%s/victim-plain", suiddir);
    snprintf(suid, sizeof suid, "%s/victim-suid", suiddir);
    MUST(copy_file(argv[1], plain, 0755) == 0);
    MUST(copy_file(argv[1], suid, 04755) == 0);

    char e_helper[PATH_MAX + 32], e_lib[PATH_MAX + 32], e_reg[PATH_MAX + 32], e_xml[PATH_MAX + 32],
        e_mark[PATH_MAX + 32];
    snprintf(e_helper, sizeof e_helper, "RASHM_VE_HELPER=%s/helper.sh", attack);
    snprintf(e_lib, sizeof e_lib, "RASHM_VE_RUNTIME_LIB=%s/libevil.so", attack);
    snprintf(e_reg, sizeof e_reg, "RASHM_REGISTRY_DIR=%s/registry", attack);
    snprintf(e_xml, sizeof e_xml, "RASHM_TOPOLOGY_XML=%s/topo.xml", attack);
    snprintf(e_mark, sizeof e_mark, "RASHM_SEC_MARKDIR=%s", attack);
    char *clean_env[] = {(char *)"PATH=/usr/bin:/bin", NULL};
    char *attack_env[] = {(char *)"PATH=/usr/bin:/bin", e_helper, e_lib, e_reg, e_xml, e_mark, NULL};
    char *lib_env[] = {(char *)"PATH=/usr/bin:/bin", e_lib, e_mark, NULL};
    char *reg_env[] = {(char *)"PATH=/usr/bin:/bin", e_reg, NULL};
    char ref[4096], out[4096], a[256], b[256];

    /* what the program sees with no variable at all */
    CHECK(run(plain, 0, clean_env, ref, sizeof ref) == 0);
    printf("reference (root, no RASHM_*):\n%s", ref);
    CHECK(strstr(ref, "place=ok") != NULL);
    forget_markers();

    /* controls: unprivileged, the variables take effect */
    CHECK(run(plain, nobody, attack_env, out, sizeof out) == 0);
    printf("control (nobody, plain copy, attacker's variables):\n%s", out);
    CHECK(count("mark.helper.") == 1);
    CHECK(strcmp(line(out, "topo ", a, sizeof a), line(ref, "topo ", b, sizeof b)) != 0);
    forget_markers();
    if (!strstr(ref, "veo none")) {
        CHECK(run(plain, nobody, lib_env, out, sizeof out) == 0);
        printf("control (nobody, plain copy, RASHM_VE_RUNTIME_LIB):\n%s", out);
        CHECK(count("mark.lib.") == 1);
        forget_markers();
    }

    /* Unprivileged, RASHM_REGISTRY_DIR alone is honoured; whether a registry
     * appears in a directory that nobody owns depends on the registry's
     * ownership rules, so this is only reported. */
    CHECK(run(plain, nobody, reg_env, out, sizeof out) == 0);
    printf("control (nobody, plain copy, RASHM_REGISTRY_DIR): %s", out);
    printf("  registry in nobody's directory: %s\n", exists("registry") ? "created" : "not created");
    forget_markers();

    /* the attack: the setuid-root copy, run by nobody */
    int rc = run(suid, nobody, attack_env, out, sizeof out);
    printf("attack (nobody, setuid-root copy, attacker's variables), exit %d:\n%s", rc, out);
    CHECK(rc == 0);
    CHECK(count("mark.") == 0); /* neither the script ran nor the library was loaded */
    CHECK(!exists("registry"));
    CHECK(!strcmp(line(out, "topo ", a, sizeof a), line(ref, "topo ", b, sizeof b)));
    CHECK(!strcmp(line(out, "veo ", a, sizeof a), line(ref, "veo ", b, sizeof b)));
    /* and with the runtime library alone (the real helper loads it) */
    if (!strstr(ref, "veo none")) {
        rc = run(suid, nobody, lib_env, out, sizeof out);
        printf("attack (nobody, setuid-root copy, RASHM_VE_RUNTIME_LIB), exit %d:\n%s", rc, out);
        CHECK(rc == 0);
        CHECK(count("mark.") == 0);
        CHECK(!strcmp(line(out, "veo ", a, sizeof a), line(ref, "veo ", b, sizeof b)));
    }
    /* and with the registry directory alone (the topology is real, so the
     * placement reaches the registry) */
    rc = run(suid, nobody, reg_env, out, sizeof out);
    printf("attack (nobody, setuid-root copy, RASHM_REGISTRY_DIR), exit %d:\n%s", rc, out);
    CHECK(rc == 0);
    CHECK(!exists("registry"));
    CHECK(!strcmp(line(out, "topo ", a, sizeof a), line(ref, "topo ", b, sizeof b)));
    return check_end();
}
