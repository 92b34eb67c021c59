/* What the native host's files share: the thread's wake pipe, and which
 * descriptors are the host's own sockets (their epoll interest may outlive
 * one wait, since the host sees them closed). */
#ifndef WA_NATIVE_H
#define WA_NATIVE_H

/* The read end of this thread's wake pipe, or -1 when it could not be made. */
int wa__native_waker_fd(void);

/* Drains the wake pipe: the loop reads what the wakes announced. */
void wa__native_waker_drain(void);

/* The TCP code made fd (owned nonzero) or is about to close it (zero). */
void wa__native_fd_owned(int fd, int owned);

#endif
