#include "util/json-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* GEN-1: manifests are UTF-8. json-c's own check lets overlong forms such as C1 9D through, and
 * a string we cannot write back as it came would make parse -> format unstable. Returns the
 * offset of the first invalid byte, or LEN. */
static size_t utf8_invalid_at(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	uint32_t cp;

	for (size_t i = 0; i < len;) {
		size_t n = s[i] < 0x80 ? 1 : utf8_decode(s + i, len - i, &cp);

		if (n == 0)
			return i;
		i += n;
	}
	return len;
}

int rkt_json_parse(const char *buf, size_t len, const char *what, struct json_object **ret,
                   struct rkt_error *err)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (len > RKT_JSON_MAX_SIZE)
		return rkt_error_input(err, EFBIG, "%s: larger than %d bytes", what,
		                       RKT_JSON_MAX_SIZE);
	if (len > INT32_MAX)
		return rkt_error_input(err, EFBIG, "%s: too large", what);
	end = utf8_invalid_at(buf, len);
	if (end < len)
		return rkt_error_set(err, EBADMSG, "%s: invalid UTF-8 at byte %zu", what, end);
	tok = json_tokener_new_ex(64);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!obj && jerr == json_tokener_continue) {
		/* A bare number or literal ("-500", "true") is only complete once json-c sees
		 * what follows it: hand it the end of input. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		if (obj && jerr == json_tokener_success) {
			*ret = obj;
			json_tokener_free(tok);
			return 0;
		}
		jerr = json_tokener_continue; /* report it as truncated, which it is */
	}
	if (!obj || jerr != json_tokener_success) {
		const char *why = jerr == json_tokener_continue ? "unexpected end of input"
		                                                : json_tokener_error_desc(jerr);
		size_t off = json_tokener_get_parse_end(tok);
		json_tokener_free(tok);
		json_object_put(obj);
		return rkt_error_set(err, EBADMSG, "%s: invalid JSON at byte %zu: %s", what, off,
		                     why);
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; end < len; end++) {
		/* not strchr(): it would take a NUL byte for whitespace */
		if (buf[end] != ' ' && buf[end] != '\t' && buf[end] != '\r' && buf[end] != '\n') {
			json_object_put(obj);
			return rkt_error_set(err, EBADMSG,
			                     "%s: invalid JSON: trailing data at byte %zu", what,
			                     end);
		}
	}
	*ret = obj;
	return 0;
}

/* Length of the UTF-8 sequence at S (at most LEN bytes) and its code point in *CP, or 0 if it is
 * not valid UTF-8 (overlong, surrogate, beyond U+10FFFF, truncated), as Go's utf8 package
 * decides. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] < 0xf0) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Go's encoding/json string escaping (Go 1.19, which built actool 0.8.11): short escapes only
 * for \" \\ \n \r \t, \u00XX for other control characters, HTML-safe \u003c \u003e \u0026,
 * \u2028 and \u2029 for JavaScript, and U+FFFD for each byte of invalid UTF-8. */
static void put_string(FILE *f, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	fputc('"', f);
	while (i < len) {
		uint32_t cp = 0;
		size_t n;

		if (s[i] < 0x80) {
			switch (s[i]) {
			case '"':
				fputs("\\\"", f);
				break;
			case '\\':
				fputs("\\\\", f);
				break;
			case '\n':
				fputs("\\n", f);
				break;
			case '\r':
				fputs("\\r", f);
				break;
			case '\t':
				fputs("\\t", f);
				break;
			default:
				if (s[i] < 0x20 || s[i] == '<' || s[i] == '>' || s[i] == '&')
					fprintf(f, "\\u00%c%c", hex[s[i] >> 4], hex[s[i] & 0xf]);
				else
					fputc(s[i], f);
			}
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			fputs("\\ufffd", f);
			i++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			fprintf(f, "\\u%04x", (unsigned)cp);
			i += n;
		} else {
			fwrite(s + i, 1, n, f);
			i += n;
		}
	}
	fputc('"', f);
}

static void put_newline(FILE *f, const char *indent, unsigned depth)
{
	if (!indent)
		return;
	fputc('\n', f);
	for (unsigned i = 0; i < depth; i++)
		fputs(indent, f);
}

static void put_value(FILE *f, struct json_object *obj, const char *indent, unsigned depth)
{
	size_t i = 0;

	switch (json_object_get_type(obj)) {
	case json_type_null:
		fputs("null", f);
		break;
	case json_type_boolean:
		fputs(json_object_get_boolean(obj) ? "true" : "false", f);
		break;
	case json_type_int:
	case json_type_double:
		/* json-c keeps the text of parsed doubles, so raw values (isolator values) keep
		 * their literal as Go's json.RawMessage does. */
		fputs(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN), f);
		break;
	case json_type_string:
		put_string(f, json_object_get_string(obj), (size_t)json_object_get_string_len(obj));
		break;
	case json_type_array: {
		size_t n = json_object_array_length(obj);

		/* MarshalIndent writes empty arrays and objects as "[]" and "{}" */
		if (n == 0) {
			fputs("[]", f);
			break;
		}
		fputc('[', f);
		for (i = 0; i < n; i++) {
			if (i > 0)
				fputc(',', f);
			put_newline(f, indent, depth + 1);
			put_value(f, json_object_array_get_idx(obj, i), indent, depth + 1);
		}
		put_newline(f, indent, depth);
		fputc(']', f);
		break;
	}
	case json_type_object:
		if (json_object_object_length(obj) == 0) {
			fputs("{}", f);
			break;
		}
		fputc('{', f);
		json_object_object_foreach (obj, key, val) {
			if (i++ > 0)
				fputc(',', f);
			put_newline(f, indent, depth + 1);
			put_string(f, key, strlen(key));
			fputs(indent ? ": " : ":", f);
			put_value(f, val, indent, depth + 1);
		}
		put_newline(f, indent, depth);
		fputc('}', f);
		break;
	}
}

char *rkt_json_format_indent(struct json_object *obj, const char *indent)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	f = open_memstream(&buf, &size);
	if (!f)
		abort();
	put_value(f, obj, indent, 0);
	if (fclose(f) != 0)
		abort();
	return buf;
}

char *rkt_json_format(struct json_object *obj, bool pretty)
{
	return rkt_json_format_indent(obj, pretty ? "  " : NULL);
}

bool rkt_json_get(struct json_object *obj, const char *key, json_type type,
                  struct json_object **ret)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return false;
	if (json_object_get_type(v) != type)
		return false;
	if (ret)
		*ret = v;
	return true;
}
