"""What the test HTTP(S) servers share (http-server.py, discovery-server.py, registry-stub.py);
stdlib only. Each listens on 127.0.0.1 on a port the kernel chooses and tells it through a
port file once it listens (the readiness check of tests/e2e/helpers/http.bash)."""
import http.server
import os
import ssl
import stat
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    """A request handler that logs nothing on stderr and replies with whole bodies."""

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


def listen(handler, cert=None, key=None):
    """A threading server for HANDLER on 127.0.0.1, over TLS with CERT and KEY if given."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    return server


def serve(server, port_file):
    """Writes "PORT\\n" to PORT_FILE (to a FIFO directly, to a regular file atomically by
    rename, to stdout for "-"), then serves until interrupted."""
    line = "%d\n" % server.server_address[1]
    if port_file == "-":
        sys.stdout.write(line)
        sys.stdout.flush()
    elif os.path.exists(port_file) and stat.S_ISFIFO(os.stat(port_file).st_mode):
        with open(port_file, "w") as f:
            f.write(line)
    else:
        with open(port_file + ".tmp", "w") as f:
            f.write(line)
        os.rename(port_file + ".tmp", port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
