"""The live endpoints: the WebSocket protocol and its Server-Sent Events fallback."""

from __future__ import annotations

import asyncio

import tornado.iostream
import tornado.web
import tornado.websocket
from tornado.httputil import HTTPHeaders

from presenter import auth
from presenter.core import protocol
from presenter.core.errors import ProtocolError, Unavailable
from presenter.core.frames import Frame
from presenter.core.protocol import Role
from presenter.handlers.base import (
    BaseHandler,
    Context,
    QuietSummary,
    log,
)
from presenter.outbox import Outbox


class LiveSocket(QuietSummary, tornado.websocket.WebSocketHandler):
    """``WS /decks/<id>/ws``: the live protocol (see docs/protocol.md)."""

    ctx: Context
    deck: str
    role: Role

    def initialize(self, ctx: Context) -> None:
        self.ctx = ctx
        self.role = "audience"
        self._outbox: Outbox | None = None
        self._awaiting_pong = False

    def prepare(self) -> None:
        deck_id = self.path_args[0]
        if self.ctx.library.folder(deck_id) is None:
            self.set_status(404)
            self.finish({"error": f"No deck named {deck_id!r}", "status": 404})

    def check_origin(self, origin: str) -> bool:
        allowed = self.ctx.settings.allow_origins
        if "*" in allowed or origin.rstrip("/") in allowed:
            return True
        return super().check_origin(origin)

    def open(self, *args: str, **kwargs: str) -> None:
        self.deck = args[0]
        connection = self.ws_connection
        stream = getattr(connection, "stream", None)
        if stream is not None:
            self._outbox = Outbox(stream, self._too_slow)
        if self.get_signed_cookie(auth.COOKIE_NAME, max_age_days=30) == b"1":
            self.role = "presenter"
        self._shed_handshake()
        if self._outbox is not None:
            self.push = self._outbox.push  # type: ignore[method-assign]
        self.ctx.hub.add_stream(self, self.ctx.settings.ping_interval)
        self._welcome()
        if self.role == "presenter":
            self._presenter_extras()

    def _shed_handshake(self) -> None:
        # A long-lived socket no longer needs what the handshake used: request and
        # response headers, parsed cookies, and the stand-ins Tornado puts over
        # HTTP-only methods. Over ten thousand sockets this is tens of megabytes.
        self.request.headers = HTTPHeaders()
        self._headers = HTTPHeaders()
        attributes = self.__dict__
        for name in _HANDSHAKE_ONLY:
            attributes.pop(name, None)
        # Python dicts never shrink; a copy is sized to what is left.
        self.__dict__ = dict(attributes)

    def _welcome(self) -> None:
        snapshot = self.ctx.live.snapshot(self.deck)
        self.send(protocol.welcome(self.deck, self.role, snapshot.seq, snapshot.state))

    def _presenter_extras(self) -> None:
        self.send(protocol.presence(self.ctx.hub.audience_count(self.deck)))
        error = self.ctx.library.error(self.deck)
        if error is not None:
            self.send(protocol.deck_status(error.short, error.line))

    def send(self, frame: str) -> None:
        """Send one message to this client."""
        self.push(Frame(frame, "direct"))

    def push(self, frame: Frame) -> None:
        """Send a frame through this socket's outbox (never waits, never raises).

        While the socket is open this method is shadowed by the outbox's own
        ``push`` (see :meth:`open`), which saves a call per socket per broadcast.
        """
        outbox = self._outbox
        if outbox is not None:
            outbox.push(frame)

    def heartbeat(self) -> None:
        """Ping the client; one that did not answer the previous ping is dropped.

        The hub calls this about every ``ping_interval`` seconds, so a dead
        client leaves within two intervals.
        """
        if self._awaiting_pong:
            self.close(1001, "ping timed out")
            return
        self._awaiting_pong = True
        outbox = self._outbox
        if outbox is not None:
            outbox.write(PING_FRAME, latest_wins=False)

    def on_pong(self, data: bytes) -> None:
        self._awaiting_pong = False

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        outbox = self._outbox
        if outbox is not None:
            outbox.close()
        super().close(code, reason)

    def _too_slow(self) -> None:
        log.info("closing a live socket on deck %s that stopped reading", self.deck)
        self.close(1013, "too slow: reconnect to resync")

    async def on_message(self, message: str | bytes) -> None:
        # Tornado reads this socket's next message only after this returns,
        # so one presenter's changes are applied in the order they were sent.
        try:
            if isinstance(message, bytes):
                raise ProtocolError("bad_message", "binary frames are not accepted; send JSON text")
            await self._handle(protocol.parse_client_message(message))
        except ProtocolError as exc:
            self.send(protocol.error(exc.code, exc.message))
        except Unavailable as exc:
            self.send(protocol.error("unavailable", str(exc)))
        except Exception:
            # Never let one message drop the socket; the failure is ours, not the client's.
            log.exception("live message on deck %s failed", self.deck)

    async def _handle(self, message: protocol.ClientMessage) -> None:
        if isinstance(message, protocol.AuthMessage):
            if not auth.token_matches(self.ctx.settings.secret, message.token):
                raise ProtocolError("unauthorized", "wrong presenter token")
            self.ctx.hub.promote(self)
            self._welcome()
            self._presenter_extras()
            return
        if self.role != "presenter":
            raise ProtocolError("forbidden", "only a presenter can change the slide state")
        await self.ctx.live.set_state(self.deck, message.state)

    def on_close(self) -> None:
        self._outbox = None
        self.__dict__.pop("push", None)
        self.ctx.hub.remove_stream(self)


