/* appc value types (docs/conformance.md: TYPE-1..12, MAN-7, MAN-19): AC identifiers and names,
 * SemVer, image IDs, timestamps, URLs, environment names, os/arch labels. Quantities are in
 * quantity.c, UUIDs in uuid.c. */
#include "appc/types.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "appc/types-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* Long values are cut in messages: the message buffer is 1 KiB and holds the field path too. */
#define QUOTE_MAX 160

/* Writes VALUE between double quotes into OUT, escaping what would garble a terminal or a log
 * line. Bytes >= 0x80 are kept: manifests are valid UTF-8 (GEN-1), so they print as text. */
static void quote_value(const char *value, char *out, size_t size)
{
	size_t n = 0;

	if (!value)
		value = "";
	out[n++] = '"';
	for (const char *p = value; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[5];

		if (p - value >= QUOTE_MAX) {
			memcpy(esc, "...", 4);
		} else if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			esc[2] = '\0';
		} else if (c < 0x20 || c == 0x7f) {
			(void)snprintf(esc, sizeof(esc), "\\x%02x", c);
		} else {
			esc[0] = (char)c;
			esc[1] = '\0';
		}
		size_t len = strlen(esc);
		if (n + len + 2 > size)
			break;
		memcpy(out + n, esc, len);
		n += len;
		if (p - value >= QUOTE_MAX)
			break;
	}
	out[n++] = '"';
	out[n] = '\0';
}

