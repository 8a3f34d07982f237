/* The daemon object: its configuration, backend, engine and event-loop watchers. */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "psi-watch.h"

struct backend;
struct config;

struct daemon {
        struct ev_loop *loop;
        ev_signal sigterm;
        ev_signal sigint;
        struct psi_watch system_psi;   /* the [pressure] trigger on /proc/pressure/memory */
        struct config *cfg;            /* owned */
        struct backend *be;            /* owned */
        struct engine engine;
        bool dry_run;
        unsigned rounds;
        uint64_t reclaimed_total_bytes;
};

/*
 * Takes ownership of cfg and be. Sets up the engine and the signal watchers;
 * arms nothing yet. Returns 0 or negative errno (logged).
 */
int daemon_init(struct daemon *d, struct config *cfg, struct backend *be, bool dry_run);

/* Arms the PSI trigger, tells systemd it is ready, and runs until SIGTERM/SIGINT. */
int daemon_run(struct daemon *d);

void daemon_done(struct daemon *d);
