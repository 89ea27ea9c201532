/* A pod's networks as stage1 recorded them ($P/net/plan.json, $P/net-info.json; see
 * docs/networking.md): detaching them (CNI DEL in reverse), removing the namespace's bind mount,
 * and what the plugins leave behind: portmap's shared chains when unused, and rules of the pod
 * that a DEL without its namespace could not find. Used by stage1's gc entrypoint and by stage0's
 * gc when that entrypoint cannot be reached. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/cni.h"
#include "pod/layout.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/io.h"
#include "util/json-util.h"
#include "util/xalloc.h"

#define PORTMAP_LOCK "/run/rkt-cni-portmap.lock"

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;
	return rkt_json_get(o, key, json_type_string, &v) ? json_object_get_string(v) : NULL;
}

void rkt_cni_netns_remove(const char *path)
{
	(void)umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	(void)unlink(path);
}

bool rkt_cni_netns_mounted(const char *path)
{
	struct stat a, b;
	/* an nsfs bind mount is not a directory and sits on another device than its dir */
	return stat(path, &a) == 0 && stat(RKT_CNI_NETNS_DIR, &b) == 0 && a.st_dev != b.st_dev;
}

/* portmap's shared chains:
 * portmap leaves its top-level chains (CNI-HOSTPORT-DNAT, -MASQ, -SETMARK and their jumps) in
 * place after the last DEL. When the DNAT chain is empty no container uses them: we remove them,
 * under an exclusive lock that setup holds shared while it runs a chain with portmap, so that a
 * pod being set up never sees them vanish (other CNI users recreate them on their next ADD). */