static int field_vmessage(struct rkt_error *err, const char *field, const char *quoted,
                          const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static int field_vmessage(struct rkt_error *err, const char *field, const char *quoted,
                          const char *fmt, va_list ap)
{
	char rest[sizeof(err->msg)];

	(void)vsnprintf(rest, sizeof(rest), fmt, ap);
	if (field && *field)
		return rkt_error_set(err, EINVAL, "%s: %s%s%s", field, quoted, *quoted ? " " : "",
		                     rest);
	return rkt_error_set(err, EINVAL, "%s%s%s", quoted, *quoted ? " " : "", rest);
}

int rkt_field_value_error(struct rkt_error *err, const char *field, const char *value,
                          const char *fmt, ...)
{
	char quoted[QUOTE_MAX * 4 + 8];
	va_list ap;
	int r;

	quote_value(value, quoted, sizeof(quoted));
	va_start(ap, fmt);
	r = field_vmessage(err, field, quoted, fmt, ap);
	va_end(ap);
	return r;
}

int rkt_field_error(struct rkt_error *err, const char *field, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = field_vmessage(err, field, "", fmt, ap);
	va_end(ap);
	return r;
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "'x'" for a printable character, "byte 0xNN" otherwise. */
static const char *describe_char(char c, char buf[16])
{
	unsigned char u = (unsigned char)c;

	if (u > 0x20 && u < 0x7f)
		(void)snprintf(buf, 16, "'%c'", c);
	else if (u == ' ')
		(void)snprintf(buf, 16, "space");
	else
		(void)snprintf(buf, 16, "byte 0x%02x", u);
	return buf;
}

/* The grammar shared by AC identifiers and AC names: lower-case alphanumeric runs joined by
 * single separators from SEPS (types.md). Returns NULL if S matches, else why not. */
static const char *ac_string_problem(const char *s, const char *seps, char *buf, size_t size)
{
	char cbuf[16];
	size_t len;

	if (!s || !*s)
		return "must not be empty";
	for (size_t i = 0; s[i]; i++) {
		if (is_lower_alnum(s[i]) || strchr(seps, s[i]))
			continue;
		(void)snprintf(buf, size, "%s%s at position %zu is not allowed (only a-z 0-9 %s)",
		               s[i] >= 'A' && s[i] <= 'Z' ? "upper-case " : "",
		               describe_char(s[i], cbuf), i + 1, seps);
		return buf;
	}
	len = strlen(s);
	if (!is_lower_alnum(s[0]))
		return "must start with a lower-case letter or a digit";
	if (!is_lower_alnum(s[len - 1]))
		return "must end with a lower-case letter or a digit";
	for (size_t i = 1; i < len; i++) {
		if (is_lower_alnum(s[i]) || is_lower_alnum(s[i - 1]))
			continue;
		/* types.md's own examples ("example.com/~user/app_v1") contradict its regex:
		 * keep the "/~user" path convention they show. */
		if (s[i - 1] == '/' && s[i] == '~')
			continue;
		/* TYPE-2: actool only checks characters and edges; we follow the regex, and say
		 * so plainly, since actool users will not expect it. */
		(void)snprintf(
		        buf, size,
		        "consecutive separators \"%c%c\" at position %zu (the spec's grammar "
		        "forbids them, although actool accepts them)",
		        s[i - 1], s[i], i);
		return buf;
	}
	return NULL;
}

#define AC_IDENTIFIER_SEPS "-._~/"
#define AC_NAME_SEPS       "-"

static int ac_string_check(const char *s, const char *seps, const char *what, const char *field,
                           struct rkt_error *err)
{
	char buf[160];
	const char *why = ac_string_problem(s, seps, buf, sizeof(buf));

	if (why)
		return rkt_field_value_error(err, field, s, "is not %s: %s", what, why);
	return 0;
}

int rkt_ac_identifier_check(const char *s, const char *field, struct rkt_error *err)
{
	return ac_string_check(s, AC_IDENTIFIER_SEPS, "an AC identifier", field, err);
}

bool rkt_ac_identifier_is_valid(const char *s)
{
	return ac_string_check(s, AC_IDENTIFIER_SEPS, "an AC identifier", NULL, NULL) == 0;
}

int rkt_ac_name_check(const char *s, const char *field, struct rkt_error *err)
{
	return ac_string_check(s, AC_NAME_SEPS, "an AC name", field, err);
}

bool rkt_ac_name_is_valid(const char *s)
{
	return ac_string_check(s, AC_NAME_SEPS, "an AC name", NULL, NULL) == 0;
}

char *rkt_ac_name_sanitize(const char *s)
{
	_cleanup_free_ char *out = NULL;
	const char *start, *end;
	size_t n = 0;

	if (!s)
		return NULL;
	/* Like path.Base(): ignore trailing slashes, then keep the last component. */
	end = s + strlen(s);
	while (end > s && end[-1] == '/')
		end--;
	start = end;
	while (start > s && start[-1] != '/')
		start--;

	out = xmalloc((size_t)(end - start) + 1);
	for (const char *p = start; p < end; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!is_lower_alnum(c))
			c = '-';
		/* One '-' per run, so that the result passes the strict TYPE-3 grammar. */
		if (c == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	if (n == 0)
		return NULL;
	out[n] = '\0';
	return TAKE_PTR(out);
}

/* SemVer 2.0.0 numeric part: "0" or no leading zero; fits uint64. Advances *P. */
static const char *parse_semver_number(const char **p, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!is_digit(*s))
		return "expected MAJOR.MINOR.PATCH";
	if (s[0] == '0' && is_digit(s[1]))
		return "numbers must not have leading zeros";
	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return "number too large";
		v = v * 10 + d;
	}
	*p = s;
	*ret = v;
	return NULL;
}

/* Dot-separated non-empty [0-9A-Za-z-]+ identifiers; numeric ones in a pre-release must not
 * have leading zeros (SemVer 2.0.0 items 9 and 10). Returns the length used, or 0. */
static size_t semver_identifiers_len(const char *s, bool prerelease)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;
		bool numeric = true;

		while (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '-') {
			numeric = numeric && is_digit(s[i]);
			i++;
		}
		if (i == start)
			return 0;
		if (prerelease && numeric && s[start] == '0' && i - start > 1)
			return 0;
		if (s[i] != '.')
			return i;
		i++;
	}
}

