#!/usr/bin/env python3
"""A hostile registry for tests: serves the OCI layout --layout as repository "test/img"
(GET /v2/test/img/manifests/<tag|digest>, /v2/test/img/blobs/<digest>) over https, and logs every
request as "METHOD PATH auth=<Authorization header or ->" to --log.

  --token-realm URL   /v2/ wants "Authorization: Bearer good" and challenges with this realm
  --token-redirect URL  GET /token answers 302 to URL (a token server on another host)
  --token             GET /token answers {"token": "good"} (the token server itself)
  --token-needs-auth  ... only to a request with an Authorization header (else 401)
  --token-realm self  the realm is this server's own /token
  --endless DIGEST    blob DIGEST is served as its bytes followed by zeros, without end
The port is written to --port-file once the server listens."""
import argparse
import json
import os
import ssl
import threading
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import testhttp  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--layout")
    p.add_argument("--port-file", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--token-realm")
    p.add_argument("--token-redirect")
    p.add_argument("--token", action="store_true")
    p.add_argument("--token-needs-auth", action="store_true")
    p.add_argument("--endless")
    a = p.parse_args()
    lock = threading.Lock()

    class H(testhttp.Handler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            with lock, open(a.log, "a") as f:
                f.write("GET %s auth=%s\n" % (self.path, self.headers.get("Authorization", "-")))
            path = self.path.split("?")[0]
            if path == "/token":
                if a.token_redirect:
                    return self.reply(302, headers=[("Location", a.token_redirect)])
                if a.token_needs_auth and not self.headers.get("Authorization"):
                    return self.reply(401, headers=[("WWW-Authenticate", 'Basic realm="t"')])
                if a.token:
                    return self.reply(200, json.dumps({"token": "good"}).encode(),
                                      [("Content-Type", "application/json")])
                return self.reply(404)
            if a.token_realm and self.headers.get("Authorization") != "Bearer good":
                chal = 'Bearer realm="%s",service="stub",scope="repository:test/img:pull"' % a.token_realm
                return self.reply(401, headers=[("WWW-Authenticate", chal)])
            pre = "/v2/test/img/"
            if not path.startswith(pre):
                return self.reply(404)
            kind, _, ref = path[len(pre):].partition("/")
            if kind == "manifests" and not ref.startswith("sha256:"):
                with open(os.path.join(a.layout, "index.json")) as f:
                    idx = json.load(f)
                for m in idx["manifests"]:
                    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref:
                        ref, mt = m["digest"], m["mediaType"]
                        break
                else:
                    return self.reply(404)
            else:
                mt = "application/octet-stream"
            fn = os.path.join(a.layout, "blobs", "sha256", ref[7:])
            if not os.path.isfile(fn):
                return self.reply(404)
            with open(fn, "rb") as f:
                data = f.read()
            if kind == "manifests":
                doc = json.loads(data)
                mt = doc.get("mediaType", mt)
                if doc.get("schemaVersion") == 1:
                    mt = "application/vnd.docker.distribution.manifest.v1+prettyjws"
            if ref == a.endless:
                self.send_response(200)
                self.send_header("Content-Type", mt)
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self.wfile.write(data)
                    chunk = bytes(1 << 16)
                    while True:
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    return
            return self.reply(200, data, [("Content-Type", mt)])

    srv = testhttp.listen(H, a.cert, a.key)
    if a.token_realm == "self":
        a.token_realm = "https://127.0.0.1:%d/token" % srv.server_address[1]
    testhttp.serve(srv, a.port_file)


if __name__ == "__main__":
    main()
