/*
 * Processes of the machine by name: an agent leaves its host's channel to
 * the host's own tools while they run (vmtoolsd, hv_kvp_daemon).
 */
#ifndef PVBUSD_PROC_H
#define PVBUSD_PROC_H

#include <sys/types.h>

/*
 * The pid of a process whose command name (comm, proc(5): at most 15
 * bytes, the executable's base name) is NAME, or 0 when there is none.
 */
pid_t	proc_find(const char *name);

/*
 * In a child about to exec a program: every signal's disposition back to
 * the default and none blocked, as the program would have them from a
 * shell rather than what pvbusd set for itself.
 */
void	proc_child_signals(void);

#endif /* PVBUSD_PROC_H */
