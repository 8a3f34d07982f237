/* Arms the PSI triggers of the system and of the cgroups that have one, and keeps them armed. */
#pragma once

#include <stddef.h>

struct daemon;
struct scope;

/* The system scope, then one per managed cgroup whose section has a trigger. Returns 0 or -ENOMEM. */
int scopes_setup(struct daemon *d);

/* Stops every trigger and frees the scopes. */
void scopes_stop(struct daemon *d);

/*
 * Hands the armed triggers of old over to the scopes of d that watch the same
 * place with the same trigger, stops the others, and frees old.
 */
void scopes_takeover(struct daemon *d, struct scope *old, size_t n_old);

/* Arms one scope's trigger. Returns 0, -ENOENT/-EAGAIN (its cgroup is not there yet), or -errno. */
int scope_arm(struct daemon *d, struct scope *s);

/* What to add to a refusal's message: why the kernel may refuse err, or "". */
const char *scope_arm_hint(int err);

/* Arms the triggers not armed yet, saying each refusal once. */
void scopes_arm(struct daemon *d);