static const char *semver_problem(const char *s, struct rkt_semver *v, size_t *pre_len,
                                  size_t *build_len)
{
	uint64_t *parts[] = { &v->major, &v->minor, &v->patch };
	const char *p = s;
	const char *why;

	if ((s[0] == 'v' || s[0] == 'V') && is_digit(s[1]))
		return "a 'v' prefix is not allowed";
	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		if (i > 0 && *p++ != '.')
			return "expected MAJOR.MINOR.PATCH";
		why = parse_semver_number(&p, parts[i]);
		if (why)
			return why;
	}
	*pre_len = *build_len = 0;
	if (*p == '-') {
		*pre_len = semver_identifiers_len(++p, true);
		if (*pre_len == 0)
			return "bad pre-release identifier";
		p += *pre_len;
	}
	if (*p == '+') {
		*build_len = semver_identifiers_len(++p, false);
		if (*build_len == 0)
			return "bad build metadata";
		p += *build_len;
	}
	if (*p)
		return "unexpected characters after the version";
	if (v->major == 0 && v->minor == 0 && v->patch == 0 && *pre_len == 0 && *build_len == 0)
		return "0.0.0 is not allowed";
	return NULL;
}

int rkt_semver_parse(const char *s, struct rkt_semver *ret, const char *field,
                     struct rkt_error *err)
{
	struct rkt_semver v = { 0 };
	size_t pre_len, build_len;
	const char *why;

	if (!s)
		s = "";
	why = semver_problem(s, &v, &pre_len, &build_len);
	if (why)
		return rkt_field_value_error(err, field, s, "is not a SemVer version: %s", why);
	if (pre_len > 0)
		v.prerelease = xstrndup(strchr(s, '-') + 1, pre_len);
	if (build_len > 0)
		v.build = xstrndup(strchr(s, '+') + 1, build_len);
	*ret = v;
	return 0;
}

void rkt_semver_release(struct rkt_semver *v)
{
	if (!v)
		return;
	free(v->prerelease);
	free(v->build);
	*v = (struct rkt_semver){ 0 };
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* SemVer 2.0.0 item 11: identifiers compared one by one, numeric ones by value (no leading
 * zeros, so by length first) and below alphanumeric ones; more identifiers rank higher. */
static int prerelease_compare(const char *a, const char *b)
{
	for (;;) {
		size_t la = strcspn(a, "."), lb = strcspn(b, ".");
		bool na = all_digits(a, la), nb = all_digits(b, lb);
		int c;

		if (na && nb)
			c = la != lb ? cmp_u64(la, lb) : memcmp(a, b, la);
		else if (na != nb)
			c = na ? -1 : 1;
		else {
			c = memcmp(a, b, la < lb ? la : lb);
			if (c == 0)
				c = cmp_u64(la, lb);
		}
		if (c != 0)
			return c < 0 ? -1 : 1;
		a += la;
		b += lb;
		if (!*a || !*b)
			return *a ? 1 : *b ? -1 : 0;
		a++;
		b++;
	}
}

int rkt_semver_compare(const struct rkt_semver *a, const struct rkt_semver *b)
{
	int c = cmp_u64(a->major, b->major);

	if (c == 0)
		c = cmp_u64(a->minor, b->minor);
	if (c == 0)
		c = cmp_u64(a->patch, b->patch);
	if (c != 0)
		return c;
	/* A version without a pre-release ranks above the same version with one. */
	if (!a->prerelease || !b->prerelease)
		return a->prerelease ? -1 : b->prerelease ? 1 : 0;
	return prerelease_compare(a->prerelease, b->prerelease);
}

int rkt_ac_version_check(const char *s, const char *field, struct rkt_error *err)
{
	struct rkt_semver v = { 0 };
	uint64_t major;
	int r;

	r = rkt_semver_parse(s, &v, field, err);
	if (r < 0)
		return r;
	major = v.major;
	rkt_semver_release(&v);
	/* TYPE-5: a manifest must be on our major version; appc never left major 0. */
	if (major != 0)
		return rkt_field_value_error(err, field, s,
		                             "is not a supported AC version: major version must be "
		                             "0 (this implementation follows appc %s)",
		                             RKT_APPC_VERSION);
	return 0;
}

static bool is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

#define IMAGE_ID_PREFIX "sha512-"
#define IMAGE_ID_HEX    128

int rkt_image_id_check(const char *s, bool full, const char *field, struct rkt_error *err)
{
	const char *dash = s ? strchr(s, '-') : NULL;
	const char *digest;

	if (!dash)
		return rkt_field_value_error(err, field, s,
		                             "is not an image ID: expected \"sha512-<digest>\"");
	if ((size_t)(dash - s) != strlen("sha512") || strncmp(s, "sha512", 6) != 0)
		return rkt_field_value_error(err, field, s,
		                             "is not an image ID: only the sha512 algorithm is "
		                             "supported");
	digest = dash + 1;
	if (!*digest)
		return rkt_field_value_error(err, field, s, "is not an image ID: empty digest");
	if (strchr(digest, '-'))
		return rkt_field_value_error(err, field, s,
		                             "is not an image ID: more than one '-'");
	if (!full)
		return 0;
	for (size_t i = 0; i < IMAGE_ID_HEX; i++)
		if (!is_lower_hex(digest[i]))
			return rkt_field_value_error(err, field, s,
			                             "is not a full image ID: the digest must be "
			                             "128 lower-case hex digits");
	if (digest[IMAGE_ID_HEX] != '\0')
		return rkt_field_value_error(err, field, s,
		                             "is not a full image ID: the digest must be 128 "
		                             "lower-case hex digits");
	return 0;
}

void rkt_image_id_short(const char *id, char out[40])
{
	/* types.ShortHash: "sha512-" and the first 32 hex digits, as rkt prints IDs. */
	(void)snprintf(out, 40, "%s", id ? id : "");
}

bool rkt_image_id_has_prefix(const char *id, const char *prefix)
{
	size_t n;

	if (!id || !prefix || strncmp(id, IMAGE_ID_PREFIX, strlen(IMAGE_ID_PREFIX)) != 0)
		return false;
	if (strncmp(prefix, IMAGE_ID_PREFIX, strlen(IMAGE_ID_PREFIX)) == 0)
		prefix += strlen(IMAGE_ID_PREFIX);
	id += strlen(IMAGE_ID_PREFIX);
	n = strlen(prefix);
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = prefix[i];

		/* Users may type upper-case hex; IDs are lower case (TYPE-6). */
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!is_lower_hex(c) || id[i] != c)
			return false;
	}
	return true;
}

