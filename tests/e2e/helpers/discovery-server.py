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
import http.server
import os
import ssl
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    scheme = "https" if args.cert else "http"

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            pass

        def empty(self, code, headers=()):
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()

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
                            return self.empty(302, [("Location", dst)])
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
                    body = f.read()
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.empty(404)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    with open(args.port_file, "w") as f:
        f.write("%d\n" % server.server_address[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