class EventsHandler(BaseHandler):
    """``GET /decks/<id>/events``: the live state as Server-Sent Events.

    For networks that block WebSockets. The same ``welcome`` first, then the
    same ``state`` and ``reload`` messages, each as JSON in a ``data:`` line
    with ``id:`` = ``seq`` (a reconnecting ``EventSource`` sends it back as
    ``Last-Event-ID`` and gets a fresh ``welcome`` with the current state), and
    a comment line every 15 s. Receive only: an SSE client is audience.
    """

    deck: str
    role: Role = "audience"

    async def get(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        self.deck = deck_id
        self._done = asyncio.Event()
        self._flushing = False
        self._queued: list[bytes] = []
        self._latest: bytes | None = None
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Accel-Buffering", "no")  # let nginx pass events through at once
        snapshot = self.ctx.live.snapshot(deck_id)
        self.write(b"retry: 2000\n\n")
        self.push(
            Frame(
                protocol.welcome(deck_id, "audience", snapshot.seq, snapshot.state),
                "welcome",
                snapshot.seq,
            )
        )
        self.ctx.hub.add_stream(self, self.ctx.settings.sse_heartbeat)
        await self._done.wait()

    def send(self, frame: str) -> None:
        """Send one message to this client."""
        self.push(Frame(frame, "direct"))

    def push(self, frame: Frame) -> None:
        """Send an event; while a flush is pending, latest-wins events replace each other."""
        if self._done.is_set():
            return
        if self._flushing:
            if frame.latest_wins:
                self._latest = frame.sse
            else:
                self._queued.append(frame.sse)
            return
        self.write(frame.sse)
        self._flush()

    def heartbeat(self) -> None:
        """A comment line, so proxies and browsers keep the stream open."""
        if not self._flushing and not self._done.is_set():
            self.write(b": heartbeat\n\n")
            self._flush()

    def _flush(self) -> None:
        self._flushing = True
        try:
            future = self.flush()
        except tornado.iostream.StreamClosedError:
            self.on_connection_close()
            return
        future.add_done_callback(self._flushed)

    def _flushed(self, future: asyncio.Future[None]) -> None:
        self._flushing = False
        if future.cancelled() or future.exception() is not None:
            self.on_connection_close()
            return
        pending = self._queued + ([self._latest] if self._latest is not None else [])
        self._queued, self._latest = [], None
        if pending and not self._done.is_set():
            self.write(b"".join(pending))
            self._flush()

    def on_connection_close(self) -> None:
        if not self._done.is_set():
            self._done.set()
            self.ctx.hub.remove_stream(self)


# Set on each socket by Tornado after the handshake (guards against HTTP-only
# calls) or cached during it; none is needed while the socket lives.
_HANDSHAKE_ONLY = (
    "_cookies",
    "write",
    "redirect",
    "set_header",
    "set_cookie",
    "set_status",
    "flush",
    "finish",
)

# An empty, unmasked WebSocket ping (RFC 6455: opcode 0x9, FIN set).
PING_FRAME = b"\x89\x00"
