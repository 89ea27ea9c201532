/* Helpers the actool command files share: option values, input files, warnings. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actool.h"
#include "util/fs.h"

int actool_usage_error(struct rkt_error *err, const char *fmt, ...)
{
	va_list ap;

	err->code = EINVAL;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return ACTOOL_USAGE_ERROR;
}

int actool_getopt(int argc, char **argv, const struct option *options)
{
	opterr = 0;
	return getopt_long(argc, argv, ":", options, NULL);
}

int actool_getopt_error(const char *cmd, int result, int argc, char **argv, struct rkt_error *err)
{
	/* getopt_long() has already advanced optind past the offending word. */
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
	int len = (int)strcspn(word, "=");

	if (result == ':')
		return actool_usage_error(err, "%s: option '%s' needs a value", cmd, word);
	if (optopt && word[0] == '-' && word[1] != '-')
		return actool_usage_error(err, "%s: unknown option '-%c'", cmd, optopt);
	return actool_usage_error(err, "%s: unknown option '%.*s'", cmd, len, word);
}

int actool_parse_compression(const char *s, enum rkt_compression *ret, struct rkt_error *err)
{
	enum rkt_compression c;

	if (rkt_compression_from_name(s, &c) < 0 || c == RKT_COMPRESSION_ZSTD)
		return actool_usage_error(
		        err, "--compression: '%s' is not one of none, gzip, bzip2, xz", s);
	*ret = c;
	return 0;
}

int actool_parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = v;
	return 0;
}

int actool_check_aci_name(const char *path, struct rkt_error *err)
{
	size_t n = strlen(path);

	if (n < 4 || strcmp(path + n - 4, ".aci") != 0)
		return rkt_error_set(err, EINVAL, "'%s': the file name must end in .aci", path);
	return 0;
}

int actool_open_input(const char *path, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rkt_error_set(err, errno, "open '%s'", path);
	if (fstat(fd, &st) < 0)
		return rkt_error_set(err, errno, "stat '%s'", path);
	if (S_ISDIR(st.st_mode))
		return rkt_error_set(err, EISDIR, "'%s'", path);
	return TAKE_FD(fd);
}

int actool_read_manifest(int fd, const char *path, char **ret, size_t *ret_len,
                         struct rkt_error *err)
{
	int r = rkt_read_fd(fd, RKT_JSON_MAX_SIZE, ret, ret_len);

	if (r == -EFBIG)
		return rkt_error_input(err, EFBIG,
		                       "manifest '%s': larger than the %d bytes allowed", path,
		                       RKT_JSON_MAX_SIZE);
	if (r < 0)
		return rkt_error_set(err, r, "read '%s'", path);
	return 0;
}

int actool_read_aci(const char *path, struct rkt_aci_info *ret, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *what = NULL;

	fd = actool_open_input(path, err);
	if (fd < 0)
		return fd;
	what = xasprintf("'%s'", path);
	return rkt_aci_read(fd, what, NULL, ret, err);
}

void actool_warn_unknown_isolators(const char *what, const char *field,
                                   const struct rkt_isolator_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].type == RKT_ISOLATOR_UNKNOWN)
			actool_warn("%s: %s[%zu]: isolator '%s' is not known, ignoring", what,
			            field, i, l->items[i].name);
}
