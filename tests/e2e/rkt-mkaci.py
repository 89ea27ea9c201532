#!/usr/bin/env python3
"""Builds a small ACI for the rkt end-to-end tests, entry by entry (so that tests control the
exact tar stream, hostile entries included).

  rkt-mkaci.py OUT --name NAME [--label K=V]... [--dep NAME[,K=V...][,size=BYTES]]...
               [--whitelist PATH]...
               [--file PATH=CONTENT]... [--symlink PATH=TARGET]... [--dir PATH]...
               [--big PATH=BYTES] [--gzip]

PATHs are inside the rootfs ("/etc/hosts"). Entries are written in the order given by kind:
directories, files, symlinks; every missing parent directory gets its own entry first."""
import argparse, gzip, io, json, os, tarfile

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--name", required=True)
p.add_argument("--label", action="append", default=[])
p.add_argument("--dep", action="append", default=[])
p.add_argument("--whitelist", action="append", default=[])
p.add_argument("--file", action="append", default=[])
p.add_argument("--symlink", action="append", default=[])
p.add_argument("--dir", action="append", default=[])
p.add_argument("--big", action="append", default=[])
p.add_argument("--gzip", action="store_true")
a = p.parse_args()

manifest = {"acKind": "ImageManifest", "acVersion": "0.8.11", "name": a.name}
if a.label:
    manifest["labels"] = [{"name": k, "value": v} for k, v in (l.split("=", 1) for l in a.label)]
if a.dep:
    deps = []
    for d in a.dep:
        parts = d.split(",")
        dep = {"imageName": parts[0]}
        kvs = [x.split("=", 1) for x in parts[1:]]
        if any(k == "size" for k, _ in kvs):
            dep["size"] = int(dict(kvs)["size"])
        labels = [{"name": k, "value": v} for k, v in kvs if k != "size"]
        if labels:
            dep["labels"] = labels
        deps.append(dep)
    manifest["dependencies"] = deps
if a.whitelist:
    manifest["pathWhitelist"] = a.whitelist

buf = io.BytesIO()
seen = set()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    def add(name, type_=tarfile.DIRTYPE, data=b"", target=None, mode=0o755):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.mtime, ti.uid, ti.gid = type_, mode, 1500000000, 0, 0
        if target is not None:
            ti.linkname = target
        ti.size = len(data) if type_ == tarfile.REGTYPE else 0
        t.addfile(ti, io.BytesIO(data) if type_ == tarfile.REGTYPE else None)

    def parents(path):
        parts = path.strip("/").split("/")[:-1]
        for i in range(len(parts)):
            d = "rootfs/" + "/".join(parts[: i + 1])
            if d not in seen:
                seen.add(d)
                add(d)

    m = json.dumps(manifest).encode()
    add("manifest", tarfile.REGTYPE, m, mode=0o644)
    add("rootfs")
    for d in a.dir:
        parents(d + "/x")
    for f in a.file:
        path, content = f.split("=", 1)
        parents(path)
        add("rootfs" + path, tarfile.REGTYPE, content.encode(), mode=0o644)
    for f in a.big:
        path, n = f.split("=", 1)
        parents(path)
        add("rootfs" + path, tarfile.REGTYPE, os.urandom(int(n)), mode=0o644)
    for s in a.symlink:
        path, target = s.split("=", 1)
        parents(path)
        add("rootfs" + path, tarfile.SYMTYPE, target=target, mode=0o777)

data = buf.getvalue()
with open(a.out, "wb") as f:
    f.write(gzip.compress(data, mtime=0) if a.gzip else data)
