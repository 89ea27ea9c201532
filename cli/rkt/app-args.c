/* The app-argument grammar of run and prepare (see app-args.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app-args.h"
#include "rkt.h"

void app_list_release(struct app_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct app_arg *a = &l->apps[i];

		free(a->image);
		free(a->name);
		free(a->exec);
		free(a->user);
		free(a->group);
		free(a->working_dir);
		free(a->signature);
		for (size_t j = 0; j < a->n_args; j++)
			free(a->args[j]);
		free(a->args);
		free(a->supplementary_gids);
		rkt_kv_list_release(&a->environment);
		for (size_t j = 0; j < a->n_mounts; j++)
			rkt_mount_arg_release(&a->mounts[j]);
		free(a->mounts);
		for (size_t j = 0; j < a->n_isolators; j++)
			json_object_put(a->isolators[j]);
		free(a->isolators);
	}
	free(l->apps);
	for (size_t j = 0; j < l->n_mounts; j++)
		rkt_mount_arg_release(&l->mounts[j]);
	free(l->mounts);
	*l = (struct app_list){ 0 };
}

static int set_string(const char *cmd, const char *flag, char **dst, const char *v,
                      struct rkt_error *err)
{
	if (*dst)
		return rkt_error_set(err, EINVAL, "%s: --%s given twice for one image", cmd, flag);
	*dst = xstrdup(v);
	return 0;
}

static int parse_gids(const char *cmd, struct app_arg *a, const char *v, struct rkt_error *err)
{
	_cleanup_free_ char *copy = xstrdup(v);
	char *save = NULL;

	free(a->supplementary_gids);
	a->supplementary_gids = NULL;
	a->n_supplementary_gids = 0;
	a->has_supplementary_gids = true;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long g;

		errno = 0;
		g = strtoul(t, &end, 10);
		if (errno || *end || end == t || t[0] == '-' || g > UINT32_MAX)
			return rkt_error_set(err, EINVAL,
			                     "%s: --supplementary-gids: '%s' is not a gid", cmd, t);
		a->supplementary_gids =
		        xrealloc_array(a->supplementary_gids, a->n_supplementary_gids + 1,
		                       sizeof(*a->supplementary_gids));
		a->supplementary_gids[a->n_supplementary_gids++] = (uint32_t)g;
	}
	return 0;
}

static int add_mount(const char *v, struct rkt_mount_arg **items, size_t *n, struct rkt_error *err)
{
	struct rkt_mount_arg m;
	int r = rkt_mount_arg_parse(v, &m, err);

	if (r < 0)
		return r;
	*items = xrealloc_array(*items, *n + 1, sizeof(**items));
	(*items)[(*n)++] = m;
	return 0;
}

static int app_flag(const char *cmd, struct app_list *l, int id, const char *flag, const char *v,
                    struct rkt_error *err)
{
	struct app_arg *a = l->n ? &l->apps[l->n - 1] : NULL;
	const char *eq;

	if (id == APP_MOUNT)
		return a ? add_mount(v, &a->mounts, &a->n_mounts, err)
		         : add_mount(v, &l->mounts, &l->n_mounts, err);
	if (!a)
		return rkt_error_set(err, EINVAL, "%s: --%s must follow an image", cmd, flag);
	switch (id) {
	case APP_EXEC:
		return set_string(cmd, flag, &a->exec, v, err);
	case APP_USER:
		return set_string(cmd, flag, &a->user, v, err);
	case APP_GROUP:
		return set_string(cmd, flag, &a->group, v, err);
	case APP_WORKING_DIR:
		return set_string(cmd, flag, &a->working_dir, v, err);
	case APP_NAME:
		return set_string(cmd, flag, &a->name, v, err);
	case APP_SIGNATURE:
		return set_string(cmd, flag, &a->signature, v, err);
	case APP_READONLY_ROOTFS:
		a->readonly_rootfs = strcmp(v, "true") == 0;
		return 0;
	case APP_SUPP_GIDS:
		return parse_gids(cmd, a, v, err);
	case APP_ISOLATOR: {
		/* the deprecated --cap-* spellings mean --caps-* */
		_cleanup_free_ char *f = strncmp(flag, "cap-", 4) == 0
		                                 ? xasprintf("caps-%s", flag + 4)
		                                 : xstrdup(flag);
		struct json_object *iso = NULL;
		int r = rkt_isolator_arg_parse(f, v, &iso, err);

		if (r < 0)
			return rkt_error_wrap(err, r, "%s", cmd);
		a->isolators =
		        xrealloc_array(a->isolators, a->n_isolators + 1, sizeof(*a->isolators));
		a->isolators[a->n_isolators++] = iso;
		return 0;
	}
	case APP_ENVIRONMENT: {
		_cleanup_free_ char *name = NULL;

		eq = strchr(v, '=');
		if (!eq || eq == v)
			return rkt_error_set(err, EINVAL,
			                     "%s: --environment '%s' is not NAME=VALUE", cmd, v);
		name = xstrndup(v, (size_t)(eq - v));
		rkt_kv_list_set(&a->environment, name, eq + 1);
		return 0;
	}
	default:
		return rkt_error_set(err, EINVAL, "%s: --%s: not handled", cmd, flag);
	}
}

int app_args_parse(const char *cmd, int argc, char **argv, const struct cli_flag *flags,
                   cli_pod_flag_fn fn, void *userdata, bool allow_args, struct app_list *ret,
                   struct rkt_error *err)
{
	struct app_list l = { 0 };
	bool in_args = false;
	int r = 0;

	for (int i = 1; i < argc && r >= 0; i++) {
		const char *a = argv[i];
		struct app_arg *last = l.n ? &l.apps[l.n - 1] : NULL;

		if (in_args) {
			if (strcmp(a, "---") == 0) {
				in_args = false;
				continue;
			}
			last->args =
			        xrealloc_array(last->args, last->n_args + 1, sizeof(*last->args));
			last->args[last->n_args++] = xstrdup(a);
		} else if (strcmp(a, "--") == 0) {
			if (!allow_args)
				r = rkt_error_set(err, EINVAL, "%s: app arguments are not allowed",
				                  cmd);
			else if (!last)
				r = rkt_error_set(
				        err, EINVAL,
				        "%s: an image is required before any app arguments", cmd);
			else if (last->has_args)
				r = rkt_error_set(
				        err, EINVAL,
				        "%s: only one set of app arguments allowed per image", cmd);
			else
				in_args = last->has_args = true;
		} else if (strcmp(a, "---") == 0) {
			continue; /* upstream ignores a stray "---" */
		} else if (a[0] == '-' && a[1] != '\0') {
			const struct cli_flag *f = NULL;
			const char *v = NULL;

			r = cli_flag_read(flags, cmd, argc, argv, &i, &f, &v, err);
			if (r >= 0 && !f)
				r = rkt_error_set(err, EINVAL, "%s: unknown flag '%.*s'", cmd,
				                  (int)strcspn(a, "="), a);
			else if (r >= 0)
				r = f->attrs & CLI_FLAG_PER_APP
				            ? app_flag(cmd, &l, f->id, f->name, v, err)
				            : fn(userdata, f->id, v, err);
		} else {
			l.apps = xrealloc_array(l.apps, l.n + 1, sizeof(*l.apps));
			l.apps[l.n++] = (struct app_arg){ .image = xstrdup(a) };
		}
	}
	if (r < 0) {
		app_list_release(&l);
		return r;
	}
	*ret = l;
	return 0;
}
