/* RFC 4122 UUIDs for pods (docs/conformance.md: TYPE-11, ACE-1). */
#include "appc/types.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "appc/types-internal.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Dash positions of the canonical 8-4-4-4-12 form. */
static bool is_dash_position(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

int rkt_uuid_parse(const char *s, uint8_t ret[16], const char *field, struct rkt_error *err)
{
	uint8_t u[16] = { 0 };
	size_t len = s ? strlen(s) : 0;
	bool dashed = len == 36;
	size_t n = 0;

	if (len != 32 && len != 36)
		return rkt_field_value_error(err, field, s,
		                             "is not a UUID: expected 32 hex digits, with or "
		                             "without dashes");
	for (size_t i = 0; i < len; i++) {
		int v;

		if (dashed && is_dash_position(i)) {
			if (s[i] != '-')
				return rkt_field_value_error(err, field, s,
				                             "is not a UUID: dashes must be at "
				                             "8-4-4-4-12");
			continue;
		}
		v = hex_value(s[i]);
		if (v < 0)
			return rkt_field_value_error(
			        err, field, s, "is not a UUID: '%c' is not a hex digit", s[i]);
		u[n / 2] = (uint8_t)(u[n / 2] << 4 | v);
		n++;
	}
	/* TYPE-11: the all-zero UUID stands for "no UUID" in the Go schema. */
	static const uint8_t zero[16];
	if (memcmp(u, zero, sizeof(u)) == 0)
		return rkt_field_value_error(err, field, s, "is not a UUID: the nil UUID");
	memcpy(ret, u, sizeof(u));
	return 0;
}

void rkt_uuid_format(const uint8_t uuid[16], char out[37])
{
	size_t n = 0;

	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		(void)snprintf(out + n, 3, "%02x", uuid[i]);
		n += 2;
	}
	out[n] = '\0';
}

int rkt_uuid_generate(uint8_t ret[16], struct rkt_error *err)
{
	uint8_t u[16];
	size_t got = 0;

	while (got < sizeof(u)) {
		ssize_t r = getrandom(u + got, sizeof(u) - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return rkt_error_set(err, errno, "generate UUID: getrandom");
		}
		got += (size_t)r;
	}
	/* RFC 4122 section 4.4: version 4, variant 10x. */
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	memcpy(ret, u, sizeof(u));
	return 0;
}
