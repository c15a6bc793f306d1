"""``python -m bench.reference_servers {floor,naive} --port P``: the two yardsticks.

Both speak just enough of the live protocol for :mod:`bench.fanout`: any path
``/decks/<id>/ws`` opens a socket that gets a ``welcome``; a socket that sends
``{"type": "auth", ...}`` gets a presenter ``welcome``; ``{"type": "state",
"state": {...}}`` from any socket bumps ``seq`` and sends the same
``{"type":"state","seq":N,"state":{...}}`` text the presenter server sends (so
the payload is the same size, byte for byte) to every open socket.
``GET /healthz`` answers ``{"ok": true, "gc": {"collections": [g0, g1, g2]}}``.

- **floor**: one ``selectors`` loop with non-blocking sockets; the broadcast
  encodes the frame once and calls ``sock.send`` on every socket in a bare
  loop (what a socket cannot take at once waits in a per-socket buffer). No
  framework: about the least work a Python process can do per socket.
- **naive**: a minimal Tornado application whose broadcast is
  ``for c in clients: c.write_message(payload)``, the textbook fan-out.

Neither persists anything, checks tokens, pings, or bounds slow sockets.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import json
import selectors
import signal
import socket
import sys
from typing import Any

from bench.common import (
    accept_key,
    die_with_parent,
    encode_frame,
    normalise_state,
    raise_nofile,
    state_payload,
    unmask,
    welcome_payload,
)

BACKLOG = 128  # what tornado.netutil.bind_sockets uses, as the presenter server does
_MAX_HEADER = 16_384


def gc_json() -> bytes:
    """The /healthz body, with this process's GC collection counts."""
    collections = [int(g["collections"]) for g in gc.get_stats()]
    return json.dumps({"ok": True, "gc": {"collections": collections}}).encode()


class Deck:
    """The live state both reference servers keep (one deck, whatever its id)."""

    def __init__(self) -> None:
        self.seq = 0
        self.state = normalise_state({})

    def welcome(self, deck: str, role: str) -> str:
        return welcome_payload(deck, role, self.seq, self.state)

    def apply(self, message: object) -> str | None:
        """The ``state`` frame text for a presenter message, or None to ignore it."""
        if not isinstance(message, dict) or message.get("type") != "state":
            return None
        state = normalise_state(message.get("state"))
        if state == self.state:
            return None
        self.seq += 1
        self.state = state
        return state_payload(self.seq, state)


# --- floor -----------------------------------------------------------------


class FloorConn:
    """One accepted socket of the floor server."""

    __slots__ = ("deck", "inbuf", "outbuf", "sock", "upgraded")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.inbuf = b""
        self.outbuf = b""
        self.upgraded = False
        self.deck = "deck"


