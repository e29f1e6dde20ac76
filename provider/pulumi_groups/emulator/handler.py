"""The socket side: a threading HTTP/1.1 server on loopback and its request handler, which
reads a request, hands it to the pipeline (or the admin endpoints) and writes the reply, or
drops the connection when a fault says so."""

from __future__ import annotations

import socket
import struct
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pulumi_groups.emulator import admin, pipeline
from pulumi_groups.emulator.backend import Backend
from pulumi_groups.emulator.wire import Request, Response


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # stop() must not wait for a request sleeping in a "delay" fault; idle keep-alive
    # connections are closed explicitly instead (close_connections).
    block_on_close = False

    def __init__(self, address: tuple[str, int], backend: Backend, verbose: bool = False):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.backend = backend
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, RequestHandler)

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Wake handler threads idling on keep-alive connections so stop() leaves none behind."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients' connection pools expect
    server_version = "pulumi-groups-emulator"
    # Headers and body go out as two writes; with Nagle on, the second waits for the client's
    # delayed ACK (~40 ms per request on Linux).
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, alive=True)

    def finish(self) -> None:
        self.server.track(self.connection, alive=False)
        try:
            super().finish()
        except OSError:
            pass  # the client went away (e.g. after its read timeout)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        body = self._read_body()
        backend = self.server.backend
        path = self.path.partition("?")[0]
        if path.startswith(admin.PREFIX):
            self._send(admin.handle(backend, self.command, path, body))
            return
        request = Request.build(self.command, self.path, dict(self.headers.items()), body)
        try:
            reply = pipeline.dispatch(backend, request)
        except Exception:  # an emulator bug outside a handler: answer, and show it
            traceback.print_exc(file=sys.stderr)
            reply = pipeline.Reply(Response(500, {"error": "emulator bug; see its stderr"}))
        if reply.drop is not None or reply.response is None:
            self._drop(hard=reply.drop == "reset")
        else:
            self._send(reply.response)

    def _send(self, response: Response) -> None:
        payload = response.payload()
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up first (read timeout)

    def _drop(self, hard: bool) -> None:
        """Close without answering: a RST when hard (linger 0), else a plain FIN."""
        self.close_connection = True
        try:
            if hard:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
            self.rfile.close()  # the makefile() reader holds the socket open otherwise
            self.connection.close()
        except OSError:
            pass

    def log_request(self, code="-", size="-") -> None:
        # Path only, never the query string: WeSurvey sends its secret and token there.
        if self.server.verbose:
            path = self.path.partition("?")[0]
            sys.stderr.write(f"{self.log_date_time_string()} {self.command} {path} {code}\n")

    def log_message(self, format: str, *args) -> None:
        pass  # the base class's lines can carry a raw request line, query string included
