/* The control interface on the system bus (sd-bus), answered from the loop's snapshot. */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

struct daemon;

struct bus {
        sd_bus *bus;                   /* NULL: the control interface is off */
        ev_io io;
        ev_timer timer;
        ev_prepare prepare;            /* before each loop iteration: what sd-bus waits for */
        ev_timer retry;                /* after a start that failed for a passing cause (out of
                                        * descriptors, the bus restarting) or the bus lost */
        bool retrying;                 /* said once; the retries themselves only at debug */
        bool naming;                   /* a retry's connection, its name asked for (on_name()) */
        int name_err;                  /* the name refused to a retry: the bus is closed and tried again */
        double retry_sec;              /* between tries: 0 means BUS_RETRY_SEC (tests shorten it) */
};

/*
 * Connects to the system bus and takes CTL_BUS_NAME. Without a bus (a
 * container, the plain VM tests) or without the right to the name (no bus
 * policy installed), says once that the control interface is off and
 * returns: reclaimd runs as before. A failure that passes (no descriptor
 * left, the bus refusing while it restarts), or a bus lost later, is said
 * once and tried again every BUS_RETRY_SEC until it works.
 */
void bus_start(struct daemon *d);
void bus_stop(struct daemon *d);

/*
 * The methods' answers, without the bus (the tests call them too). Each
 * returns 0 with *ret (to free), or -errno with *ret_error naming the
 * D-Bus error and *ret a message.
 */
int bus_answer_status(struct daemon *d, bool json, char **ret);
int bus_answer_explain(struct daemon *d, const char *path, char **ret, const char **ret_error);
/* The same for a name given as bytes (ExplainBytes: one that is not UTF-8), read as it is. */
int bus_answer_explain_bytes(struct daemon *d, const void *bytes, size_t size, char **ret, const char **ret_error);
int bus_answer_reload(struct daemon *d, char **ret, const char **ret_error);