int rkt_cni_portmap_lock(int op)
{
	int fd = open(PORTMAP_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, op) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Runs ARGV (PATH lookup) with stdout to OUT (may be NULL); its exit status or -1. */
static int run(char *const argv[], char **out)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (dup2(p[1], STDOUT_FILENO) < 0 || (null >= 0 && dup2(null, STDERR_FILENO) < 0))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	char *buf = NULL;
	size_t len;
	if (rkt_read_fd(p[0], 1024 * 1024, &buf, &len) < 0)
		buf = NULL;
	close(p[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

void rkt_cni_portmap_chains_remove(void)
{
	int fd = rkt_cni_portmap_lock(LOCK_EX);
	for (int v6 = 0; v6 < 2; v6++) {
		char *ipt = v6 ? "ip6tables" : "iptables";
		char *list[] = { ipt, "-w", "-t", "nat", "-S", "CNI-HOSTPORT-DNAT", NULL };
		_cleanup_free_ char *out = NULL;
		if (run(list, &out) != 0 || !out || strcmp(out, "-N CNI-HOSTPORT-DNAT\n") != 0)
			continue;
		char *cmds[][14] = {
			{ ipt, "-w", "-t", "nat", "-D", "PREROUTING", "-m", "addrtype",
			  "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT", NULL },
			{ ipt, "-w", "-t", "nat", "-D", "OUTPUT", "-m", "addrtype", "--dst-type",
			  "LOCAL", "-j", "CNI-HOSTPORT-DNAT", NULL },
			{ ipt, "-w", "-t", "nat", "-D", "POSTROUTING", "-m", "comment", "--comment",
			  "CNI portfwd requiring masquerade", "-j", "CNI-HOSTPORT-MASQ", NULL },
			{ ipt, "-w", "-t", "nat", "-X", "CNI-HOSTPORT-DNAT", NULL },
			{ ipt, "-w", "-t", "nat", "-F", "CNI-HOSTPORT-MASQ", NULL },
			{ ipt, "-w", "-t", "nat", "-X", "CNI-HOSTPORT-MASQ", NULL },
			{ ipt, "-w", "-t", "nat", "-F", "CNI-HOSTPORT-SETMARK", NULL },
			{ ipt, "-w", "-t", "nat", "-X", "CNI-HOSTPORT-SETMARK", NULL },
		};
		for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
			(void)run(cmds[i], NULL);
	}
	if (fd >= 0)
		close(fd);
}

bool rkt_cni_plan_has_portmap(struct json_object *plan)
{
	struct json_object *nets, *conf, *plugins, *t;
	if (!rkt_json_get(plan, "networks", json_type_array, &nets))
		return false;
	for (size_t i = 0; i < json_object_array_length(nets); i++)
		if (rkt_json_get(json_object_array_get_idx(nets, i), "conf", json_type_object,
		                 &conf) &&
		    rkt_json_get(conf, "plugins", json_type_array, &plugins))
			for (size_t k = 0; k < json_object_array_length(plugins); k++)
				if (rkt_json_get(json_object_array_get_idx(plugins, k), "type",
				                 json_type_string, &t) &&
				    strcmp(json_object_get_string(t), "portmap") == 0)
					return true;
	return false;
}

/* Detaches the networks [0, N) of PLAN in reverse with their results of INFO (NULL: none). */
int rkt_cni_detach(const struct json_object *plan_c, size_t n, struct json_object *info,
                   int lock_fd, struct rkt_error *err)
{
	struct json_object *plan = (struct json_object *)plan_c, *nets;
	const char *netns = str(plan, "netns");
	int first = 0;

	if (!rkt_json_get(plan, "networks", json_type_array, &nets))
		return 0;
	bool have_ns = netns && rkt_cni_netns_mounted(netns);
	for (size_t i = n; i-- > 0;) {
		struct json_object *o = json_object_array_get_idx(nets, i), *conf = NULL,
		                   *rc = NULL;
		struct json_object *prev = NULL;
		(void)rkt_json_get(o, "conf", json_type_object, &conf);
		(void)rkt_json_get(o, "runtimeConfig", json_type_object, &rc);
		for (size_t j = 0; info && j < json_object_array_length(info); j++) {
			struct json_object *ni = json_object_array_get_idx(info, j);
			const char *nn = str(ni, "netName");
			if (nn && str(o, "name") && strcmp(nn, str(o, "name")) == 0)
				(void)rkt_json_get(ni, "result", json_type_object, &prev);
		}
		const struct rkt_cni_exec e = {
			.command = "DEL",
			.container_id = str(plan, "containerID"),
			.netns = have_ns ? netns : "",
			.ifname = str(o, "ifName"),
			.args = str(o, "args"),
			.path = str(plan, "cniPath"),
			.keep_fds = { lock_fd, -1 },
		};
		struct rkt_error e2 = { 0 };
		int r = conf ? rkt_cni_del(&e, conf, rc, prev, &e2) : 0;
		if (r < 0 && first == 0) {
			first = r;
			*err = e2;
		}
	}
	if (netns)
		rkt_cni_netns_remove(netns);
	return first;
}

/* A path of ours: PREFIX/NAME without "..". */
static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return path && strncmp(path, prefix, n) == 0 && path[n] == '/' && !strstr(path, "/..");
}

/* DEL of every network of PLAN (INFO: the results, may be NULL), the rules DEL could not find,
 * portmap's unused chains, the namespace and the record. */
static int teardown(struct json_object *plan, struct json_object *info, int lock_fd,
                    struct rkt_error *err)
{
	struct json_object *nets;
	const char *netns = str(plan, "netns"), *record = str(plan, "record");

	if (!path_under(netns, RKT_CNI_NETNS_DIR))
		return rkt_error_set(err, EBADMSG, "'" RKT_POD_NET_PLAN "': bad netns");
	if (!rkt_json_get(plan, "networks", json_type_array, &nets))
		return rkt_error_set(err, EBADMSG, "'" RKT_POD_NET_PLAN "': no networks");
	int r = rkt_cni_detach(plan, json_object_array_length(nets), info, lock_fd, err);
	/* whatever DEL left: ptp's and bridge's DEL find their masquerade rules by the addresses
	 * of the pod's interface, so they leave them when the namespace is gone or the interface
	 * lost its addresses (the apps' to change, or someone's with `ip netns exec`) */
	rkt_cni_rules_remove(str(plan, "containerID"));
	if (rkt_cni_plan_has_portmap(plan))
		rkt_cni_portmap_chains_remove();
	if (path_under(record, RKT_CNI_RECORD_DIR))
		(void)unlink(record);
	return r;
}

int rkt_cni_pod_teardown(int podfd, int lock_fd, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *plan = NULL, *info = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = rkt_read_file_at(podfd, RKT_POD_NET_PLAN, &buf, &len, NULL);
	if (r == -ENOENT) {
		/* killed before the plan was written: only the netns can be there */
		_cleanup_free_ char *ns = NULL;
		if (rkt_read_file_at(podfd, RKT_POD_NETNS, &ns, NULL, NULL) == 0) {
			ns[strcspn(ns, "\n")] = '\0';
			if (path_under(ns, RKT_CNI_NETNS_DIR))
				rkt_cni_netns_remove(ns);
		}
		return 0;
	}
	if (r < 0 || rkt_json_parse(buf, len, "'" RKT_POD_NET_PLAN "'", &plan, err) < 0)
		return r < 0 ? rkt_error_set(err, -r, "'" RKT_POD_NET_PLAN "'") : -EBADMSG;
	free(buf);
	buf = NULL;
	if (rkt_read_file_at(podfd, RKT_POD_NET_INFO, &buf, &len, NULL) == 0)
		(void)rkt_json_parse(buf, len, "'" RKT_POD_NET_INFO "'", &info, NULL);
	r = teardown(plan, info, lock_fd, err);
	/* done (or attempted): a second gc does not run DEL again (upstream's net/ removal) */
	if (r != -EBADMSG)
		(void)unlinkat(podfd, RKT_POD_NET_PLAN, 0);
	return r;
}

/* CNI CHECK came with 0.4.0: whether version V ("0.4.0", "1.0.0") has it. */
static bool has_check(const char *v)
{
	unsigned maj = 0, min = 0;
	return v && sscanf(v, "%u.%u", &maj, &min) == 2 && (maj > 0 || min >= 4);
}

int rkt_cni_pod_check(int podfd,
                      void (*report)(void *userdata, const char *net, enum rkt_cni_check_status st,
                                     const struct rkt_error *err),
                      void *userdata, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *plan = NULL, *info = NULL;
	_cleanup_free_ char *buf = NULL;
	struct json_object *nets;
	size_t len;
	int r, failed = 0;

	r = rkt_read_file_at(podfd, RKT_POD_NET_PLAN, &buf, &len, NULL);
	if (r == -ENOENT)
		return rkt_error_input(err, ENOENT, "the pod has no CNI networks");
	if (r < 0 || rkt_json_parse(buf, len, "'" RKT_POD_NET_PLAN "'", &plan, err) < 0)
		return r < 0 ? rkt_error_set(err, -r, "'" RKT_POD_NET_PLAN "'") : -EBADMSG;
	free(buf);
	buf = NULL;
	r = rkt_read_file_at(podfd, RKT_POD_NET_INFO, &buf, &len, NULL);
	if (r < 0 || rkt_json_parse(buf, len, "'" RKT_POD_NET_INFO "'", &info, err) < 0)
		return r < 0 ? rkt_error_set(err, -r, "'" RKT_POD_NET_INFO "'") : -EBADMSG;
	const char *netns = str(plan, "netns");
	if (!rkt_json_get(plan, "networks", json_type_array, &nets) ||
	    !path_under(netns, RKT_CNI_NETNS_DIR))
		return rkt_error_set(err, EBADMSG, "'" RKT_POD_NET_PLAN "': bad plan");
	bool have_ns = rkt_cni_netns_mounted(netns);
	/* the networks attached, in order: those with a result */
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		struct json_object *o = json_object_array_get_idx(nets, i), *conf = NULL,
		                   *rc = NULL, *prev = NULL, *ver;
		const char *name = str(o, "name");
		for (size_t j = 0; name && json_object_is_type(info, json_type_array) &&
		                   j < json_object_array_length(info);
		     j++) {
			struct json_object *ni = json_object_array_get_idx(info, j);
			if (str(ni, "netName") && strcmp(str(ni, "netName"), name) == 0)
				(void)rkt_json_get(ni, "result", json_type_object, &prev);
		}
		if (!name || !prev || !rkt_json_get(o, "conf", json_type_object, &conf))
			continue;
		(void)rkt_json_get(o, "runtimeConfig", json_type_object, &rc);
		struct rkt_error e2 = { 0 };
		if (!rkt_json_get(conf, "cniVersion", json_type_string, &ver) ||
		    !has_check(json_object_get_string(ver))) {
			report(userdata, name, RKT_CNI_CHECK_UNSUPPORTED, NULL);
			continue;
		}
		if (!have_ns) {
			rkt_error_set(&e2, ENOENT, "network '%s': the namespace '%s' is gone", name,
			              netns);
			r = -ENOENT;
		} else {
			const struct rkt_cni_exec e = {
				.command = "CHECK",
				.container_id = str(plan, "containerID"),
				.netns = netns,
				.ifname = str(o, "ifName"),
				.args = str(o, "args"),
				.path = str(plan, "cniPath"),
				.keep_fds = { -1, -1 },
			};
			r = rkt_cni_check(&e, conf, rc, prev, &e2);
		}
		failed += r < 0;
		report(userdata, name, r < 0 ? RKT_CNI_CHECK_FAILED : RKT_CNI_CHECK_OK,
		       r < 0 ? &e2 : NULL);
	}
	return failed;
}

/* ---- records outside the pod directory: the sweep of pods that vanished ---- */

/* FNV-1a: a short, stable key for a data dir path in a file name. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

char *rkt_cni_record_path(const char *data_dir, const char *uuid)
{
	return xasprintf(RKT_CNI_RECORD_DIR "/%016" PRIx64 "-%s.json", fnv1a(data_dir), uuid);
}

int rkt_cni_record_write(struct json_object *plan, const char *data_dir, const char *uuid,
                         int *ret_fd, struct rkt_error *err)
{
	const char *path = str(plan, "record");
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!path_under(path, RKT_CNI_RECORD_DIR))
		return rkt_error_set(err, EINVAL, "network record: bad path");
	r = rkt_mkdir_p_at(AT_FDCWD, RKT_CNI_RECORD_DIR, 0700, err);
	if (r < 0)
		return r;
	struct json_object *rec = json_object_new_object();
	json_object_object_add(rec, "dataDir", json_object_new_string(data_dir));
	json_object_object_add(rec, "uuid", json_object_new_string(uuid));
	json_object_object_add(rec, "plan", json_object_get(plan));
	_cleanup_free_ char *s = rkt_json_format(rec, true);
	json_object_put(rec);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return rkt_error_set(err, errno, "create '%s'", path);
	/* held while the pod lives: a sweep never takes a live pod's networks */
	if (flock(fd, LOCK_SH) < 0 || rkt_write_all(fd, s, strlen(s)) < 0) {
		r = rkt_error_set(err, errno, "write '%s'", path);
		(void)unlink(path);
		return r;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Tears down the networks of record NAME of RECORD_DIR if its pod is gone; 1 if it did. */
static int sweep_one(const char *name, const char *data_dir,
                     bool (*exists)(void *userdata, const char *uuid), void *userdata,
                     struct rkt_error *err)
{
	_cleanup_free_ char *path = xasprintf(RKT_CNI_RECORD_DIR "/%s", name), *buf = NULL;
	_cleanup_(json_object_putp) struct json_object *rec = NULL;
	struct json_object *plan;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	size_t len;

	/* busy: a stage1 still holds it (its pod lives, maybe in another mount namespace) */
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0 || st.st_nlink == 0)
		return 0;
	if (rkt_read_fd(fd, 4 * 1024 * 1024, &buf, &len) < 0 ||
	    rkt_json_parse(buf, len, path, &rec, NULL) < 0 ||
	    !rkt_json_get(rec, "plan", json_type_object, &plan))
		return 0;
	const char *dd = str(rec, "dataDir"), *uuid = str(rec, "uuid"), *id = str(plan, "record");
	/* another data dir's (a hash collision), or not the record it names */
	if (!dd || !uuid || strcmp(dd, data_dir) != 0 || !id || strcmp(id, path) != 0 ||
	    strlen(uuid) != 36 || exists(userdata, uuid))
		return 0;
	_cleanup_free_ char *ns = xasprintf(RKT_CNI_NETNS_DIR "/rkt-%s", uuid);
	if (!str(plan, "netns") || strcmp(str(plan, "netns"), ns) != 0)
		return 0;
	int r = teardown(plan, NULL, -1, err);
	(void)unlink(path);
	return r < 0 ? r : 1;
}

int rkt_cni_sweep(const char *data_dir, bool (*exists)(void *userdata, const char *uuid),
                  void (*swept)(void *userdata, const char *uuid, const struct rkt_error *err),
                  void *userdata)
{
	_cleanup_free_ char *prefix = rkt_cni_record_path(data_dir, "");
	const char *base = prefix + strlen(RKT_CNI_RECORD_DIR) + 1;
	size_t n = strlen(base) - strlen(".json");
	_cleanup_closedir_ DIR *d = opendir(RKT_CNI_RECORD_DIR);
	struct dirent *de;
	int count = 0;

	while (d && (de = readdir(d))) {
		struct rkt_error e = { 0 };
		if (strncmp(de->d_name, base, n) != 0 || strlen(de->d_name) != n + 36 + 5)
			continue;
		int r = sweep_one(de->d_name, data_dir, exists, userdata, &e);
		if (r != 0) {
			_cleanup_free_ char *uuid = xstrndup(de->d_name + n, 36);
			count++;
			if (swept)
				swept(userdata, uuid, r < 0 ? &e : NULL);
		}
	}
	return count;
}
/* Splits an `iptables -S` line into words, undoing its double quotes and backslashes. */
static char **split_rule(const char *line, size_t *ret_n)
{
	char **v = NULL, *w = xmalloc(strlen(line) + 1);
	size_t n = 0, cap = 0;
	const char *p = line;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		char *o = w;
		bool q = false;
		for (; *p && *p != '\n' && (q || *p != ' '); p++) {
			if (*p == '"')
				q = !q;
			else if (*p == '\\' && p[1])
				*o++ = *++p;
			else
				*o++ = *p;
		}
		*o = '\0';
		xgrow((void **)&v, &cap, n + 2, sizeof(*v));
		v[n++] = xstrdup(w);
	}
	free(w);
	*ret_n = n;
	return v;
}

