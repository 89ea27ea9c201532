/* Text for a terminal: what an image, a key or a command line supplies must not reach a terminal
 * as control sequences (a label value with ESC could set the title, a newline could forge a row). */
#pragma once

#include <stddef.h>

/* Writes S to BUF (SIZE bytes, NUL included; truncated to fit, never inside an escape) with every
 * control character escaped: C0 controls and DEL as \t, \n, \r or \xNN, C1 controls (U+0080 to
 * U+009F) and bytes that are not part of valid UTF-8 as \xNN per byte. Printable ASCII and valid
 * UTF-8 outside C1 are copied as they are. Returns the length of the whole escaped text (as
 * snprintf does), so a return value >= SIZE means BUF was truncated. */
size_t rkt_escape_ctl_buf(char *buf, size_t size, const char *s);

/* As rkt_escape_ctl_buf(), into a new string (free() it). */
char *rkt_escape_ctl(const char *s);
