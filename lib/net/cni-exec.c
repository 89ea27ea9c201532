/* Running CNI plugins as the protocol says: the operation in CNI_* environment variables, the
 * network configuration on stdin, the result (or an error object) on stdout (see cni.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/cni.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/io.h"
#include "util/json-util.h"
#include "util/xalloc.h"

extern char **environ;

#define CNI_OUTPUT_MAX (1024 * 1024)

char *rkt_cni_find_plugin(const char *path, const char *type)
{
	_cleanup_free_ char *copy = xstrdup(path ?: "");
	char *save = NULL;

	if (!type[0] || strchr(type, '/') || strcmp(type, ".") == 0 || strcmp(type, "..") == 0)
		return NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, type);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Our environment without CNI_*, then E's variables. */
static char **plugin_env(const struct rkt_cni_exec *e)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **v = xzalloc(sizeof(*v) * (n + 8));
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CNI_", 4) != 0)
			v[k++] = xstrdup(environ[i]);
	v[k++] = xasprintf("CNI_COMMAND=%s", e->command);
	v[k++] = xasprintf("CNI_CONTAINERID=%s", e->container_id ?: "");
	v[k++] = xasprintf("CNI_NETNS=%s", e->netns ?: "");
	v[k++] = xasprintf("CNI_IFNAME=%s", e->ifname ?: "");
	v[k++] = xasprintf("CNI_ARGS=%s", e->args ?: "");
	v[k++] = xasprintf("CNI_PATH=%s", e->path ?: "");
	return v;
}

