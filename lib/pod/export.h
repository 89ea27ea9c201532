/* Exporting the app of an exited pod as an ACI: the app's image manifest and its root
 * filesystem as the app left it (the image's tree with the app's writes applied). */
#pragma once

#include <stdbool.h>

#include "pod/pod.h"
#include "util/error.h"

/* Writes OUT (gzip-compressed ACI) from APP of POD, which the caller has checked is not
 * running. Mounts the app's root under the pod directory for the duration (the caller must be
 * root) and removes it again. -EEXIST if OUT exists and !OVERWRITE. */
int rkt_pod_export_app(const struct rkt_pod *pod, const char *app, const char *out, bool overwrite,
                       struct rkt_error *err);
