"""Shared scaffolding of the python test servers in tests/s3 (fake-imds.py, fault-proxy.py):
a threading HTTP server on a free 127.0.0.1 port, the port written atomically to a file for the
C test to read, and an exit as soon as the parent test process is gone."""
import os
import threading
import time
from http.server import ThreadingHTTPServer


def watch_parent(pid):
    """exit this process once pid no longer exists (checked every 0.5 s)"""
    def watch():
        while True:
            try:
                os.kill(pid, 0)
            except OSError:
                os._exit(0)
            time.sleep(0.5)
    threading.Thread(target=watch, daemon=True).start()


def serve(handler, port_file, parent_pid=0, wrap_socket=None):
    """serve handler on 127.0.0.1:<free port> forever; wrap_socket(sock) may return a TLS one"""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    if wrap_socket is not None:
        srv.socket = wrap_socket(srv.socket)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, port_file)
    if parent_pid:
        watch_parent(parent_pid)
    srv.serve_forever()