static void free_env(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The message of an error result {"code","msg","details"}, or NULL. */
static char *error_message(const char *out, size_t len)
{
	_cleanup_(json_object_putp) struct json_object *o = NULL;
	struct json_object *v;
	const char *msg = NULL, *details = NULL;
	int code = 0;

	if (rkt_json_parse(out, len, "plugin output", &o, NULL) < 0 ||
	    !json_object_is_type(o, json_type_object))
		return NULL;
	if (rkt_json_get(o, "msg", json_type_string, &v))
		msg = json_object_get_string(v);
	if (rkt_json_get(o, "details", json_type_string, &v))
		details = json_object_get_string(v);
	if (rkt_json_get(o, "code", json_type_int, &v))
		code = json_object_get_int(v);
	if (!msg)
		return NULL;
	return details && details[0] ? xasprintf("%s (%s; CNI error %d)", msg, details, code)
	                             : xasprintf("%s (CNI error %d)", msg, code);
}

int rkt_cni_exec(const struct rkt_cni_exec *e, const char *type, const char *input, char **ret_out,
                 struct rkt_error *err)
{
	_cleanup_free_ char *plugin = rkt_cni_find_plugin(e->path, type), *out = NULL;
	int in[2], outp[2], ws, r;
	size_t len = 0;
	pid_t pid;

	if (!plugin)
		return rkt_error_input(err, ENOENT, "CNI plugin '%s' not found in '%s'", type,
		                       e->path ?: "");
	if (pipe2(in, O_CLOEXEC) < 0)
		return rkt_error_set(err, errno, "pipe");
	if (pipe2(outp, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return rkt_error_set(err, errno, "pipe");
	}
	char **env = plugin_env(e);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(in[0]);
		close(in[1]);
		close(outp[0]);
		close(outp[1]);
		free_env(env);
		return rkt_error_set(err, -r, "fork");
	}
	if (pid == 0) {
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(outp[1], STDOUT_FILENO) < 0)
			_exit(127);
		/* the pod's locks are held until the plugin is done, even if we die first */
		for (size_t i = 0; i < ELEMENTSOF(e->keep_fds); i++)
			if (e->keep_fds[i] > STDERR_FILENO)
				(void)fcntl(e->keep_fds[i], F_SETFD, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		char *argv[] = { plugin, NULL };
		execve(plugin, argv, env);
		_exit(127);
	}
	free_env(env);
	close(in[0]);
	close(outp[1]);
	/* a plugin that exits without reading all its input must not kill us */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	r = rkt_write_all(in[1], input, strlen(input));
	sigaction(SIGPIPE, &old, NULL);
	close(in[1]);
	int rr = rkt_read_fd(outp[0], CNI_OUTPUT_MAX, &out, &len);
	close(outp[0]);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return rkt_error_set(err, errno, "CNI plugin '%s': waitpid", type);
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && rr >= 0) {
		if (ret_out)
			*ret_out = TAKE_PTR(out);
		return 0;
	}
	_cleanup_free_ char *msg = rr >= 0 && out ? error_message(out, len) : NULL;
	if (msg)
		return rkt_error_input(err, EIO, "CNI plugin '%s' %s: %s", type, e->command, msg);
	if (WIFSIGNALED(ws))
		return rkt_error_input(err, EIO, "CNI plugin '%s' %s: killed by signal %d", type,
		                       e->command, WTERMSIG(ws));
	if (r < 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return rkt_error_set(err, -r, "CNI plugin '%s' %s: writing its input", type,
		                     e->command);
	return rkt_error_input(err, EIO, "CNI plugin '%s' %s: exit status %d", type, e->command,
	                       WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
}

static size_t n_plugins(struct json_object *list)
{
	struct json_object *p;
	return rkt_json_get(list, "plugins", json_type_array, &p) ? json_object_array_length(p) : 0;
}

static const char *plugin_type(struct json_object *list, size_t i)
{
	struct json_object *p, *t;
	(void)rkt_json_get(list, "plugins", json_type_array, &p);
	return rkt_json_get(json_object_array_get_idx(p, i), "type", json_type_string, &t)
	               ? json_object_get_string(t)
	               : "";
}

static const char *list_name(struct json_object *list)
{
	struct json_object *t;
	return rkt_json_get(list, "name", json_type_string, &t) ? json_object_get_string(t) : "";
}

/* DEL of plugins [0, N) in reverse; the first error is kept. */
static int del_first(const struct rkt_cni_exec *e, struct json_object *list, size_t n,
                     struct json_object *runtime, struct json_object *prev, struct rkt_error *err)
{
	struct rkt_cni_exec d = *e;
	int first = 0;

	d.command = "DEL";
	for (size_t i = n; i-- > 0;) {
		_cleanup_free_ char *in = rkt_cni_plugin_input(list, i, prev, runtime);
		struct rkt_error e2 = { 0 };
		int r = rkt_cni_exec(&d, plugin_type(list, i), in, NULL, &e2);
		if (r < 0 && first == 0) {
			first = r;
			if (err)
				*err = e2;
		}
	}
	return first;
}

int rkt_cni_add(const struct rkt_cni_exec *e, struct json_object *list, struct json_object *runtime,
                struct json_object **ret, struct rkt_error *err)
{
	struct json_object *prev = NULL;
	size_t n = n_plugins(list);
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *in = rkt_cni_plugin_input(list, i, prev, runtime), *out = NULL;
		_cleanup_free_ char *what =
		        xasprintf("result of CNI plugin '%s'", plugin_type(list, i));
		struct json_object *res = NULL;

		r = rkt_cni_exec(e, plugin_type(list, i), in, &out, err);
		if (r >= 0)
			r = rkt_json_parse(out ?: "", out ? strlen(out) : 0, what, &res, err);
		if (r >= 0 && !json_object_is_type(res, json_type_object)) {
			json_object_put(res);
			r = rkt_error_set(err, EBADMSG, "%s: not a JSON object", what);
		}
		if (r < 0) {
			/* the spec: a failed ADD is followed by DEL (the failed plugin
			 * included), so that nothing it did half-way stays */
			(void)del_first(e, list, i + 1, runtime, prev, NULL);
			json_object_put(prev);
			return rkt_error_wrap(err, r, "network '%s'", list_name(list));
		}
		json_object_put(prev);
		prev = res;
	}
	*ret = prev ?: json_object_new_object();
	return 0;
}

int rkt_cni_del(const struct rkt_cni_exec *e, struct json_object *list, struct json_object *runtime,
                struct json_object *prev, struct rkt_error *err)
{
	int r = del_first(e, list, n_plugins(list), runtime, prev, err);
	return r < 0 ? rkt_error_wrap(err, r, "network '%s'", list_name(list)) : 0;
}

int rkt_cni_check(const struct rkt_cni_exec *e, struct json_object *list,
                  struct json_object *runtime, struct json_object *prev, struct rkt_error *err)
{
	struct rkt_cni_exec c = *e;
	c.command = "CHECK";
	for (size_t i = 0; i < n_plugins(list); i++) {
		_cleanup_free_ char *in = rkt_cni_plugin_input(list, i, prev, runtime);
		int r = rkt_cni_exec(&c, plugin_type(list, i), in, NULL, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "network '%s'", list_name(list));
	}
	return 0;
}
