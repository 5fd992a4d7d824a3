/*
 * Sessions, the process side (session.c): setsid(2), and the controlling
 * terminal each process holds, for the terminal layer's job control.
 */
#pragma once

struct proc;

/* Registers the process layer's answers with the terminals (tty.h). */
void session_init(void);
/* setsid(2): the caller leads a new session and process group, with no
 * controlling terminal; its id, or -EPERM if it leads a process group. */
int session_setsid(void);
/* p, whose last thread has gone, may lead a session: then its
 * controlling terminal is released (tty_session_leader_exit). */
void session_exit(struct proc *p);