static void free_words(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* CHAIN names a chain of one container (CNI-<hash>, CNI-DN-<hash>): never portmap's shared
 * CNI-HOSTPORT-* (rkt_cni_portmap_chains_remove), nor a built-in one. */
static bool own_chain(const char *chain)
{
	return strncmp(chain, "CNI-", 4) == 0 && strncmp(chain, "CNI-HOSTPORT-", 13) != 0;
}

static void add_chain(char ***v, size_t *n, size_t *cap, const char *table, const char *chain,
                      bool flush)
{
	/* "F table chain" (flush, then delete) or "X table chain" (delete if empty) */
	_cleanup_free_ char *e = xasprintf("%c %s %s", flush ? 'F' : 'X', table, chain);
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i] + 1, e + 1) == 0) {
			if (flush)
				(*v)[i][0] = 'F';
			return;
		}
	xgrow((void **)v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = TAKE_PTR(e);
}

/* Every table's rules of IPT (iptables-save's form: "*table" lines, then "-A ..." lines), or
 * NULL. Without iptables-save, the tables the plugins use, one by one. */
static char *save_rules(const char *ipt)
{
	_cleanup_free_ char *save = xasprintf("%s-save", ipt);
	char *argv[] = { save, NULL };
	char *out = NULL;
	if (run(argv, &out) == 0 && out)
		return out;
	free(out);
	static const char *const tables[] = { "nat", "filter", "mangle" };
	char *all = xstrdup("");
	for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
		char *list[] = { (char *)ipt, "-w", "-t", (char *)tables[t], "-S", NULL };
		_cleanup_free_ char *o = NULL;
		if (run(list, &o) != 0 || !o)
			continue;
		char *n = xasprintf("%s*%s\n%s", all, tables[t], o);
		free(all);
		all = n;
	}
	return all;
}

