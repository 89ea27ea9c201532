/* Host volumes checked in stage0 (see prepare.h): stage1 would otherwise fail to bind-mount a
 * missing source after the pod directory exists. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "pod/prepare.h"

static int host_source_check(const struct rkt_volume *v, struct rkt_error *err)
{
	struct stat st;

	if (!v->kind || strcmp(v->kind, "host") != 0 || !v->source)
		return 0;
	if (stat(v->source, &st) < 0)
		return rkt_error_set(err, errno, "volume '%s': source '%s'", v->name, v->source);
	return 0;
}

int rkt_pod_volumes_check(const struct rkt_pod_manifest *m, struct rkt_error *err)
{
	int r = 0;

	for (size_t i = 0; i < m->n_volumes && r >= 0; i++)
		r = host_source_check(&m->volumes[i], err);
	for (size_t i = 0; i < m->n_apps && r >= 0; i++)
		for (size_t j = 0; j < m->apps[i].n_mounts && r >= 0; j++)
			if (m->apps[i].mounts[j].app_volume)
				r = host_source_check(m->apps[i].mounts[j].app_volume, err);
	return r;
}
