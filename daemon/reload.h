/* Reloads the configuration, and rebuilds the engine when the configuration's globs match other cgroups. */
#pragma once

struct daemon;

/* Rebuilds the engine when the configuration's globs match other cgroups now (worker idle). */
void reload_follow_globs(struct daemon *d);
