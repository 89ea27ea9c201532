#include "util/json-util.h"

#include <errno.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

int rkt_json_parse(const char *buf, size_t len, const char *what, struct json_object **ret,
		   struct rkt_error *err)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (len > RKT_JSON_MAX_SIZE)
		return rkt_error_set(err, EFBIG, "%s: larger than %d bytes", what,
				     RKT_JSON_MAX_SIZE);
	if (len > INT32_MAX)
		return rkt_error_set(err, EFBIG, "%s: too large", what);
	tok = json_tokener_new_ex(64);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
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
		if (!strchr(" \t\r\n", buf[end])) {
			json_object_put(obj);
			return rkt_error_set(err, EBADMSG,
					     "%s: invalid JSON: trailing data at byte %zu", what,
					     end);
		}
	}
	*ret = obj;
	return 0;
}

char *rkt_json_format(struct json_object *obj, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN;
	return xstrdup(json_object_to_json_string_ext(obj, flags));
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
