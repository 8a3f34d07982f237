/* Tells systemd where the daemon is: ready, stopping, and a one-line status. */
#include "autoconfig.h"

#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"
#include "notify.h"

/*
 * Sends state (e.g. READY=1) and, when given, STATUS=status: an empty STATUS=
 * would clear what systemctl status shows. Without $NOTIFY_SOCKET
 * sd_notify() returns 0: running outside systemd is fine.
 */
static void notify_state(const char *state, const char *status)
{
        int r = sd_notifyf(0, "%s%s%s%s", state ?: "", state && status ? "\n" : "",
                           status ? "STATUS=" : "", status ?: "");

        if (r < 0)
                log_debug_errno(r, "sd_notify failed: %m, ignoring");
}

void notify_ready(const char *status)
{
        notify_state("READY=1", status);
}

void notify_stopping(void)
{
        notify_state("STOPPING=1", "Stopping");
}

void notify_status(const char *status)
{
        notify_state(NULL, status);
}

void notify_reloading(void)
{
        struct timespec ts;
        char buf[64];

        clock_gettime(CLOCK_MONOTONIC, &ts);
        snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
                 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
        notify_state(buf, "Reloading the configuration");
}

void notify_watchdog(void)
{
        int r = sd_notify(0, "WATCHDOG=1");

        if (r < 0)
                log_debug_errno(r, "sd_notify(WATCHDOG=1) failed: %m, ignoring");
}
