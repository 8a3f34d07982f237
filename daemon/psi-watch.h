/* Waits for one PSI trigger in the libev loop, through an epoll fd that asks for EPOLLPRI. */
#pragma once

#include <ev.h>
#include <stdbool.h>

struct psi_watch;
typedef void (*psi_watch_cb)(struct psi_watch *w, bool gone);

struct psi_watch {
        ev_io io;            /* on epoll_fd: readable when the trigger fired */
        int epoll_fd;        /* holds trigger_fd with EPOLLPRI; -1 when stopped */
        int trigger_fd;      /* the armed pressure file; owned */
        psi_watch_cb fired;  /* gone: the cgroup was removed (EPOLLERR) */
};

/* Takes ownership of trigger_fd and starts watching it. Returns 0 or negative errno. */
int psi_watch_start(struct psi_watch *w, struct ev_loop *loop, int trigger_fd, psi_watch_cb fired);

/* Moves a started watch (its descriptors) into to, which then watches in its place. */
void psi_watch_move(struct psi_watch *to, struct psi_watch *from, struct ev_loop *loop);

/* Stops watching and closes both descriptors. Safe on a stopped watch. */
void psi_watch_stop(struct psi_watch *w, struct ev_loop *loop);

static inline void psi_watch_init(struct psi_watch *w)
{
        w->epoll_fd = w->trigger_fd = -1;
}
