/* reap: runs one command as a child subreaper and reports the CPU seconds
 * of every process it started, the ones it waited for and the ones it did
 * not (servers killed with -9, their workers, daemons that outlived their
 * script): orphans of the command's tree are reparented to this process
 * (PR_SET_CHILD_SUBREAPER), which reaps them, so their times reach its
 * RUSAGE_CHILDREN. A shell's `times` counts only what the shell waited for.
 *
 *   reap [-g GRACE] [-o FILE] CMD [ARG...]
 *
 * When CMD has ended, processes of its tree still running get GRACE
 * seconds (default 20) to end, then SIGKILL; their count is reported as
 * `left`. Writes one line "rc=N cpu=U+S own=O wall=W left=L" to FILE
 * (default stderr) and exits with CMD's status; `own` is what a shell
 * waiting for CMD counts (CMD and the descendants it waited for). Linux only; a bench tool, not part
 * of the product. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_secs(struct timeval tv)
{
    return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Sends SIGKILL to every process whose parent is this one; returns how many. */
static int kill_children(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    pid_t self = getpid();

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[64], line[256];
        FILE *f;
        long pid = strtol(e->d_name, NULL, 10);

        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/status", pid);
        f = fopen(path, "r");
        if (f == NULL)
            continue;
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "PPid:", 5) == 0) {
                if (strtol(line + 5, NULL, 10) == self && kill((pid_t)pid, SIGKILL) == 0)
                    n++;
                break;
            }
        }
        fclose(f);
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    double grace = 20, start, main_end = 0;
    const char *out = NULL;
    int opt, status = 0, rc = -1, left = 0;
    pid_t child;
    struct rusage ru, own = {0};
    FILE *f;

    while ((opt = getopt(argc, argv, "+g:o:")) != -1) {
        if (opt == 'g')
            grace = atof(optarg);
        else if (opt == 'o')
            out = optarg;
        else
            return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: reap [-g GRACE] [-o FILE] CMD [ARG...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        perror("reap: PR_SET_CHILD_SUBREAPER");
        return 2;
    }
    start = now_secs();
    child = fork();
    if (child < 0) {
        perror("reap: fork");
        return 2;
    }
    if (child == 0) {
        execvp(argv[optind], argv + optind);
        perror("reap: exec");
        _exit(127);
    }
    for (;;) {
        struct rusage one;
        pid_t p = wait4(-1, &status, rc < 0 ? 0 : WNOHANG, &one);

        if (p < 0 && errno == EINTR)
            continue;
        if (p < 0)
            break; /* ECHILD: the whole tree has been reaped */
        if (p == child) {
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            own = one; /* what a shell waiting for CMD would count */
            main_end = now_secs();
            continue;
        }
        if (p == 0) { /* the command has ended, others still run */
            /* every poll: a killed process's children come to us next */
            if (now_secs() - main_end > grace)
                left += kill_children();
            usleep(50000);
        }
    }
    getrusage(RUSAGE_CHILDREN, &ru);
    f = out != NULL ? fopen(out, "a") : stderr;
    if (f == NULL)
        f = stderr;
    fprintf(f, "rc=%d cpu=%.2f+%.2f own=%.2f wall=%.1f left=%d\n", rc, tv_secs(ru.ru_utime),
            tv_secs(ru.ru_stime), tv_secs(own.ru_utime) + tv_secs(own.ru_stime),
            now_secs() - start, left);
    if (f != stderr)
        fclose(f);
    return rc < 0 ? 2 : rc;
}
