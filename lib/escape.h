/* Escapes hostile text (cgroup names) for each place it is printed: terminals, JSON, Prometheus labels. */
#pragma once

#include <stdio.h>

/*
 * Writes s for a person's terminal: printable ASCII and UTF-8 as is;
 * backslash, double quote and every control character (newlines, escapes)
 * as C escapes (\\, \", \n, \x1b), as systemd's cescape() does.
 */
void escape_text(FILE *f, const char *s);

/*
 * Writes s as a JSON string, quotes included (RFC 8259: ", \ and controls
 * escaped). A byte that is not UTF-8 goes as the lone surrogate \udcXX, as
 * Python's surrogateescape (PEP 383) reads it: no UTF-8 text holds one, so
 * it is no other name's character (\u00XX would be U+00XX), and
 * .encode("utf-8", "surrogateescape") gives the bytes back. Readers without
 * that handler may read U+FFFD, or refuse the string.
 */
void escape_json(FILE *f, const char *s);

/*
 * Writes s as a Prometheus label value, quotes not included: the text
 * format escapes only backslash, double quote and newline; other control
 * characters are not forbidden but break readers, so they go as \x1b-style
 * text (backslash escaped, so the value still parses).
 */
void escape_prom(FILE *f, const char *s);

/* What escape_fn (escape_text(), escape_prom()) writes of s, as a string to free; NULL when out of memory. */
char *escape_string(void (*escape_fn)(FILE *f, const char *s), const char *s);

/*
 * Undoes escape_text(): the name as status printed it, back to its bytes,
 * so that an operator can name a cgroup whose name is not UTF-8 (which D-Bus
 * strings cannot carry). Returns 0 with *ret (to free), -EINVAL for an
 * escape escape_text() never writes, or -ENOMEM.
 */
int unescape_text(const char *s, char **ret);
