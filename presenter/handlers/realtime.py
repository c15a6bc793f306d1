"""The live endpoints: the WebSocket protocol and its Server-Sent Events fallback."""

from __future__ import annotations

import asyncio
import time
from asyncio import Future
from collections.abc import Awaitable

import tornado.iostream
import tornado.web
import tornado.websocket
from tornado.httputil import HTTPHeaders
from tornado.websocket import WebSocketProtocol, WebSocketProtocol13

from presenter import auth
from presenter.core import protocol
from presenter.core.errors import ErrorCode, ProtocolError, Unavailable
from presenter.core.frames import Frame
from presenter.core.protocol import Role
from presenter.core.ratelimit import TokenBucket
from presenter.handlers.base import (
    BaseHandler,
    Context,
    Guarded,
    log,
)
from presenter.interaction import describe
from presenter.outbox import Outbox


class StrictProtocol(WebSocketProtocol13):
    """Tornado's RFC 6455 protocol plus two rules it leaves out.

    A client frame that is not masked closes the socket with 1002 (protocol
    error) and a text frame that is not UTF-8 with 1007; Tornado would accept
    the first and drop the connection without a code for the second. Both
    hook into Tornado's private frame reader: ``_read_bytes`` (which reads a
    frame as header, extended length, mask, payload) and ``_handle_message``;
    tests/integration/test_tornado_tripwires.py fails if they stop being
    called as expected. Neither adds a coroutine: an idle socket waits inside
    Tornado's own, and ten thousand of them would pay for every extra frame.
    """

    _reads_left = 0  # reads of the current frame after its header

    def _read_bytes(self, n: int) -> Future[bytes]:  # type: ignore[override]
        future: Future[bytes] = self.stream.read_bytes(n)  # type: ignore[assignment]
        self._wire_bytes_in += n
        if self._reads_left:
            self._reads_left -= 1
        elif future.done():  # the bytes were buffered: Tornado goes on without yielding
            self._check_header(future)
        else:  # runs before Tornado's coroutine resumes: it was added first
            future.add_done_callback(self._check_header)
        return future

    def _check_header(self, future: Future[bytes]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        header = future.result()
        if not header[1] & 0x80:
            self._fail(1002, "client frames must be masked")
            return
        length = header[1] & 0x7F
        # Then: the extended length (if any), the mask, the payload.
        self._reads_left = (1 if length >= 126 else 0) + 2

    def _handle_message(self, opcode: int, data: bytes) -> Future[None] | None:
        if opcode == 0x1 and not self.client_terminated and not self._frame_compressed:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                self._fail(1007, "text frames must be UTF-8")
                return None
        return super()._handle_message(opcode, data)

    def _fail(self, code: int, reason: str) -> None:
        self.close(code, reason)
        self._abort()


class LiveSocket(Guarded, tornado.websocket.WebSocketHandler):
    """``WS /decks/<id>/ws``: the live protocol (see docs/protocol.md).

    A socket that dies at any moment (during the handshake, before
    :meth:`open`, while a broadcast writes to it) leaves nothing behind: it
    is registered with the hub only once open on a live stream, and every
    way out ends in :meth:`on_close`.
    """

    ctx: Context
    deck: str
    role: Role

    def initialize(self, ctx: Context) -> None:
        self.ctx = ctx
        self.deck = ""  # set by open(); a socket closed before it never had one
        self.role = "audience"
        self._outbox: Outbox | None = None
        self._stream: tornado.iostream.IOStream | None = None
        self._awaiting_pong = False
        self._closing = False
        self._signed_in = False
        self._peer = ""
        self.voter = ""
        self._bucket: TokenBucket | None = None  # made on the first audience message

    def prepare(self) -> Awaitable[None] | None:
        super().prepare()
        deck_id = self.path_args[0]
        if self.ctx.library.folder(deck_id) is None:
            raise tornado.web.HTTPError(404, reason=f"No deck named {deck_id!r}")
        if self.request.version != "HTTP/1.1":
            # RFC 6455 needs HTTP/1.1; an HTTP/1.0 connection closes after the 101.
            raise tornado.web.HTTPError(400, reason="WebSocket needs HTTP/1.1")
        return None

    def write_error(self, status_code: int, **kwargs: object) -> None:
        self.finish({"error": self._reason, "status": status_code})

    def check_origin(self, origin: str) -> bool:
        allowed = self.ctx.settings.allow_origins
        if "*" in allowed or origin.rstrip("/") in allowed:
            return True
        if super().check_origin(origin):
            return True
        refused = self.ctx.refused_origins
        if len(refused) < 20 and origin not in refused:
            refused.add(origin)
            log.warning(
                "live socket from origin %.100r refused: start the server with "
                "--allow-origin <that origin> to let pages there follow",
                origin,
            )
        return False

    def get_websocket_protocol(self) -> WebSocketProtocol | None:
        protocol = super().get_websocket_protocol()
        if type(protocol) is WebSocketProtocol13:
            # The same object, with our two checks: building a second one would
            # cost every socket memory until the collector runs.
            protocol.__class__ = StrictProtocol
        return protocol

    def open(self, *args: str, **kwargs: str) -> None:
        self.deck = args[0]
        try:
            self._register()
        except Exception:
            log.exception("opening a live socket on deck %s failed", self.deck)
            self.drop()

    def _register(self) -> None:
        connection = self.ws_connection
        stream = getattr(connection, "stream", None)
        if stream is None or stream.closed():
            return  # gone already; on_close follows
        self._stream = stream
        self._outbox = Outbox(stream, self._too_slow)
        self._peer = self.request.remote_ip or ""
        self._signed_in = self.get_signed_cookie(auth.COOKIE_NAME, max_age_days=30) == b"1"
        # Without the cookie (a script, cookies refused): a voter for this socket's life.
        cookie = self.get_signed_cookie(auth.VOTER_COOKIE, max_age_days=400)
        self.voter = auth.voter_of(cookie) or auth.new_voter()
        # The page decides: an audience page (?as=audience) is audience even in a
        # browser that holds the presenter login, so the audience count is right.
        if self._signed_in and self.query_word("as") != "audience":
            self.role = "presenter"
        self._shed_handshake()
        self.push = self._outbox.push  # type: ignore[method-assign]
        self.ctx.hub.add_stream(self, self.ctx.settings.ping_interval)
        self._welcome()
        if self.role == "presenter":
            self._presenter_extras()
        self.ctx.interaction.greet(self)

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
        hint = self._signed_in and self.role == "audience"
        welcome = protocol.welcome(self.deck, self.role, snapshot.seq, snapshot.state, hint)
        self.send(welcome)

    def _presenter_extras(self) -> None:
        self.send(self.ctx.hub.presence_frame(self.deck))
        error = self.ctx.library.error(self.deck)
        if error is not None:
            self.send(protocol.deck_status(error.short, error.line))
        self.send(self.ctx.live.timer_frame(self.deck))

    def send(self, frame: Frame) -> None:
        """Send one message to this client."""
        self.push(frame)

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

        The hub calls this every ``ping_interval`` seconds, so a client that
        stops answering is gone within two intervals of its last pong.
        """
        if self._awaiting_pong:
            self.close(1001, "ping timed out")
            self.drop()  # a dead peer will not finish the closing handshake
            return
        self._awaiting_pong = True
        outbox = self._outbox
        if outbox is not None:
            outbox.write(PING_FRAME, latest_wins=False)

    def on_pong(self, data: bytes) -> None:
        self._awaiting_pong = False

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        if self._closing:
            return
        self._closing = True
        outbox = self._outbox
        if outbox is not None:
            outbox.close()
        super().close(code, reason)

    def drop(self) -> None:
        """Close the connection at once, without waiting for the client."""
        outbox = self._outbox
        if outbox is not None:
            outbox.close()
        stream = self._stream
        if stream is not None:
            stream.close()  # Tornado's reader sees it and calls on_close
        else:
            self.on_close()

    def _too_slow(self) -> None:
        log.info("closing a live socket on deck %s that stopped reading", self.deck)
        self.close(1013, "too slow: reconnect to resync")

    def on_message(self, message: str | bytes) -> Awaitable[None] | None:
        # Tornado reads this socket's next message only once what this returns
        # is done, so one presenter's changes are applied in the order they were
        # sent. What needs no waiting (reactions, mode, refusals) is handled
        # here and returns None: no task per message, which for ten thousand
        # reactions a second would be most of the cost.
        try:
            if isinstance(message, bytes):
                raise ProtocolError("bad_message", "binary frames are not accepted; send JSON text")
            parsed = protocol.parse_client_message(message)
            if isinstance(parsed, protocol.ReactMessage | protocol.ModeMessage):
                self._about = describe(parsed)
                self._at_once(parsed)
                return None
        except ProtocolError as exc:
            self._reply_error(exc.code, exc.message, exc.about)
            return None
        except Exception:
            self._failed()
            return None
        return self._awaited(parsed)

    async def _awaited(self, message: protocol.ClientMessage) -> None:
        try:
            await self._handle(message)
        except ProtocolError as exc:
            self._reply_error(exc.code, exc.message, exc.about)
        except Unavailable as exc:
            self._reply_error("unavailable", str(exc), self._about)
        except asyncio.CancelledError:
            pass  # the server is stopping: nothing to answer, nothing to log
        except Exception:
            self._failed()

    def _failed(self) -> None:
        # The failure is ours, not the client's: log it once and end this
        # socket only (its page reconnects), never the others.
        log.exception("live message on deck %s failed", self.deck)
        self.close(1011, "internal error")

    def _at_once(self, message: protocol.ReactMessage | protocol.ModeMessage) -> None:
        if isinstance(message, protocol.ModeMessage):
            if self.role != "presenter" and self._within_rate():
                self.ctx.hub.set_following(self, message.following)
            return
        if not self._within_rate():
            raise ProtocolError("rate_limited", "too many messages; slow down", self._about)
        self.ctx.interaction.react(self, message.emoji)

    def _reply_error(self, code: ErrorCode, message: str, about: dict[str, str] | None) -> None:
        outbox = self._outbox
        if outbox is not None and outbox.backed_up:
            # Sending junk faster than it reads our answers: its replies would
            # pile up in memory.
            self.close(1008, "sending faster than reading")
            return
        self.send(protocol.error(code, message, about))

    _about: dict[str, str] | None = None  # the message being handled, for errors

    def _within_rate(self) -> bool:
        bucket = self._bucket
        if bucket is None:
            bucket = self._bucket = TokenBucket(time.monotonic, AUDIENCE_RATE, AUDIENCE_BURST)
        return bucket.take()

    async def _interact(self, message: protocol.InteractionMessage) -> None:
        limited = self.role != "presenter" or isinstance(message, AUDIENCE_MESSAGES)
        if limited and not self._within_rate():
            raise ProtocolError("rate_limited", "too many messages; slow down", self._about)
        await self.ctx.interaction.handle(self, message)

    async def _handle(self, message: protocol.ClientMessage) -> None:
        if isinstance(message, protocol.InteractionMessage):
            self._about = describe(message)
            await self._interact(message)
            return
        self._about = None
        if isinstance(message, protocol.AuthMessage):
            throttle = self.ctx.throttle
            wait = throttle.retry_after(self._peer)
            if wait > 0:
                raise ProtocolError(
                    "rate_limited", f"too many wrong tokens; try again in {int(wait) + 1} s"
                )
            if not auth.token_matches(self.ctx.settings.secret, message.token):
                throttle.failed(self._peer)
                raise ProtocolError("unauthorized", "wrong presenter token")
            throttle.succeeded(self._peer)
            self.ctx.hub.promote(self)
            self._welcome()
            self._presenter_extras()
            self.ctx.interaction.greet(self)
            return
        if self.role != "presenter":
            raise ProtocolError("forbidden", "only a presenter can change the slide state")
        if isinstance(message, protocol.TimerMessage):
            await self.ctx.live.work_timer(self.deck, message.action)
            return
        await self.ctx.live.set_state(self.deck, message.state)

    def on_close(self) -> None:
        self._outbox = None
        self._stream = None
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
    voter = ""

    def initialize(self, ctx: Context) -> None:
        super().initialize(ctx)
        # Set before get(): a request refused earlier (a body, a bad Host) still closes.
        self._done = asyncio.Event()
        self._streaming = False  # in the hub

    async def get(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        self.deck = deck_id
        self.voter = self.voter_cookie() or ""
        self._flushing = False
        self._queued: list[bytes] = []
        self._latest: bytes | None = None
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Accel-Buffering", "no")  # let nginx pass events through at once
        snapshot = self.ctx.live.snapshot(deck_id)
        self.write(b"retry: 2000\n\n")
        self.push(protocol.welcome(deck_id, "audience", snapshot.seq, snapshot.state))
        self.ctx.hub.add_stream(self, self.ctx.settings.sse_heartbeat)
        self._streaming = True
        self.ctx.interaction.greet(self)
        await self._done.wait()

    def send(self, frame: Frame) -> None:
        """Send one message to this client."""
        self.push(frame)

    def push(self, frame: Frame) -> None:
        """Send an event; while a flush is pending, latest-wins events replace each other."""
        if self._done.is_set():
            return
        if self._flushing:
            if frame.latest_wins:
                self._latest = frame.sse
            elif len(self._queued) < MAX_QUEUED_EVENTS:
                self._queued.append(frame.sse)
            else:
                self.drop()  # stuck: it reconnects and gets a fresh welcome
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

    def drop(self) -> None:
        """End the stream at once."""
        self.on_connection_close()
        close = getattr(self.request.connection, "close", None)
        if close is not None:
            close()

    def on_connection_close(self) -> None:
        if not self._done.is_set():
            self._done.set()
            if self._streaming:
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

# What the audience sends, limited from presenters too.
AUDIENCE_MESSAGES = (
    protocol.AskMessage,
    protocol.UpvoteMessage,
    protocol.VoteMessage,
    protocol.ReactMessage,
)
# Audience messages (questions, votes, reactions) per socket: a token bucket.
AUDIENCE_RATE = 5.0  # a second
AUDIENCE_BURST = 10

# Events that cannot be coalesced (reloads) held for an SSE client that does not read.
MAX_QUEUED_EVENTS = 64

# An empty, unmasked WebSocket ping (RFC 6455: opcode 0x9, FIN set).
PING_FRAME = b"\x89\x00"
