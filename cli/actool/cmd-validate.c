/* actool validate: check image manifests, pod manifests and ACIs against appc 0.8.11.
 *
 * The kind of each file is told from its content: JSON (first non-blank byte '{') is a manifest
 * whose acKind says which, anything else is read as an ACI. Each valid file gets a line on
 * stdout (ACIs with their image ID and compression), or nothing with --quiet, which is what the
 * reference tool prints; each invalid file gets an error line naming it.
 * Unlike the reference tool, isolators we do not know are accepted and reported as ignored
 * (appc ace.md). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "actool.h"

enum validate_type {
	VALIDATE_DETECT = 0,
	VALIDATE_ACI,
	VALIDATE_MANIFEST,
};

struct validate_opts {
	enum validate_type type;
	bool is_quiet; /* like the reference tool: nothing for valid files, and no image ID */
	char **files;
	int n_files;
};

static int validate_parse_args(int argc, char **argv, struct validate_opts *opts,
                               struct rkt_error *err)
{
	enum { OPT_TYPE = 0x100, OPT_QUIET };
	static const struct option options[] = { { "type", required_argument, NULL, OPT_TYPE },
		                                 { "quiet", no_argument, NULL, OPT_QUIET },
		                                 {} };
	int c;

	while ((c = actool_getopt(argc, argv, options)) != -1) {
		if (c == OPT_QUIET) {
			opts->is_quiet = true;
			continue;
		}
		if (c != OPT_TYPE)
			return actool_getopt_error("validate", c, argc, argv, err);
		if (strcmp(optarg, "appimage") == 0 || strcmp(optarg, "aci") == 0)
			opts->type = VALIDATE_ACI;
		else if (strcmp(optarg, "manifest") == 0)
			opts->type = VALIDATE_MANIFEST;
		else
			return actool_usage_error(
			        err, "validate: --type: '%s' is not one of appimage, manifest",
			        optarg);
	}
	if (optind >= argc)
		return actool_usage_error(err, "validate: expected one or more files");
	opts->files = argv + optind;
	opts->n_files = argc - optind;
	return 0;
}

static int validate_manifest(const struct validate_opts *opts, int fd, const char *path,
                             struct rkt_error *err)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *im = NULL;
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *pm = NULL;
	_cleanup_free_ char *buf = NULL, *what = NULL;
	struct rkt_error template_err = { 0 };
	enum rkt_manifest_kind kind;
	size_t len;
	int r;

	r = actool_read_manifest(fd, path, &buf, &len, err);
	if (r < 0)
		return r;
	what = xasprintf("manifest '%s'", path);
	r = rkt_manifest_kind_detect(buf, len, what, &kind, err);
	if (r < 0)
		return r;
	if (kind == RKT_MANIFEST_POD) {
		r = rkt_pod_manifest_parse(buf, len, what, &pm, err);
		if (r < 0)
			return r;
		actool_warn_unknown_isolators(what, "isolators", &pm->isolators);
		for (size_t i = 0; i < pm->n_apps; i++) {
			_cleanup_free_ char *field = NULL;

			if (!pm->apps[i].app)
				continue;
			field = xasprintf("apps[%zu].app.isolators", i);
			actool_warn_unknown_isolators(what, field, &pm->apps[i].app->isolators);
		}
		/* A template (appc pods.md) is a valid document that cannot run yet. */
		if (rkt_pod_manifest_check_reified(pm, &template_err) < 0)
			actool_warn("%s: %s", what, template_err.msg);
		if (!opts->is_quiet)
			printf("%s: valid pod manifest\n", path);
		return 0;
	}
	r = rkt_image_manifest_parse(buf, len, what, &im, err);
	if (r < 0)
		return r;
	if (im->app)
		actool_warn_unknown_isolators(what, "app.isolators", &im->app->isolators);
	if (!opts->is_quiet)
		printf("%s: valid image manifest\n", path);
	return 0;
}

static int validate_aci(const struct validate_opts *opts, int fd, const char *path,
                        struct rkt_error *err)
{
	/* Hashing is most of the cost of reading; --quiet does not show the ID. Reading and
	 * inflating run in a second thread, beside the hash and the tar checks (actool forks
	 * nothing). */
	const struct rkt_aci_read_opts read_opts = { .skip_id = opts->is_quiet,
		                                     .read_thread = true };
	_cleanup_(rkt_aci_info_releasep) struct rkt_aci_info info = { 0 };
	_cleanup_free_ char *what = NULL;
	int r;

	what = xasprintf("'%s'", path);
	r = rkt_aci_read(fd, what, &read_opts, &info, err);
	if (r < 0)
		return r;
	if (info.manifest->app) {
		free(what);
		what = xasprintf("manifest in '%s'", path);
		actool_warn_unknown_isolators(what, "app.isolators",
		                              &info.manifest->app->isolators);
	}
	if (!opts->is_quiet)
		printf("%s: valid aci %s (%s)\n", path, info.id,
		       rkt_compression_name(info.compression));
	return 0;
}

/* A manifest is JSON, and JSON documents of interest are objects. */
static int looks_like_json(int fd, const char *path, bool *ret, struct rkt_error *err)
{
	char head[64];
	ssize_t n;

	do
		n = pread(fd, head, sizeof(head), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return rkt_error_set(err, errno, "read '%s'", path);
	*ret = false;
	for (ssize_t i = 0; i < n; i++) {
		if (strchr(" \t\r\n", head[i]))
			continue;
		*ret = head[i] == '{';
		break;
	}
	return 0;
}

static int validate_one(const struct validate_opts *opts, const char *path, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	bool is_json = opts->type == VALIDATE_MANIFEST;
	int r;

	fd = actool_open_input(path, err);
	if (fd < 0)
		return fd;
	if (opts->type == VALIDATE_DETECT) {
		r = looks_like_json(fd, path, &is_json, err);
		if (r < 0)
			return r;
	}
	return is_json ? validate_manifest(opts, fd, path, err) : validate_aci(opts, fd, path, err);
}

int cmd_validate(int argc, char **argv, struct rkt_error *err)
{
	struct validate_opts opts = { 0 };
	bool failed = false;
	int r;

	r = validate_parse_args(argc, argv, &opts, err);
	if (r != 0)
		return r;
	for (int i = 0; i < opts.n_files; i++) {
		struct rkt_error file_err = { 0 };

		if (validate_one(&opts, opts.files[i], &file_err) < 0) {
			actool_report(&file_err);
			failed = true;
		}
		/* Keep stdout and stderr lines in input order when both go to one place. */
		fflush(stdout);
	}
	return failed ? ACTOOL_REPORTED : 0;
}
