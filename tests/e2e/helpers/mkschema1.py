#!/usr/bin/env python3
"""Adds to the OCI layout DIR a Docker image manifest schema 1 (signed, "prettyjws") of the image
tagged TAG, tagged NEWTAG, as registries served it before schema 2: fsLayers and history top
first, the image config in the top entry's v1Compatibility, plus a "throwaway" empty layer on
top (a metadata-only step). The JWS signature is a placeholder (nothing checks it).

usage: mkschema1.py DIR TAG NEWTAG"""
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


def read_blob(out, digest):
    with open(os.path.join(out, "blobs", "sha256", digest[7:]), "rb") as f:
        return f.read()


def main():
    out, tag, newtag = sys.argv[1:4]
    with open(os.path.join(out, "index.json")) as f:
        index = json.load(f)
    desc = next(m for m in index["manifests"]
                if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
    manifest = json.loads(read_blob(out, desc["digest"]))
    config = json.loads(read_blob(out, manifest["config"]["digest"]))
    empty_tar = io.BytesIO()
    tarfile.open(fileobj=empty_tar, mode="w").close()
    empty = blob(out, gzip.compress(empty_tar.getvalue(), mtime=0))
    layers = [l["digest"] for l in manifest["layers"]]
    fs, hist, parent = [], [], ""
    for i, d in enumerate(layers):
        lid = hashlib.sha256(("%s %s" % (parent, d)).encode()).hexdigest()
        fs.append({"blobSum": d})
        hist.append({"id": lid, "parent": parent} if parent else {"id": lid})
        parent = lid
    top = {"id": hashlib.sha256(b"top").hexdigest(), "parent": parent, "throwaway": True,
           "architecture": config.get("architecture", "amd64"), "os": config.get("os", "linux"),
           "config": config.get("config", {})}
    fs.append({"blobSum": empty})
    hist.append(top)
    fs.reverse()
    hist.reverse()
    doc = {"schemaVersion": 1, "name": "test/img", "tag": newtag, "architecture": top["architecture"],
           "fsLayers": fs, "history": [{"v1Compatibility": json.dumps(h)} for h in hist],
           "signatures": [{"header": {"alg": "ES256"}, "signature": "placeholder",
                           "protected": "placeholder"}]}
    data = json.dumps(doc, indent=3).encode()
    index["manifests"].append({
        "mediaType": "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "digest": blob(out, data), "size": len(data),
        "annotations": {"org.opencontainers.image.ref.name": newtag}})
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f)
    print(empty)


if __name__ == "__main__":
    main()