void rkt_cni_rules_remove(const char *container_id)
{
	if (!container_id || !container_id[0])
		return;
	_cleanup_free_ char *needle = xasprintf("id: \\\"%s\\\"", container_id);
	for (int v6 = 0; v6 < 2; v6++) {
		char *ipt = v6 ? "ip6tables" : "iptables";
		_cleanup_free_ char *out = save_rules(ipt), *table = NULL;
		if (!out || !strstr(out, needle))
			continue;
		char **chains = NULL;
		size_t n_chains = 0, cap = 0;
		for (char *line = out; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (line[0] == '*') {
				free(table);
				table = xstrdup(line + 1);
			} else if (table && strncmp(line, "-A ", 3) == 0 && strstr(line, needle)) {
				size_t n;
				char **w = split_rule(line, &n);
				char **argv = xzalloc(sizeof(*argv) * (n + 6));
				argv[0] = ipt;
				argv[1] = "-w";
				argv[2] = "-t";
				argv[3] = table;
				argv[4] = "-D";
				for (size_t i = 1; i < n; i++) {
					argv[4 + i] = w[i];
					/* the chain it jumps to: the pod's own */
					if (strcmp(w[i - 1], "-j") == 0 && own_chain(w[i]))
						add_chain(&chains, &n_chains, &cap, table, w[i],
						          true);
				}
				/* the chain it is in: the pod's own if a CNI-<hash> one (ADD
				 * stopped before the jump to it); removed only once empty */
				if (n > 1 && own_chain(w[1]))
					add_chain(&chains, &n_chains, &cap, table, w[1], false);
				(void)run(argv, NULL);
				free(argv);
				free_words(w, n);
			}
			line = nl ? nl + 1 : NULL;
		}
		for (size_t i = 0; i < n_chains; i++) {
			char *t = chains[i] + 2, *chain = strchr(t, ' ');
			*chain++ = '\0';
			char *f[] = { ipt, "-w", "-t", t, "-F", chain, NULL };
			char *x[] = { ipt, "-w", "-t", t, "-X", chain, NULL };
			if (chains[i][0] == 'F')
				(void)run(f, NULL);
			(void)run(x, NULL);
		}
		free_words(chains, n_chains);
	}
}
