#!/usr/bin/env python3
"""Test server for appc discovery (tests/e2e/discovery.bats); stdlib only.

usage: discovery-server.py --root DIR --port-file FILE [--cert CRT --key KEY] --log FILE

Listens on 127.0.0.1, port chosen by the kernel, and writes "PORT\\n" to FILE (a FIFO) once
listening. The requests' Host header (without a port) chooses the site, DIR/HOST:
  /PATH?ac-discovery=1  DIR/HOST/meta/PATH/index.html (PATH may be empty), else 404
  /PATH                 DIR/HOST/files/PATH, else 404
  DIR/HOST/redirects    lines "PATH-WITH-QUERY LOCATION": that request gets a 302 to LOCATION
The log gets one line per request: "SCHEME HOST PATH authorization=VALUE".
"""
import argparse
import os
import urllib.parse
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import testhttp  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    scheme = "https" if args.cert else "http"

    class Handler(testhttp.Handler):
        def do_GET(self):
            host = self.headers.get("Host", "").split(":")[0]
            with open(args.log, "a") as f:
                f.write("%s %s %s authorization=%s\n" % (
                    scheme, host, self.path, self.headers.get("Authorization", "")))
            site = os.path.join(args.root, os.path.basename(host))
            redirects = os.path.join(site, "redirects")
            if os.path.isfile(redirects):
                with open(redirects) as f:
                    for line in f:
                        src, _, dst = line.strip().partition(" ")
                        if src == self.path:
                            return self.reply(302, headers=[("Location", dst)])
            url = urllib.parse.urlsplit(self.path)
            rel = os.path.normpath("/" + urllib.parse.unquote(url.path)).lstrip("/")
            if "ac-discovery=1" in url.query.split("&"):
                path = os.path.join(site, "meta", rel, "index.html")
                ctype = "text/html"
            else:
                path = os.path.join(site, "files", rel)
                ctype = "application/octet-stream"
            if not rel.startswith("..") and os.path.isfile(path):
                with open(path, "rb") as f:
                    return self.reply(200, f.read(), [("Content-Type", ctype)])
            self.reply(404)

    testhttp.serve(testhttp.listen(Handler, args.cert, args.key), args.port_file)


if __name__ == "__main__":
    main()
