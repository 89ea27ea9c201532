#include "util/escape.h"

#include <stdint.h>
#include <string.h>

#include "util/xalloc.h"

/* The length of the valid UTF-8 sequence at S that is not a C1 control, or 0. */
static size_t utf8_printable_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

size_t rkt_escape_ctl_buf(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0, done = 0; /* done: what fitted in BUF */

	while (*p) {
		char esc[5];
		const char *piece;
		size_t n = utf8_printable_len(p), len;

		if (n) {
			piece = (const char *)p;
			len = n;
		} else {
			static const char hex[] = "0123456789abcdef";

			n = 1;
			piece = esc;
			len = 2;
			esc[0] = '\\';
			if (*p == '\t')
				esc[1] = 't';
			else if (*p == '\n')
				esc[1] = 'n';
			else if (*p == '\r')
				esc[1] = 'r';
			else {
				esc[1] = 'x';
				esc[2] = hex[*p >> 4];
				esc[3] = hex[*p & 0xf];
				len = 4;
			}
		}
		if (done == out && size && out + len < size) {
			memcpy(buf + out, piece, len);
			done = out + len;
		}
		out += len;
		p += n;
	}
	if (size)
		buf[done] = '\0';
	return out;
}

char *rkt_escape_ctl(const char *s)
{
	size_t n = rkt_escape_ctl_buf(NULL, 0, s);
	char *buf = xmalloc(n + 1);

	(void)rkt_escape_ctl_buf(buf, n + 1, s);
	return buf;
}
