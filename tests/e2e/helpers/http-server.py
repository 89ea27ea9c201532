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
import os
import socket
import sys
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import testhttp  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log")
    args = ap.parse_args()

    deferred = {}

    class Handler(testhttp.Handler):
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

        def do_GET(self):
            self.log_request_line()
            url = urllib.parse.urlsplit(self.path)
            parts = url.path.split("/")
            if url.path == "/loop":
                return self.reply(302, headers=[("Location", "/loop")])
            if url.path == "/redirect":
                to = urllib.parse.parse_qs(url.query)["to"][0]
                return self.reply(302, headers=[("Location", to)])
            if len(parts) == 3 and parts[1] == "status":
                return self.reply(int(parts[2]))
            if len(parts) == 4 and parts[1] == "defer":
                n = deferred.get(url.path, 0)
                deferred[url.path] = n + 1
                if n < int(parts[2]):
                    return self.reply(202, headers=[("Retry-After", "0")])
                parts = ["", "files", parts[3]]
            if len(parts) != 3 or parts[1] not in ("files", "nocache", "norange", "drop",
                                                       "stall"):
                return self.reply(404)
            path = os.path.join(args.root, os.path.basename(parts[2]))
            if not os.path.isfile(path):
                return self.reply(404)
            with open(path, "rb") as f:
                body = f.read()
            self.serve(parts[1], body)

        def serve(self, kind, body):
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
            cc = "no-cache, no-store" if kind == "nocache" else "max-age=60"
            common = [("ETag", etag), ("Cache-Control", cc),
                      ("Content-Type", "application/octet-stream")]
            if self.headers.get("If-None-Match") == etag:
                return self.reply(304, headers=common)
            rng = self.headers.get("Range", "")
            if_range = self.headers.get("If-Range")
            if kind != "norange" and rng.startswith("bytes=") and rng.endswith("-") and \
                    (if_range is None or if_range == etag):
                start = int(rng[6:-1])
                if start >= len(body):
                    return self.reply(416, headers=[("Content-Range", "bytes */%d" % len(body))])
                rng = ("Content-Range", "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))
                return self.reply(206, body[start:], common + [rng])
            if kind not in ("drop", "stall"):
                return self.reply(200, body, common)
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

    testhttp.serve(testhttp.listen(Handler, args.cert, args.key), args.port_file)


if __name__ == "__main__":
    main()
