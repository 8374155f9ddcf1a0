#!/usr/bin/python3
"""Fake EC2 instance metadata service (IMDSv2 only) for Orchard's credentials tests.

    fake-imds.py --port-file F --log L --ttl SECONDS [--access-key AK] [--secret SK]
                 [--token TOKEN] [--parent-pid P]

PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds and returns a session token;
every GET needs X-aws-ec2-metadata-token with such a token (else 401, like IMDSv2).
GET /latest/meta-data/iam/security-credentials/ names the role "orchard-test-role";
GET .../orchard-test-role returns credentials expiring in --ttl seconds. Without --access-key
each fetch returns a new key ASIAFAKE0001, ASIAFAKE0002, ... (so a refresh is visible).
--token "" returns an empty session token (for a server without STS).
Each request goes to --log as "METHOD PATH STATUS". Exits when --parent-pid dies.
"""
import argparse
import datetime
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler

from testserver import serve

ROLE = "orchard-test-role"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    tokens = set()
    fetches = 0
    lock = threading.Lock()

    def log_message(self, *a):
        pass

    def reply(self, code, body):
        data = body.encode()
        with self.lock:
            with open(self.args.log, "a") as f:
                f.write(f"{self.command} {self.path} {code}\n")
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if self.path != "/latest/api/token":
            return self.reply(404, "not found")
        if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.reply(400, "missing ttl")
        with self.lock:
            tok = f"imds-session-{len(self.tokens) + 1}"
            self.tokens.add(tok)
        return self.reply(200, tok)

    def do_GET(self):
        if self.headers.get("X-aws-ec2-metadata-token") not in self.tokens:
            return self.reply(401, "unauthorized")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            return self.reply(200, ROLE + "\n")
        if self.path == base + ROLE:
            with self.lock:
                Handler.fetches += 1
                n = Handler.fetches
            exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.args.ttl)
            body = {
                "Code": "Success",
                "LastUpdated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Type": "AWS-HMAC",
                "AccessKeyId": self.args.access_key or f"ASIAFAKE{n:04d}",
                "SecretAccessKey": self.args.secret,
                "Token": self.args.token,
                "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            return self.reply(200, json.dumps(body, indent=2))
        return self.reply(404, "not found")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ttl", type=int, default=21600)
    ap.add_argument("--access-key", default="")
    ap.add_argument("--secret", default="fakeSecret/with+chars=")
    ap.add_argument("--token", default="FwoGZXIvYXdzEFAKESESSIONTOKEN/+=")
    ap.add_argument("--parent-pid", type=int, default=0)
    a = ap.parse_args()
    Handler.args = a
    serve(Handler, a.port_file, a.parent_pid)

if __name__ == "__main__":
    sys.exit(main())
