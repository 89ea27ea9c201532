/* The environment of an app (ACE-16..18; defaults as rkt's common/environment.go). */
#include <errno.h>
#include <string.h>

#include "isolate/isolate.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

char **rkt_envp_free(char **envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		free(envp[i]);
	free(envp);
	return NULL;
}

const char *rkt_envp_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

int rkt_env_build(const struct rkt_kv_list *app_env, const struct rkt_env_opts *opts, char ***ret,
                  struct rkt_error *err)
{
	struct rkt_kv_list env = { 0 };
	_cleanup_(rkt_kv_index_release) struct rkt_kv_index ix = { 0 };
	const char *user = opts->user_name ? opts->user_name : "root";
	const char *home = opts->home && *opts->home ? opts->home : "/root";

	rkt_kv_index_init(&ix, &env);
	for (size_t i = 0; app_env && i < app_env->n; i++) {
		const struct rkt_kv *kv = &app_env->items[i];
		if (!*kv->name || strpbrk(kv->name, "=\n") || strchr(kv->value, '\n')) {
			rkt_kv_list_release(&env);
			return rkt_error_set(err, EINVAL,
			                     "environment variable \"%s\": names may not be empty "
			                     "or contain '=' or a newline, values no newline",
			                     kv->name);
		}
		rkt_kv_index_set(&ix, &env, kv->name, kv->value);
	}
	/* ACE-18: an explicit PATH is kept; the rest are defaults too. */
	static const char *const defaults[] = { "PATH", "SHELL", "USER", "LOGNAME", "HOME" };
	const char *values[] = { RKT_DEFAULT_PATH, "/bin/sh", user, user, home };
	for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
		if (rkt_kv_index_find(&ix, &env, defaults[i]) < 0)
			rkt_kv_index_set(&ix, &env, defaults[i], values[i]);
	/* ACE-16/18: the executor's own variables win over the app's. */
	rkt_kv_index_set(&ix, &env, "AC_APP_NAME", opts->app_name);
	rkt_kv_index_set(&ix, &env, "container", "rkt");
	if (opts->metadata_url)
		rkt_kv_index_set(&ix, &env, "AC_METADATA_URL", opts->metadata_url);

	char **envp = xmalloc_array(env.n + 1, sizeof(char *));
	for (size_t i = 0; i < env.n; i++)
		envp[i] = xasprintf("%s=%s", env.items[i].name, env.items[i].value);
	envp[env.n] = NULL;
	rkt_kv_list_release(&env);
	*ret = envp;
	return 0;
}
