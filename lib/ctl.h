/* The control interface's names on the system bus, shared by the daemon and reclaimctl. */
#pragma once

#define CTL_BUS_NAME  "org.reclaimd1"
#define CTL_OBJECT    "/org/reclaimd1"
#define CTL_INTERFACE "org.reclaimd1.Manager"

/* Errors the daemon answers with, beside the standard ones (org.freedesktop.DBus.Error.*). */
#define CTL_ERROR_NO_SUCH_CGROUP "org.reclaimd1.NoSuchCgroup"
#define CTL_ERROR_RELOAD_FAILED  "org.reclaimd1.ReloadFailed"
