"""A small threaded HTTP proxy on loopback that misbehaves on request, for sync tests.

It sits between the desktop client and a :class:`~tests.support.live_server.LiveServer`
and forwards each request on a fresh upstream connection. Faults are queued and each is
used up by one request, so a test says exactly what goes wrong and how often:

* :meth:`FlakyProxy.drop` — close the connection as soon as the request has arrived
  (the index never sees it);
* :meth:`FlakyProxy.fail_with` — answer ``503`` (or another status) without asking the
  index, as an overloaded gateway would;
* :meth:`FlakyProxy.answer_garbage` — answer ``200`` with a web page instead of JSON, as a
  captive portal or a misconfigured gateway would;
* :meth:`FlakyProxy.reset_mid_response` — forward, then send the client only the first
  half of the index's answer and reset the connection;
* :meth:`FlakyProxy.lose_response` — forward, let the index do the work, then close the
  connection without answering (the client cannot know the request was applied);
* :attr:`FlakyProxy.delay` — hold every answer back this many seconds (slow network).

Everything is bounded: faults are counted, delays are interruptible, the proxy listens
on ``127.0.0.1`` only, and :meth:`FlakyProxy.stop` closes every socket it opened.
"""

from __future__ import annotations

import collections
import socket
import struct
import threading
from types import TracebackType
from typing import Literal

Fault = Literal["drop", "status", "reset", "lose"]
_MAX_HEADER = 64 * 1024
_REASONS = {200: "OK", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class FlakyProxy:
    """Forward ``127.0.0.1:<port>`` to ``127.0.0.1:<upstream_port>``, with queued faults."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        #: Seconds to hold back every answer (0 for none).
        self.delay = 0.0
        #: Requests received so far, faulty ones included.
        self.requests = 0
        self._faults: collections.deque[tuple[Fault, int]] = collections.deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        # accept() wakes up this often to notice stop(); closing alone would not wake it.
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="flaky-proxy", daemon=True)

    @property
    def url(self) -> str:
        """The proxy's base URL; give it to the client instead of the server's."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FlakyProxy:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start accepting connections."""
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, close every open connection, and wait for the acceptor."""
        self._stopping.set()
        self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                _close(sock)
        self._thread.join(timeout=5)

    # -- faults -----------------------------------------------------------------------------

    def drop(self, count: int = 1) -> None:
        """Close the next ``count`` connections once their request has arrived."""
        self._queue("drop", count)

    def fail_with(self, status: int = 503, count: int = 1) -> None:
        """Answer the next ``count`` requests with ``status``, without asking the index."""
        self._queue("status", count, status)

    def answer_garbage(self, count: int = 1) -> None:
        """Answer the next ``count`` requests ``200`` with HTML, without asking the index."""
        self._queue("status", count, 200)

    def reset_mid_response(self, count: int = 1) -> None:
        """Cut the next ``count`` answers off half-way and reset the connection."""
        self._queue("reset", count)

    def lose_response(self, count: int = 1) -> None:
        """Let the index handle the next ``count`` requests, then drop their answers."""
        self._queue("lose", count)

    def clear(self) -> None:
        """Forget every queued fault and the delay."""
        with self._lock:
            self._faults.clear()
        self.delay = 0.0

    def pending_faults(self) -> int:
        """Faults queued and not yet used."""
        with self._lock:
            return len(self._faults)

    def _queue(self, fault: Fault, count: int, status: int = 0) -> None:
        with self._lock:
            self._faults.extend([(fault, status)] * count)

    def _next_fault(self) -> tuple[Fault, int] | None:
        with self._lock:
            self.requests += 1
            return self._faults.popleft() if self._faults else None

    # -- plumbing ---------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(30)
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        _close(sock)

    def _serve(self, client: socket.socket) -> None:
        try:
            request = _read_request(client)
            if request is None:
                return
            fault = self._next_fault()
            if fault is not None and fault[0] == "drop":
                return
            if fault is not None and fault[0] == "status":
                client.sendall(_status_response(fault[1]))
                return
            answer = self._forward(request)
            if answer is None or (fault is not None and fault[0] == "lose"):
                return
            if self.delay and self._stopping.wait(self.delay):
                return
            if fault is not None and fault[0] == "reset":
                client.sendall(answer[: max(1, len(answer) // 2)])
                # SO_LINGER with a zero timeout makes close() send RST, not FIN.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            client.sendall(answer)
        except OSError:
            return
        finally:
            self._forget(client)

    def _forward(self, request: bytes) -> bytes | None:
        """Send one request upstream on its own connection; the whole answer, or ``None``."""
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        except OSError:
            return None  # the index is down: the client sees its connection closed
        self._track(upstream)
        try:
            upstream.sendall(request)
            chunks = []
            while chunk := upstream.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError:
            return None
        finally:
            self._forget(upstream)


def _read_request(sock: socket.socket) -> bytes | None:
    """One HTTP request, rewritten to ``Connection: close``; ``None`` at end of stream."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk or len(data) > _MAX_HEADER:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = 0
    kept = [lines[0]]
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() not in (b"connection", b"keep-alive"):
            kept.append(line)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    # One request per upstream connection, so the answer ends where the stream does.
    kept.append(b"Connection: close")
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def _status_response(status: int) -> bytes:
    reason = _REASONS.get(status, "Error")
    body = f"<html><body>{status} {reason}</body></html>\n".encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        return
