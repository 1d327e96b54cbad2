/*
 * seccomp-late.so: lets a test refuse system calls to a Node.js process after it has
 * started (Node itself needs getrandom and madvise to start), on the real kernel.
 *
 * Preload it with LD_PRELOAD and name the rules in SECCOMP_LATE_RULES; the filter is
 * built at load time and installed, on every thread (SECCOMP_FILTER_FLAG_TSYNC), when the
 * process receives SIGUSR2. /proc/self/status then shows "Seccomp: 2".
 *
 * A rule is NAME=ERRNO, ERRNO one of EPERM, ENOSYS, EACCES, ENOMEM, ESRCH, EINVAL, and NAME one of
 *   getrandom        every getrandom(2) call
 *   tgkill           every tgkill(2) call (ESRCH forges "no such thread", even for the caller)
 *   droppable-mmap   mmap(2) whose flags select MAP_DROPPABLE (type field 0x08)
 *   madvise          madvise(2) with any advice but MADV_DONTNEED, MADV_FREE, MADV_HUGEPAGE and
 *                    MADV_NOHUGEPAGE (V8 and the C allocator need those four to run at all)
 *   prctl            every prctl(2) call
 * x86_64 and aarch64 only; elsewhere the library does nothing.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define OUR_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define OUR_ARCH AUDIT_ARCH_AARCH64
#endif

#define MAX_FILTER 64

static struct sock_filter program[MAX_FILTER];
static unsigned short length;
static int broken;

static void emit(struct sock_filter instruction) {
    if (length == MAX_FILTER) broken = 1;
    else program[length++] = instruction;
}

static int errno_named(const char *name) {
    if (strcmp(name, "EPERM") == 0) return EPERM;
    if (strcmp(name, "ENOSYS") == 0) return ENOSYS;
    if (strcmp(name, "EACCES") == 0) return EACCES;
    if (strcmp(name, "ENOMEM") == 0) return ENOMEM;
    if (strcmp(name, "ESRCH") == 0) return ESRCH;
    if (strcmp(name, "EINVAL") == 0) return EINVAL;
    broken = 1;
    return EPERM;
}

/* Refuse syscall `number` with `error`; the accumulator holds the syscall number. */
static void refuse(long number, int error) {
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)number, 0, 1));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (error & SECCOMP_RET_DATA)));
}

static void install(int signal_number) {
    (void)signal_number;
    struct sock_fprog filter = {.len = length, .filter = program};
    /* Both are plain system calls, safe in a signal handler. */
    syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &filter);
}

__attribute__((constructor)) static void prepare(void) {
#ifdef OUR_ARCH
    const char *rules = getenv("SECCOMP_LATE_RULES");
    if (rules == NULL || rules[0] == '\0') return;
    int droppable_error = 0;
    int madvise_error = 0;
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, OUR_ARCH, 1, 0));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
    char *copy = strdup(rules);
    for (char *rule = strtok(copy, ","); rule != NULL; rule = strtok(NULL, ",")) {
        char *equals = strchr(rule, '=');
        if (equals == NULL) {
            broken = 1;
            continue;
        }
        *equals = '\0';
        int error = errno_named(equals + 1);
        if (strcmp(rule, "getrandom") == 0) refuse(SYS_getrandom, error);
        else if (strcmp(rule, "madvise") == 0) madvise_error = error;
        else if (strcmp(rule, "prctl") == 0) refuse(SYS_prctl, error);
        else if (strcmp(rule, "tgkill") == 0) refuse(SYS_tgkill, error);
        else if (strcmp(rule, "droppable-mmap") == 0) droppable_error = error;
        else broken = 1;
    }
    free(copy);
    if (madvise_error != 0) {
        /* Every path after the load of args[2] returns, so the rules after this one still see the number. */
        emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_madvise, 0, 7));
        emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])));
        emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 4, 0));  /* MADV_DONTNEED */
        emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 8, 3, 0));  /* MADV_FREE */
        emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 14, 2, 0)); /* MADV_HUGEPAGE */
        emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 15, 1, 0)); /* MADV_NOHUGEPAGE */
        emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (madvise_error & SECCOMP_RET_DATA)));
        emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    }
    if (droppable_error != 0) {
        /* Last: it replaces the syscall number in the accumulator with the flags. */
        emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 4));
        /* The low 32 bits of the fourth argument (little-endian): the map type field. */
        emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[3])));
        emit((struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x0f));
        emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x08, 0, 1));
        emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (droppable_error & SECCOMP_RET_DATA)));
    }
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    if (broken) {
        fprintf(stderr, "seccomp-late: bad SECCOMP_LATE_RULES '%s'\n", rules);
        return;
    }
    signal(SIGUSR2, install);
#endif
}
