#!/usr/bin/env python3
"""Writes an OCI image layout (index.json, oci-layout, blobs/sha256/) from a JSON spec on
stdin, for tests that need layers no tool would write (hostile entries, lying descriptors).

Spec: {"tag": "v1", "config": {...image config "config" object...},
       "layers": [[entry, ...], ...],  entry: {"name", "type": file|dir|symlink|hardlink|chr,
                                               "data", "target"}
       "zeros": [K, N]        a last layer: K files of N MiB of zeros each, gzip'd
       "short_size": true     descriptors of layers say one byte less than the blob has
       "bad_digest": true     the first layer's blob is changed after it was hashed
       "index_platform": [os, arch]  the manifest goes behind an image index with this platform
       "raw_layer": true      layers are plain tars (else gzip)}
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def layer_tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            ti = tarfile.TarInfo(e["name"])
            ti.mtime = 0
            kind = e.get("type", "file")
            data = e.get("data", "").encode()
            if kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            elif kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, e["target"]
            elif kind == "hardlink":
                ti.type, ti.linkname = tarfile.LNKTYPE, e["target"]
            elif kind == "chr":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
            else:
                ti.mode, ti.size = 0o644, len(data)
            t.addfile(ti, io.BytesIO(data) if kind == "file" else None)
    return buf.getvalue()


def zeros(files, mib):
    """A gzip'd tar of FILES files of MIB MiB of zeros (it expands about 1000 times), written
    piece by piece; returns it and the sha256 of the tar (its diff id)."""
    out = io.BytesIO()
    diff = hashlib.sha256()
    chunk = bytes(1 << 20)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as g:
        def put(b):
            diff.update(b)
            g.write(b)
        for i in range(files):
            ti = tarfile.TarInfo("zeros%d" % i if files > 1 else "zeros")
            ti.size, ti.mode = mib << 20, 0o644
            put(ti.tobuf(format=tarfile.PAX_FORMAT))
            for _ in range(mib):
                put(chunk)
        put(bytes(1024))
    return out.getvalue(), diff.hexdigest()


def main():
    out = sys.argv[1]
    spec = json.load(sys.stdin)
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    layers, diff_ids = [], []
    blobs = []
    for entries in spec.get("layers", []):
        raw = layer_tar(entries)
        data = raw if spec.get("raw_layer") else gzip.compress(raw, mtime=0)
        blobs.append((data, hashlib.sha256(raw).hexdigest()))
    if spec.get("zeros"):
        blobs.append(zeros(*spec["zeros"]))
    for i, (data, diff) in enumerate(blobs):
        d = blob(out, data)
        if i == 0 and spec.get("bad_digest"):
            with open(os.path.join(out, "blobs", "sha256", d[7:]), "r+b") as f:
                f.seek(len(data) // 2)
                f.write(b"\x00" if data[len(data) // 2] != 0 else b"\x01")
        size = len(data) - 1 if spec.get("short_size") else len(data)
        mt = "application/vnd.oci.image.layer.v1.tar" + ("" if spec.get("raw_layer") else "+gzip")
        layers.append({"mediaType": mt, "digest": d, "size": size})
        diff_ids.append("sha256:" + diff)
    config = {"architecture": spec.get("arch", "amd64"), "os": "linux",
              "config": spec.get("config", {}),
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    cdata = json.dumps(config).encode()
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": blob(out, cdata), "size": len(cdata)},
                "layers": layers}
    mdata = json.dumps(manifest).encode()
    desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": blob(out, mdata), "size": len(mdata)}
    if spec.get("index_platform"):
        os_, arch = spec["index_platform"]
        inner = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [dict(desc, platform={"os": os_, "architecture": arch})]}
        idata = json.dumps(inner).encode()
        desc = {"mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": blob(out, idata), "size": len(idata)}
    desc["annotations"] = {"org.opencontainers.image.ref.name": spec.get("tag", "v1")}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [desc]}, f)


if __name__ == "__main__":
    main()