/* Reads exactly N digits at *P into *RET. */
static bool read_digits(const char **p, size_t n, int *ret)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

static bool expect_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

static const char *timestamp_problem(const char *p)
{
	int year, month, day, hour, min, sec, oh, om;

	if (!read_digits(&p, 4, &year) || !expect_char(&p, '-') || !read_digits(&p, 2, &month) ||
	    !expect_char(&p, '-') || !read_digits(&p, 2, &day))
		return "expected YYYY-MM-DD";
	if (*p == ' ' || *p == 't')
		return "date and time must be separated by 'T'";
	if (!expect_char(&p, 'T') || !read_digits(&p, 2, &hour) || !expect_char(&p, ':') ||
	    !read_digits(&p, 2, &min) || !expect_char(&p, ':') || !read_digits(&p, 2, &sec))
		return "expected 'T' and hh:mm:ss after the date";
	if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return "date out of range";
	/* Go's time.Parse (so actool) refuses leap second 60; so do we. */
	if (hour > 23 || min > 59 || sec > 59)
		return "time out of range";
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return "expected digits after '.'";
		while (is_digit(*p))
			p++;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		p++;
		if (!read_digits(&p, 2, &oh) || !expect_char(&p, ':') || !read_digits(&p, 2, &om))
			return "expected a time zone offset +hh:mm or -hh:mm";
		if (oh > 23 || om > 59)
			return "time zone offset out of range";
	} else {
		return "expected a time zone ('Z' or +hh:mm)";
	}
	if (*p)
		return "unexpected characters after the time zone";
	return NULL;
}

int rkt_timestamp_check(const char *s, const char *field, struct rkt_error *err)
{
	const char *why = timestamp_problem(s ? s : "");

	if (why)
		return rkt_field_value_error(err, field, s, "is not an RFC 3339 timestamp: %s",
		                             why);
	return 0;
}