class FloorServer:
    """A selectors loop: handshakes by hand, broadcast with a bare send loop."""

    def __init__(self, port: int) -> None:
        self.sel = selectors.DefaultSelector()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(BACKLOG)
        self.listener.setblocking(False)
        self.sel.register(self.listener, selectors.EVENT_READ, None)
        self.conns: dict[int, FloorConn] = {}
        self.clients: dict[int, FloorConn] = {}  # upgraded sockets, by fd
        self.deck = Deck()
        self.running = True

    def serve(self) -> None:
        while self.running:
            for key, mask in self.sel.select(timeout=1.0):
                conn = key.data
                if conn is None:
                    self._accept()
                    continue
                if mask & selectors.EVENT_WRITE:
                    self._flush(conn)
                if mask & selectors.EVENT_READ and conn.sock.fileno() >= 0:
                    self._read(conn)

    def _accept(self) -> None:
        for _ in range(256):
            try:
                sock, _ = self.listener.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE):
                    print(f"floor: accept failed: {exc}", file=sys.stderr)
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = FloorConn(sock)
            self.conns[sock.fileno()] = conn
            self.sel.register(sock, selectors.EVENT_READ, conn)

    def _close(self, conn: FloorConn) -> None:
        fd = conn.sock.fileno()
        if fd < 0:
            return
        self.sel.unregister(conn.sock)
        self.conns.pop(fd, None)
        self.clients.pop(fd, None)
        conn.sock.close()

    def _read(self, conn: FloorConn) -> None:
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._close(conn)
            return
        conn.inbuf += data
        if not conn.upgraded and not self._handshake(conn):
            return
        self._frames(conn)

    def _handshake(self, conn: FloorConn) -> bool:
        end = conn.inbuf.find(b"\r\n\r\n")
        if end < 0:
            if len(conn.inbuf) > _MAX_HEADER:
                self._close(conn)
            return False
        head = conn.inbuf[:end].decode("latin-1").split("\r\n")
        conn.inbuf = conn.inbuf[end + 4 :]
        parts = head[0].split(" ")
        path = parts[1] if len(parts) > 1 else "/"
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        key = headers.get("sec-websocket-key")
        if path.startswith("/healthz") or not key:
            body = gc_json() if path.startswith("/healthz") else b'{"error": "not found"}'
            status = "200 OK" if path.startswith("/healthz") else "404 Not Found"
            reply = (
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            self._send(conn, reply.encode() + body)
            self._close(conn)
            return False
        pieces = path.split("/")
        conn.deck = pieces[2] if len(pieces) > 3 else "deck"
        answer = (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
        ).encode()
        welcome = self.deck.welcome(conn.deck, "audience").encode()
        conn.upgraded = True
        self.clients[conn.sock.fileno()] = conn
        self._send(conn, answer + encode_frame(welcome))
        return True

    def _frames(self, conn: FloorConn) -> None:
        buf = conn.inbuf
        pos = 0
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            masked = b1 & 0x80
            key = buf[pos + head : pos + head + 4] if masked else b"\x00\x00\x00\x00"
            start = pos + head + (4 if masked else 0)
            stop = start + length
            if stop > len(buf):
                break
            payload = unmask(buf[start:stop], key)
            pos = stop
            opcode = b0 & 0x0F
            if opcode == 0x1:
                self._message(conn, payload)
            elif opcode == 0x9:
                self._send(conn, encode_frame(payload, 0xA))
            elif opcode == 0x8:
                self._send(conn, encode_frame(payload[:2], 0x8))
                self._close(conn)
                return
        conn.inbuf = buf[pos:]

    def _message(self, conn: FloorConn, payload: bytes) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "auth":
            self._send(conn, encode_frame(self.deck.welcome(conn.deck, "presenter").encode()))
            return
        text = self.deck.apply(message)
        if text is not None:
            self.broadcast(encode_frame(text.encode()))

    def broadcast(self, frame: bytes) -> None:
        """The floor: one pre-built frame, ``sock.send`` on every socket."""
        for conn in list(self.clients.values()):
            if conn.outbuf:
                conn.outbuf += frame
                continue
            try:
                sent = conn.sock.send(frame)
            except BlockingIOError:
                sent = 0
            except OSError:
                self._close(conn)
                continue
            if sent < len(frame):
                self._queue(conn, frame[sent:])

    def _send(self, conn: FloorConn, data: bytes) -> None:
        if conn.outbuf:
            conn.outbuf += data
            return
        try:
            sent = conn.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._close(conn)
            return
        if sent < len(data):
            self._queue(conn, data[sent:])

    def _queue(self, conn: FloorConn, rest: bytes) -> None:
        conn.outbuf = rest
        self.sel.modify(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, conn)

    def _flush(self, conn: FloorConn) -> None:
        try:
            sent = conn.sock.send(conn.outbuf)
        except BlockingIOError:
            return
        except OSError:
            self._close(conn)
            return
        conn.outbuf = conn.outbuf[sent:]
        if not conn.outbuf:
            self.sel.modify(conn.sock, selectors.EVENT_READ, conn)


def run_floor(port: int) -> None:
    server = FloorServer(port)
    print(f"floor listening on 127.0.0.1:{port}", flush=True)

    def stop(*_: Any) -> None:
        server.running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve()


# --- naive -----------------------------------------------------------------


def run_naive(port: int) -> None:
    import asyncio

    import tornado.httpserver
    import tornado.web
    import tornado.websocket

    deck = Deck()
    clients: set[tornado.websocket.WebSocketHandler] = set()

    class Health(tornado.web.RequestHandler):
        def get(self) -> None:
            self.set_header("Content-Type", "application/json")
            self.finish(gc_json())

    class Live(tornado.websocket.WebSocketHandler):
        deck_id = "deck"

        def check_origin(self, origin: str) -> bool:
            return True

        def open(self, *args: str, **kwargs: str) -> None:
            self.deck_id = args[0]
            clients.add(self)
            self.write_message(deck.welcome(self.deck_id, "audience"))

        def on_message(self, message: str | bytes) -> None:
            try:
                value = json.loads(message)
            except ValueError:
                return
            if isinstance(value, dict) and value.get("type") == "auth":
                self.write_message(deck.welcome(self.deck_id, "presenter"))
                return
            text = deck.apply(value)
            if text is None:
                return
            # The naive fan-out: one write_message (frame, Future, Task) per socket.
            for client in list(clients):
                with contextlib.suppress(tornado.websocket.WebSocketClosedError):
                    client.write_message(text)

        def on_close(self) -> None:
            clients.discard(self)

    async def serve() -> None:
        app = tornado.web.Application(
            [(r"/healthz", Health), (r"/decks/([^/]+)/ws", Live)], log_function=lambda h: None
        )
        server = tornado.httpserver.HTTPServer(app)
        server.listen(port, address="127.0.0.1", backlog=BACKLOG)
        print(f"naive listening on 127.0.0.1:{port}", flush=True)
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, done.set)
        await done.wait()
        server.stop()

    asyncio.run(serve())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_servers", description=__doc__)
    parser.add_argument("kind", choices=["floor", "naive"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    raise_nofile()
    die_with_parent()
    if args.kind == "floor":
        run_floor(args.port)
    else:
        run_naive(args.port)


if __name__ == "__main__":
    main()
