#!/usr/bin/env python3
"""Test HTTP(S) server for lib/net (tests/unit/test-http.c, tests/e2e/http-*.bats); stdlib only.

usage: http-server.py --root DIR --port-file FILE|- [--cert CRT --key KEY] [--log FILE]

Listens on 127.0.0.1, port chosen by the kernel. Once listening it writes "PORT\\n" to FILE
(to a FIFO directly, to a regular file atomically by rename) or, with "-", to stdout.
Routes, NAME being a file of DIR:
  /files/NAME      200 with ETag and Cache-Control: max-age=60; If-None-Match -> 304;
                   Range: bytes=N- -> 206 (If-Range honoured)
  /nocache/NAME    like /files, with Cache-Control: no-cache, no-store
  /norange/NAME    like /files, but ignores Range (always 200)
  /drop/NAME       a request without Range gets half the body, then the connection is closed;
                   a Range request is served as /files does
  /stall/NAME      half the body, then nothing until the client closes the connection (at
                   most 30 s)
  /defer/N/NAME    the first N requests get 202 Accepted (empty, Retry-After: 0), later ones
                   are served as /files does (a signature not ready yet)
  /redirect?to=URL 302 to URL
  /loop            302 to /loop, forever
  /status/CODE     an empty reply with that status
The log gets one line per request: "METHOD PATH if-none-match=... range=... if-range=...",
followed by " host=HOST authorization=VALUE" when the request has an Authorization header.
"""
import argparse
import hashlib
import http.server
import os
import socket
import ssl
import stat
import sys
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log")
    args = ap.parse_args()

    deferred = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            pass

        def log_request_line(self):
            if not args.log:
                return
            h = self.headers
            auth = ""
            if h.get("Authorization") is not None:
                auth = " host=%s authorization=%s" % (h.get("Host", ""), h["Authorization"])
            with open(args.log, "a") as f:
                f.write("%s %s if-none-match=%s range=%s if-range=%s%s\n" % (
                    self.command, self.path, h.get("If-None-Match", ""),
                    h.get("Range", ""), h.get("If-Range", ""), auth))

        def empty(self, code, headers=()):
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            self.log_request_line()
            url = urllib.parse.urlsplit(self.path)
            parts = url.path.split("/")
            if url.path == "/loop":
                return self.empty(302, [("Location", "/loop")])
            if url.path == "/redirect":
                to = urllib.parse.parse_qs(url.query)["to"][0]
                return self.empty(302, [("Location", to)])
            if len(parts) == 3 and parts[1] == "status":
                return self.empty(int(parts[2]))
            if len(parts) == 4 and parts[1] == "defer":
                n = deferred.get(url.path, 0)
                deferred[url.path] = n + 1
                if n < int(parts[2]):
                    return self.empty(202, [("Retry-After", "0")])
                parts = ["", "files", parts[3]]
            if len(parts) != 3 or parts[1] not in ("files", "nocache", "norange", "drop",
                                                       "stall"):
                return self.empty(404)
            path = os.path.join(args.root, os.path.basename(parts[2]))
            if not os.path.isfile(path):
                return self.empty(404)
            with open(path, "rb") as f:
                body = f.read()
            self.serve(parts[1], body)

        def serve(self, kind, body):
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
            cc = "no-cache, no-store" if kind == "nocache" else "max-age=60"
            common = [("ETag", etag), ("Cache-Control", cc),
                      ("Content-Type", "application/octet-stream")]
            if self.headers.get("If-None-Match") == etag:
                return self.empty(304, common)
            rng = self.headers.get("Range", "")
            if_range = self.headers.get("If-Range")
            if kind != "norange" and rng.startswith("bytes=") and rng.endswith("-") and \
                    (if_range is None or if_range == etag):
                start = int(rng[6:-1])
                if start >= len(body):
                    return self.empty(416, [("Content-Range", "bytes */%d" % len(body))])
                self.send_response(206)
                for k, v in common:
                    self.send_header(k, v)
                self.send_header("Content-Range",
                                 "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                self.wfile.write(body[start:])
                return
            self.send_response(200)
            for k, v in common:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if kind == "drop":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if kind == "stall":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.settimeout(30)
                try:
                    while self.connection.recv(4096):
                        pass
                except OSError:  # reset: the client went away with data unread
                    pass
                self.close_connection = True
                return
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    if args.port_file == "-":
        sys.stdout.write("%d\n" % port)
        sys.stdout.flush()
    elif os.path.exists(args.port_file) and stat.S_ISFIFO(os.stat(args.port_file).st_mode):
        with open(args.port_file, "w") as f:
            f.write("%d\n" % port)
    else:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
