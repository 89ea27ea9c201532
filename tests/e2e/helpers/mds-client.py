#!/usr/bin/env python3
"""Client for the metadata service in tests/e2e/metadata-service.bats and bench/mds.sh.

  mds-client.py reg SOCK METHOD PATH [BODYFILE]   one registration request: prints the status,
                                                   then the body
  mds-client.py register SOCK UUID TOKEN POD_MANIFEST [APP=IMAGE_MANIFEST ...]
  mds-client.py churn SOCK N                       N pods registered (with one app), then all
                                                   unregistered; fails on any answer but 200
  mds-client.py get URL                            prints status, Content-Type, then the body
  mds-client.py post URL NAME=VALUE ...            the same for a form POST
  mds-client.py raw PORT FILE                      FILE's bytes to 127.0.0.1:PORT; prints the
                                                   status line of the answer (or "closed")
  mds-client.py stall PORT URL                     opens a connection that sends half a request
                                                   and never finishes, then GETs URL (2 s
                                                   timeout) and prints what `get` prints
  mds-client.py activate SOCK CMD...              a listening Unix socket at SOCK as fd 3 with
                                                   LISTEN_FDS=1 and LISTEN_PID, then exec CMD
                                                   (systemd's socket activation, same PID)
  mds-client.py bench URL CLIENTS SECONDS          CLIENTS threads GETting URL on keep-alive
                                                   connections; prints requests/s and p99 ms
"""
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse
import uuid as uuidlib


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.unix_path)


def reg_request(sock, method, path, body=None):
    c = UnixConnection(sock)
    c.request(method, path, body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def image_manifest(name, annotations):
    return json.dumps({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": name,
                       "annotations": annotations})


def pod_manifest(apps):
    return json.dumps({"acKind": "PodManifest", "acVersion": "0.8.11", "apps": [
        {"name": a, "image": {"name": "example.com/" + a, "id": "sha512-" + "ab" * 64}}
        for a in apps], "annotations": []})


def split_url(url):
    u = urllib.parse.urlsplit(url)
    return u.hostname, u.port, u.path


def show(status, ctype, body):
    sys.stdout.write("%d\n%s\n" % (status, ctype or ""))
    sys.stdout.write(body.decode("latin-1"))


def get(url, timeout=10):
    host, port, path = split_url(url)
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    c.request("GET", path, headers={"Metadata-Flavor": "AppContainer"})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("Content-Type"), body


def main(argv):
    cmd = argv[1]
    if cmd == "reg":
        body = open(argv[5], "rb").read() if len(argv) > 5 else None
        status, data = reg_request(argv[2], argv[3], argv[4], body)
        sys.stdout.write("%d\n%s" % (status, data.decode("latin-1")))
        return 0
    if cmd == "register":
        sock, u, token = argv[2], argv[3], argv[4]
        status, data = reg_request(sock, "PUT", "/pods/%s?token=%s" % (u, token),
                                   open(argv[5], "rb").read())
        if status != 200:
            sys.stderr.write("register pod: %d %s" % (status, data.decode()))
            return 1
        for a in argv[6:]:
            name, path = a.split("=", 1)
            status, data = reg_request(sock, "PUT", "/pods/%s/%s" % (u, name),
                                       open(path, "rb").read())
            if status != 200:
                sys.stderr.write("register app %s: %d %s" % (name, status, data.decode()))
                return 1
        return 0
    if cmd == "churn":
        sock, n = argv[2], int(argv[3])
        pm = pod_manifest(["app"]).encode()
        im = image_manifest("example.com/app", [{"name": "a", "value": "x" * 200}]).encode()
        uuids = [str(uuidlib.uuid4()) for _ in range(n)]
        for i, u in enumerate(uuids):
            for method, path, body in (("PUT", "/pods/%s?token=t%d" % (u, i), pm),
                                       ("PUT", "/pods/%s/app" % u, im)):
                status, data = reg_request(sock, method, path, body)
                if status != 200:
                    sys.stderr.write("%s %s: %d %s" % (method, path, status, data.decode()))
                    return 1
        for u in uuids:
            status, data = reg_request(sock, "DELETE", "/pods/" + u)
            if status != 200:
                sys.stderr.write("DELETE %s: %d %s" % (u, status, data.decode()))
                return 1
        return 0
    if cmd == "get":
        show(*get(argv[2]))
        return 0
    if cmd == "post":
        host, port, path = split_url(argv[2])
        form = urllib.parse.urlencode([tuple(a.split("=", 1)) for a in argv[3:]])
        c = http.client.HTTPConnection(host, port, timeout=10)
        c.request("POST", path, body=form,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        show(r.status, r.getheader("Content-Type"), r.read())
        return 0
    if cmd == "raw":
        # longer than the service's own idle timeout (10 s), which must end a request it
        # cannot parse if nothing else does
        s = socket.create_connection(("127.0.0.1", int(argv[2])), timeout=30)
        data = b""
        try:
            # the service may answer and close before it has read everything
            s.sendall(open(argv[3], "rb").read())
            s.shutdown(socket.SHUT_WR)  # nothing more comes: the service sees the end
        except OSError:  # broken pipe, reset, not connected: it already hung up
            pass
        try:
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        except OSError as e:  # a timeout: shown, so that the test says what happened
            print("error: %r" % e)
            return 0
        print(data.split(b"\r\n")[0].decode("latin-1") if data else "closed")
        return 0
    if cmd == "stall":
        s = socket.create_connection(("127.0.0.1", int(argv[2])), timeout=10)
        s.sendall(b"GET /x/acMetadata/v1/pod/uuid HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        show(*get(argv[3], timeout=2))
        s.close()
        return 0
    if cmd == "activate":
        import os
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(argv[2])
        s.listen(16)
        os.dup2(s.fileno(), 3, inheritable=True)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())
        os.execvp(argv[3], argv[3:])
    if cmd == "bench":
        url, clients, seconds = argv[2], int(argv[3]), float(argv[4])
        host, port, path = split_url(url)
        lat = []
        errors = []
        stop = time.monotonic() + seconds

        def worker():
            c = http.client.HTTPConnection(host, port, timeout=10)
            mine = []
            try:
                while time.monotonic() < stop:
                    t = time.monotonic()
                    c.request("GET", path)
                    r = c.getresponse()
                    r.read()
                    if r.status != 200:
                        errors.append(r.status)
                        return
                    mine.append(time.monotonic() - t)
            except Exception as e:  # reported below
                errors.append(repr(e))
            lat.extend(mine)

        threads = [threading.Thread(target=worker) for _ in range(clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        if errors:
            sys.stderr.write("errors: %s\n" % errors[:5])
            return 1
        lat.sort()
        p99 = lat[int(len(lat) * 0.99) - 1] * 1000 if lat else 0
        print("requests %d rps %.0f p99_ms %.2f" % (len(lat), len(lat) / elapsed, p99))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
