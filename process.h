/* process.h: the settings of one process of the container (process.c),
 * for the init and for exec'd processes. proc is the verified procfs
 * handle (safepath.h). Each returns -1 with *e filled on failure. */
#ifndef HUSK_PROCESS_H
#define HUSK_PROCESS_H

#include "husk.h"

int process_rlimits(const struct process *p, struct husk_err *e);
int process_oom_score_adj(int proc, const struct process *p, struct husk_err *e);
/* The kernel's highest capability (never below the one husk was built with). */
int process_cap_last(int proc);
/* Groups, ids, then the capability sets (last: process_cap_last), umask. */
int process_user(const struct process *p, int last, struct husk_err *e);
int process_io_priority(const struct process *p, struct husk_err *e);
int process_scheduler(const struct scheduler *sc, struct husk_err *e);
int process_mem_policy(const struct mem_policy *m, struct husk_err *e);
/* sched_setaffinity; -1 with errno. */
int process_affinity(pid_t pid, const struct bitset *cpus);
int process_apparmor(int proc, const char *profile, struct husk_err *e);
/* chdir, refused when the result is outside the root (CVE-2024-21626). */
int process_enter_cwd(const char *cwd, bool again, struct husk_err *e);
/* args[0] through the process's PATH, checked executable, into out. */
int process_find_program(const struct process *p, char *out, size_t len, struct husk_err *e);
/* A pty from the container's devpts: the master to sock, the peer as stdio.
 * rootfd >= 0: the init, before pivot_root, which also binds the peer on
 * /dev/console; -1: an exec'd process, inside the container. */
int process_console(const struct process *p, int sock, int rootfd, struct husk_err *e);
/* Only 0, 1, 2 and fds 3 .. 3+nfds-1 survive the exec. */
int process_seal_fds(int proc, int nfds, struct husk_err *e);
/* env plus LISTEN_FDS/LISTEN_PID when listen_fds > 0 (malloc'd array). */
char **process_env(const struct strv *env, int listen_fds);

#endif
