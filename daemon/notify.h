/* Tells systemd where the daemon is: ready, stopping, and a one-line status. */
#pragma once

void notify_ready(const char *status);
void notify_stopping(void);
void notify_status(const char *status);

/* RELOADING=1 with MONOTONIC_USEC=, as Type=notify-reload expects. */
void notify_reloading(void);
void notify_watchdog(void);
