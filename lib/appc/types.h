/* appc value types (docs/conformance.md: TYPE-*): AC Identifier, AC Name, AC Kind, SemVer, image
 * IDs, quantities, UUIDs, timestamps, URLs, environment names, os/arch labels.
 *
 * Every check takes FIELD, the JSON path of the value being checked (e.g. "app.ports[0].name"),
 * so that its error reads `FIELD: "VALUE" is not an AC name: ...`. Checks return 0 or -EINVAL. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* TYPE-1/TYPE-2: ^[a-z0-9]+([-._~/][a-z0-9]+)*$ (consecutive separators are refused, with a
 * message that says so, although actool accepts them; "/~" is allowed, as in types.md's own
 * example "example.com/~user/app_v1"). */
int rkt_ac_identifier_check(const char *s, const char *field, struct rkt_error *err);
bool rkt_ac_identifier_is_valid(const char *s);

/* TYPE-3: ^[a-z0-9]+(-[a-z0-9]+)*$ */
int rkt_ac_name_check(const char *s, const char *field, struct rkt_error *err);
bool rkt_ac_name_is_valid(const char *s);

/* Makes an AC Name from arbitrary text (last path component of an image name, lower-cased,
 * runs of invalid characters turned into one '-'), as rkt does for default app names.
 * Returns a new string, or NULL if nothing valid is left. */
char *rkt_ac_name_sanitize(const char *s);

/* TYPE-5: SemVer 2.0.0, no 'v' prefix, 0.0.0 refused. */
struct rkt_semver {
	uint64_t major, minor, patch;
	char *prerelease; /* NULL if none */
	char *build;      /* NULL if none */
};
int rkt_semver_parse(const char *s, struct rkt_semver *ret, const char *field,
                     struct rkt_error *err);
void rkt_semver_release(struct rkt_semver *v);
/* SemVer precedence: <0, 0, >0. Build metadata is ignored. */
int rkt_semver_compare(const struct rkt_semver *a, const struct rkt_semver *b);
/* The appc version we implement and write into manifests (GEN-5). */
#define RKT_APPC_VERSION "0.8.11"
/* TYPE-5 decision: acVersion must be major 0 (what we implement). */
int rkt_ac_version_check(const char *s, const char *field, struct rkt_error *err);

/* TYPE-6/TYPE-7: "sha512-<value>". With FULL, the value must be 128 lower-case hex digits;
 * without it any non-empty value parses (the spec examples use "sha512-..."). */
int rkt_image_id_check(const char *s, bool full, const char *field, struct rkt_error *err);
/* TYPE-8: "sha512-" + first 32 hex digits. OUT gets at most 39 characters + NUL. */
void rkt_image_id_short(const char *id, char out[40]);
/* True if PREFIX (with or without the "sha512-" part, at least 1 hex digit) starts ID. */
bool rkt_image_id_has_prefix(const char *id, const char *prefix);

/* TYPE-13: quantities, in exact integer arithmetic. VALUE is the quantity in base units rounded
 * up (the way Kubernetes' Value() does), MILLI the quantity in thousandths of a base unit
 * (rounded up, see TYPE-13); MILLI_VALID is false when thousandths would overflow int64. */
struct rkt_quantity {
	int64_t value;
	int64_t milli;
	bool milli_valid;
};
int rkt_quantity_parse(const char *s, struct rkt_quantity *ret, const char *field,
                       struct rkt_error *err);

/* TYPE-11: RFC 4122 UUIDs. Parse accepts 32 hex digits with or without the dashes, any case;
 * the all-zero UUID is refused. Format writes lower-case 8-4-4-4-12. */
int rkt_uuid_parse(const char *s, uint8_t ret[16], const char *field, struct rkt_error *err);
void rkt_uuid_format(const uint8_t uuid[16], char out[37]);
/* A random (version 4) UUID from getrandom(2). */
int rkt_uuid_generate(uint8_t ret[16], struct rkt_error *err);

/* TYPE-10: RFC 3339 date-time with 'T' ("2015-05-18T13:49:28.351729952-04:00", "...Z"). */
int rkt_timestamp_check(const char *s, const char *field, struct rkt_error *err);

/* TYPE-12: absolute http or https URL with a host. */
int rkt_http_url_check(const char *s, const char *field, struct rkt_error *err);

/* MAN-19: [A-Za-z_][A-Za-z0-9_.-]* */
int rkt_env_name_check(const char *s, const char *field, struct rkt_error *err);

/* MAN-7: OS alone must be known; OS with ARCH must be a whitelisted pair. ARCH without OS is
 * not checked. Either may be NULL. FIELD names the labels list ("labels"). */
int rkt_os_arch_check(const char *os, const char *arch, const char *field, struct rkt_error *err);

/* The os and arch labels (MAN-6) of the machine this program was built for: "linux" and
 * "amd64", "i386", "aarch64", ... as in the table of rkt_os_arch_check. */
#define RKT_HOST_OS "linux"
const char *rkt_host_arch(void);

/* Absolute path (starts with '/'), no NUL; does not judge "..". */
int rkt_abs_path_check(const char *s, const char *field, struct rkt_error *err);
