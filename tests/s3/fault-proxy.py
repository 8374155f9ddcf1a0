#!/usr/bin/python3
"""Fault-injecting HTTP proxy for Orchard's S3 tests (python3 stdlib only).

    fault-proxy.py --upstream 127.0.0.1:PORT --plan ACTIONS --port-file F --log L
                   [--only-method M] [--stall S] [--parent-pid P] [--tls CERT KEY]

Listens on 127.0.0.1 (a free port, written to --port-file), forwards each request to the
upstream S3 server unchanged (Host header included, so SigV4 signatures stay valid), and
applies the next action of the comma-separated --plan to it, cycling through the plan:

  pass      forward and relay the answer
  500 502 503 504 429
            answer that status with an S3 error body (503: SlowDown), do not forward
  reset     read the request, then reset the connection (TCP RST), do not forward
  stall     read the request, then send nothing for --stall seconds, then close
  after     forward, then reset instead of answering (the server did the work)
  cut       forward, send the headers and half the body, then reset
  region    answer 400 AuthorizationHeaderMalformed naming region eu-central-1 (as AWS does
            for a request signed for the wrong region), do not forward

With --only-method, requests of other methods always pass (and do not advance the plan).
Each request's method, path and action go to --log as one line; the test counts them.
With --tls the proxy speaks HTTPS (certificate CERT, key KEY) to the client.
The proxy exits by itself when --parent-pid dies.
"""
import argparse
import http.client
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

from testserver import serve

ERRORS = {500: "InternalError", 502: "BadGateway", 503: "SlowDown", 504: "GatewayTimeout",
          429: "TooManyRequests"}


class State:
    def __init__(self, plan, only_method, stall, log):
        self.plan = plan
        self.only_method = only_method
        self.stall = stall
        self.log = log
        self.i = 0
        self.lock = threading.Lock()

    def next_action(self, method):
        with self.lock:
            if self.only_method and method != self.only_method:
                return "pass"
            a = self.plan[self.i % len(self.plan)]
            self.i += 1
            return a

    def record(self, method, path, action):
        with self.lock:
            with open(self.log, "a") as f:
                f.write(f"{method} {path} {action}\n")


def rst(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None
    upstream = None

    def log_message(self, *args):
        pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        action = self.state.next_action(self.command)
        self.state.record(self.command, self.path, action)
        if action in ("reset",):
            self.close_connection = True
            rst(self.connection)
            return
        if action == "stall":
            time.sleep(self.state.stall)
            self.close_connection = True
            rst(self.connection)
            return
        if action == "region":
            xml = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AuthorizationHeaderMalformed'
                   b'</Code><Message>The authorization header is malformed; the region is wrong; '
                   b'expecting \'eu-central-1\'</Message><Region>eu-central-1</Region></Error>')
            self.send_response(400)
            self.send_header("Content-Type", "application/xml")
            self.send_header("x-amz-bucket-region", "eu-central-1")
            self.send_header("Content-Length", str(len(xml)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(xml)
            return
        if action.isdigit():
            code = int(action)
            xml = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{ERRORS.get(code, "Error")}'
                   f'</Code><Message>injected by fault-proxy</Message></Error>').encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(xml)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(xml)
            return
        host, port = self.upstream
        conn = http.client.HTTPConnection(host, port, timeout=60)
        headers = {k: v for k, v in self.headers.items()}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        if action == "after":
            self.close_connection = True
            rst(self.connection)
            return
        self.send_response_only(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() in ("transfer-encoding", "connection"):
                continue
            if k.lower() == "content-length" and self.command != "HEAD":
                continue
            self.send_header(k, v)
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if action == "cut" and len(data) > 1:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            rst(self.connection)
            return
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--plan", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--only-method", default="")
    ap.add_argument("--stall", type=float, default=4.0)
    ap.add_argument("--parent-pid", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    a = ap.parse_args()
    host, port = a.upstream.rsplit(":", 1)
    Handler.upstream = (host, int(port))
    Handler.state = State(a.plan.split(","), a.only_method, a.stall, a.log)
    wrap = None
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        wrap = lambda sock: ctx.wrap_socket(sock, server_side=True)  # noqa: E731
    serve(Handler, a.port_file, a.parent_pid, wrap)

if __name__ == "__main__":
    sys.exit(main())
