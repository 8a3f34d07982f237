/* Waits for one PSI trigger in the libev loop, through an epoll fd that asks for EPOLLPRI. */
#include "autoconfig.h"

#include <errno.h>
#include <sys/epoll.h>

#include "log.h"
#include "psi-watch.h"
#include "util.h"

/*
 * Why one epoll fd per trigger: libev's epoll backend only asks for
 * EPOLLIN/EPOLLOUT, and a PSI fd is always readable, so the trigger (POLLPRI)
 * is waited for by an inner epoll fd, which libev then watches for EPOLLIN.
 * But psi_trigger_poll() reports EPOLLPRI once (cmpxchg(&t->event, 1, 0)),
 * and the outer epoll_wait() already polls the inner fd's items
 * (__ep_eventpoll_poll()), consuming the event: the inner epoll_wait() may
 * then return nothing. With one trigger per epoll fd, the readiness of that
 * fd is itself the news of which trigger fired. A removed cgroup's trigger
 * reports EPOLLERR|EPOLLPRI on every poll, so that is never lost.
 */
static void on_ready(struct ev_loop *loop, ev_io *io, int revents)
{
        struct psi_watch *w = container_of(io, struct psi_watch, io);
        struct epoll_event ev = {};
        int n;

        n = epoll_wait(w->epoll_fd, &ev, 1, 0);
        if (n < 0 && errno != EINTR)
                log_debug("epoll_wait on PSI trigger failed: %m, ignoring");
        w->fired(w, n > 0 && (ev.events & (EPOLLERR | EPOLLHUP)));
}

int psi_watch_start(struct psi_watch *w, struct ev_loop *loop, int trigger_fd, psi_watch_cb fired)
{
        struct epoll_event ev = { .events = EPOLLPRI };

        w->trigger_fd = trigger_fd;
        w->fired = fired;
        w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (w->epoll_fd < 0 || epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, trigger_fd, &ev) < 0) {
                int r = negative_errno();

                w->epoll_fd = safe_close(w->epoll_fd);
                w->trigger_fd = safe_close(w->trigger_fd);
                return r;
        }
        ev_io_init(&w->io, on_ready, w->epoll_fd, EV_READ);
        ev_io_start(loop, &w->io);
        return 0;
}

void psi_watch_move(struct psi_watch *to, struct psi_watch *from, struct ev_loop *loop)
{
        ev_io_stop(loop, &from->io);
        to->epoll_fd = from->epoll_fd;
        to->trigger_fd = from->trigger_fd;
        to->fired = from->fired;
        ev_io_init(&to->io, on_ready, to->epoll_fd, EV_READ);
        ev_io_start(loop, &to->io);
        psi_watch_init(from);
}

void psi_watch_stop(struct psi_watch *w, struct ev_loop *loop)
{
        if (w->epoll_fd >= 0)
                ev_io_stop(loop, &w->io);
        w->epoll_fd = safe_close(w->epoll_fd);
        w->trigger_fd = safe_close(w->trigger_fd);
}