/* Host, optionally with a port: reg-name characters of RFC 3986, or an IPv6 literal. */
static const char *url_authority_problem(const char *a, size_t len)
{
	const char *end = a + len, *port;

	/* A userinfo part is legal; the host is what follows its last '@'. */
	for (const char *p = a; p < end; p++)
		if (*p == '@')
			a = p + 1;
	if (a < end && *a == '[') {
		const char *close = memchr(a, ']', (size_t)(end - a));

		if (!close || close == a + 1)
			return "bad IPv6 host";
		port = close + 1;
		if (port < end && *port != ':')
			return "bad IPv6 host";
	} else {
		port = memchr(a, ':', (size_t)(end - a)) ?: end;
		if (port == a)
			return "no host";
		for (const char *p = a; p < port; p++)
			if (!is_alpha(*p) && !is_digit(*p) && !strchr("-._~%!$&'()*+,;=", *p))
				return "bad character in the host";
	}
	if (port < end)
		for (const char *p = port + 1; p < end; p++)
			if (!is_digit(*p))
				return "bad port";
	return NULL;
}

static const char *url_problem(const char *s)
{
	const char *rest;

	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return "spaces and control characters are not allowed";
	if (strncasecmp(s, "http://", 7) == 0)
		rest = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		rest = s + 8;
	else
		return "must be an absolute http:// or https:// URL";
	return url_authority_problem(rest, strcspn(rest, "/?#"));
}

int rkt_http_url_check(const char *s, const char *field, struct rkt_error *err)
{
	const char *why = url_problem(s ? s : "");

	if (why)
		return rkt_field_value_error(err, field, s, "is not an http(s) URL: %s", why);
	return 0;
}

int rkt_env_name_check(const char *s, const char *field, struct rkt_error *err)
{
	char cbuf[16];

	if (!s || !*s)
		return rkt_field_value_error(err, field, s,
		                             "is not a valid environment variable name: must not "
		                             "be empty");
	if (!is_alpha(s[0]) && s[0] != '_')
		return rkt_field_value_error(err, field, s,
		                             "is not a valid environment variable name: must start "
		                             "with a letter or '_'");
	for (size_t i = 1; s[i]; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && !strchr("_.-", s[i]))
			return rkt_field_value_error(err, field, s,
			                             "is not a valid environment variable name: "
			                             "%s at position %zu is not allowed (only "
			                             "A-Z a-z 0-9 _ . -)",
			                             describe_char(s[i], cbuf), i + 1);
	return 0;
}

/* MAN-7: types.ValidOSArch of appc 0.8.11. */
static const struct {
	const char *os;
	const char *arches[11];
} os_arch_table[] = {
	{ "darwin", { "x86_64", "i386" } },
	{ "freebsd", { "amd64", "i386", "arm" } },
	{ "linux",
	  { "amd64", "i386", "aarch64", "aarch64_be", "armv6l", "armv7l", "armv7b", "ppc64",
	    "ppc64le", "s390x" } },
};

int rkt_os_arch_check(const char *os, const char *arch, const char *field, struct rkt_error *err)
{
	char list[128];
	size_t n = 0;

	if (!os)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(os_arch_table); i++) {
		if (strcmp(os, os_arch_table[i].os) != 0)
			continue;
		if (!arch)
			return 0;
		for (const char *const *a = os_arch_table[i].arches; *a; a++) {
			if (strcmp(arch, *a) == 0)
				return 0;
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "",
			                      *a);
		}
		return rkt_field_value_error(err, field, arch,
		                             "is not a known arch for os \"%s\" (must be one of: "
		                             "%s)",
		                             os, list);
	}
	return rkt_field_value_error(err, field, os,
	                             "is not a known os (must be one of: darwin, freebsd, linux)");
}

const char *rkt_host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__i386__)
	return "i386";
#elif defined(__aarch64__) && defined(__AARCH64EB__)
	return "aarch64_be";
#elif defined(__aarch64__)
	return "aarch64";
#elif defined(__arm__) && defined(__ARMEB__)
	return "armv7b";
#elif defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH < 7
	return "armv6l";
#elif defined(__arm__)
	return "armv7l";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__powerpc64__)
	return "ppc64";
#elif defined(__s390x__)
	return "s390x";
#else
#error "no appc arch label for this architecture"
#endif
}

int rkt_abs_path_check(const char *s, const char *field, struct rkt_error *err)
{
	if (!s || s[0] != '/')
		return rkt_field_value_error(err, field, s, "is not an absolute path");
	return 0;
}
