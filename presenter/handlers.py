"""Thin Tornado handlers: they translate HTTP and WebSocket traffic to the core."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import jinja2
import tornado.iostream
import tornado.web
import tornado.websocket
from markupsafe import Markup
from tornado.httputil import HTTPHeaders

from presenter import auth, qr
from presenter.assets import Assets
from presenter.core import protocol
from presenter.core.decks import Deck, DeckLibrary, bundled_name, resolve_file
from presenter.core.errors import DeckError, ProtocolError, Unavailable
from presenter.core.frames import Frame
from presenter.core.htmldeck import strip_markdown_file_notes
from presenter.core.protocol import Role
from presenter.core.session import Snapshot
from presenter.core.state import SlideState
from presenter.core.tickets import Tickets
from presenter.hub import Hub
from presenter.live import Live
from presenter.outbox import Outbox
from presenter.settings import Settings

log = logging.getLogger("presenter")


@dataclass(frozen=True)
class Context:
    """What every handler gets through ``initialize``."""

    settings: Settings
    library: DeckLibrary
    live: Live
    hub: Hub
    assets: Assets
    templates: jinja2.Environment
    tickets: Tickets


class QuietSummary(tornado.web.RequestHandler):
    """Keeps query strings (which may hold ``?token=``) out of Tornado's log lines."""

    def _request_summary(self) -> str:
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, tornado.web.HTTPError):
            super().log_exception(typ, value, tb)
            return
        # Tornado's default prints the whole request, query string included.
        log.error("uncaught exception in %s", self._request_summary(), exc_info=(typ, value, tb))  # type: ignore[arg-type]


class PageMixin(QuietSummary):
    """Error pages (HTML, or JSON under ``/api/``) rendered from our templates."""

    ctx: Context

    def render_page(self, name: str, status: int = 200, **values: Any) -> None:
        """Render a template from ``templates/`` and finish the request."""
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(self.ctx.templates.get_template(name).render(**values))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = self._reason or HTTPStatus(status_code).phrase
        if "/api/" in self.request.path or self.request.path.endswith("/ws"):
            self.finish({"error": reason, "status": status_code})
            return
        self.render_page("error.html", status=status_code, code=status_code, message=reason)


class BaseHandler(PageMixin):
    """Shared helpers: deck lookup, presenter cookie, security headers."""

    def initialize(self, ctx: Context) -> None:
        self.ctx = ctx

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "same-origin")

    def deck_or_404(self, deck_id: str) -> Deck:
        """The deck, or a 404 that names the unknown id."""
        try:
            deck = self.ctx.library.get(deck_id)
        except DeckError as exc:
            raise tornado.web.HTTPError(
                500, reason="Deck cannot be loaded", log_message=str(exc)
            ) from None
        if deck is None:
            raise tornado.web.HTTPError(404, reason=f"No deck named {deck_id!r}")
        return deck

    def is_presenter(self) -> bool:
        """Whether the request carries a valid presenter cookie."""
        return self.get_signed_cookie(auth.COOKIE_NAME, max_age_days=30) == b"1"

    def public_url(self, path: str) -> str:
        """An absolute URL for people: the LAN address when listening on 0.0.0.0."""
        host = self.ctx.settings.advertised_host
        if host:
            return f"{self.request.protocol}://{host}:{self.ctx.settings.port}{path}"
        return f"{self.request.protocol}://{self.request.host}{path}"


class IndexHandler(BaseHandler):
    """``GET /``: the deck listing, or a redirect when there is one deck."""

    def get(self) -> None:
        ids = self.ctx.library.ids()
        if len(ids) == 1:
            self.redirect(f"/decks/{ids[0]}/")
            return
        decks = []
        for deck_id in ids:
            try:
                deck = self.ctx.library.get(deck_id)
            except DeckError:
                deck = None
            decks.append({"id": deck_id, "deck": deck})
        self.render_page("index.html", decks=decks)


class HealthHandler(BaseHandler):
    """``GET /healthz``: 200 while the server runs, with a few gauges for benchmarks."""

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish(
            {
                "ok": True,
                "pid": os.getpid(),
                "connections": sum(
                    len(self.ctx.hub.connections(deck)) for deck in self.ctx.hub.decks()
                ),
                "gc": {"collections": [gen["collections"] for gen in gc.get_stats()]},
            }
        )


class NoIconHandler(BaseHandler):
    """``GET /favicon.ico``: no icon, and no 404 in every browser console."""

    def get(self) -> None:
        self.set_status(204)
        self.set_header("Cache-Control", "max-age=86400")
        self.finish()


class SlashHandler(BaseHandler):
    """``/decks/<id>`` -> ``/decks/<id>/`` so relative links resolve inside the deck."""

    def get(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        self.redirect(f"/decks/{deck_id}/", permanent=True)


def page_config(deck: Deck, snapshot: Snapshot, view: str) -> dict[str, Any]:
    """The JSON the front end reads from ``#presenter-config``."""
    return {
        "deck": deck.id,
        "kind": deck.kind,
        "view": view,
        "ws": f"/decks/{deck.id}/ws",
        "events": f"/decks/{deck.id}/events",
        "seq": snapshot.seq,
        "state": snapshot.state.to_json(),
        "reveal": deck.reveal_options,
        "head": deck.head_signature,
    }


class AudienceHandler(BaseHandler):
    """``GET /decks/<id>/``: the deck, notes removed, following the presenter.

    ``?view=embed`` gives the same deck without a live connection, for the
    previews inside the presenter page.
    """

    def get(self, deck_id: str) -> None:
        deck = self.deck_or_404(deck_id)
        view = "embed" if self.get_query_argument("view", "") == "embed" else "audience"
        config = page_config(deck, self.ctx.live.snapshot(deck_id), view)
        self.set_header("Cache-Control", "no-store")
        if deck.kind == "markdown":
            self.render_page("deck.html", deck=deck, config=config)
            return
        head = self.ctx.templates.get_template("inject_head.html").render(config=config)
        body = self.ctx.templates.get_template("inject_body.html").render(config=config)
        before, middle, after = deck.page
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(before + head + middle + body + after)


class PresenterPageHandler(BaseHandler):
    """A page behind the secret: the speaker view or the phone remote.

    ``?token=`` with the secret, ``?login=`` with a one-time ticket (from the
    remote's QR code) or the login form's POST sets a signed HttpOnly cookie
    and redirects to the bare URL, so no secret stays in the address bar or
    the history. Without the cookie: a 403 page with a token form, holding no
    notes and no slide content.
    """

    template = ""
    view = ""

    def get(self, deck_id: str) -> None:
        deck = self.deck_or_404(deck_id)
        token = self.get_query_argument("token", None)
        ticket = self.get_query_argument("login", None)
        if token is not None or ticket is not None:
            ok = auth.token_matches(self.ctx.settings.secret, token) or (
                ticket is not None and self.ctx.tickets.redeem(ticket)
            )
            self._login(deck, ok)
            return
        if not self.is_presenter():
            self._refuse(deck, wrong=False)
            return
        self.set_header("Cache-Control", "no-store")
        self.render_page(self.template, deck=deck, config=self.config(deck))

    def post(self, deck_id: str) -> None:
        deck = self.deck_or_404(deck_id)
        self.check_xsrf_cookie()
        token = self.get_body_argument("token", "")
        self._login(deck, auth.token_matches(self.ctx.settings.secret, token))

    def config(self, deck: Deck) -> dict[str, Any]:
        """The page's ``#presenter-config``: what the audience gets, plus notes and links."""
        config = page_config(deck, self.ctx.live.snapshot(deck.id), self.view)
        error = self.ctx.library.error(deck.id)
        base = f"/decks/{deck.id}"
        config.update(
            notes=deck.notes,
            titles=list(deck.titles),
            slideCount=deck.slide_count,
            audienceUrl=self.public_url(f"{base}/"),
            remoteUrl=self.public_url(f"{base}/remote"),
            joinUrl=self.public_url(f"{base}/join"),
            deckError=deck_error_json(error),
        )
        return config

    def _login(self, deck: Deck, ok: bool) -> None:
        if not ok:
            self._refuse(deck, wrong=True)
            return
        self.set_signed_cookie(
            auth.COOKIE_NAME, "1", expires_days=30, httponly=True, samesite="Lax", path="/"
        )
        secret_args = ("token", "login")
        rest = [
            (k, v)
            for k, vs in self.request.query_arguments.items()
            for v in vs
            if k not in secret_args
        ]
        query = urlencode([(k, v.decode("utf-8", "replace")) for k, v in rest])
        self.redirect(self.request.path + (f"?{query}" if query else ""), status=303)

    def _refuse(self, deck: Deck, wrong: bool) -> None:
        self.set_header("Cache-Control", "no-store")
        self.render_page(
            "login.html",
            status=403,
            deck_id=deck.id,
            action=self.request.path,
            wrong=wrong,
            xsrf_form_html=Markup(self.xsrf_form_html()),
        )


def deck_error_json(error: DeckError | None) -> dict[str, Any] | None:
    """How a deck's load error is shown to presenters."""
    if error is None:
        return None
    return {"message": error.short, "line": error.line}


class PresenterHandler(PresenterPageHandler):
    """``/decks/<id>/presenter``: the speaker view."""

    template = "presenter.html"
    view = "presenter"


class RemoteHandler(PresenterPageHandler):
    """``/decks/<id>/remote``: the phone remote."""

    template = "remote.html"
    view = "remote"


class JoinHandler(BaseHandler):
    """``/decks/<id>/join``: a full-screen QR code of the audience URL, for the projector."""

    def get(self, deck_id: str) -> None:
        deck = self.deck_or_404(deck_id)
        url = self.public_url(f"/decks/{deck_id}/")
        self.render_page("join.html", deck=deck, url=url, qr_svg=Markup(qr.svg(url)))


class QrHandler(BaseHandler):
    """``/decks/<id>/qr.svg``: the audience URL as a QR code."""

    def get(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        self.set_header("Content-Type", "image/svg+xml")
        self.set_header("Cache-Control", "no-cache")
        self.finish(qr.svg(self.public_url(f"/decks/{deck_id}/")))


class RemoteQrHandler(BaseHandler):
    """``/decks/<id>/remote-qr.svg``: a one-time login link to the remote, presenters only.

    Each request issues a new ticket, valid once for ten minutes.
    """

    def get(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        if not self.is_presenter():
            raise tornado.web.HTTPError(403, reason="Presenter login required")
        url = self.public_url(f"/decks/{deck_id}/remote?login={self.ctx.tickets.issue()}")
        self.set_header("Content-Type", "image/svg+xml")
        self.set_header("Cache-Control", "no-store")
        self.finish(qr.svg(url, title="Remote login link"))


class DeckApiHandler(BaseHandler):
    """``GET /decks/<id>/api/deck``: the deck as the audience may see it (for live reload)."""

    def get(self, deck_id: str) -> None:
        deck = self.deck_or_404(deck_id)
        self.set_header("Cache-Control", "no-store")
        self.finish(
            {
                "deck": deck.id,
                "kind": deck.kind,
                "title": deck.title,
                "slideCount": deck.slide_count,
                "head": deck.head_signature,
                "slidesHtml": deck.slides_html if deck.kind == "markdown" else None,
            }
        )


class NotesApiHandler(BaseHandler):
    """``GET /decks/<id>/api/notes``: notes, titles and load error, presenters only."""

    def get(self, deck_id: str) -> None:
        deck = self.deck_or_404(deck_id)
        if not self.is_presenter():
            raise tornado.web.HTTPError(403, reason="Presenter login required")
        self.set_header("Cache-Control", "no-store")
        self.finish(
            {
                "notes": deck.notes,
                "titles": list(deck.titles),
                "error": deck_error_json(self.ctx.library.error(deck_id)),
            }
        )


class StateApiHandler(BaseHandler):
    """``GET``/``POST /decks/<id>/api/state``: the snapshot, and a way to set it over HTTP."""

    def check_xsrf_cookie(self) -> None:
        # Bearer-token API: no cookies are honoured, so there is nothing to forge.
        return

    def get(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        self.set_header("Cache-Control", "no-store")
        self.finish(self.ctx.live.snapshot(deck_id).to_json())

    async def post(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not auth.token_matches(self.ctx.settings.secret, token):
            self.set_header("WWW-Authenticate", 'Bearer realm="presenter"')
            self._fail(401, "unauthorized", "a valid 'Authorization: Bearer <token>' is required")
            return
        try:
            body = protocol.decode_json(self.request.body)
            if not isinstance(body, dict) or "state" not in body:
                raise ProtocolError("bad_message", 'body must be a JSON object {"state": {...}}')
            state = SlideState.from_json(body["state"])
        except ProtocolError as exc:
            self._fail(400, exc.code, exc.message)
            return
        try:
            snapshot = await self.ctx.live.set_state(deck_id, state)
        except Unavailable as exc:
            self._fail(503, "unavailable", str(exc))
            return
        self.finish(snapshot.to_json())

    def _fail(self, status: int, code: str, message: str) -> None:
        self.set_status(status)
        self.finish({"error": message, "code": code})


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


class DeckFileHandler(PageMixin, tornado.web.StaticFileHandler):
    """Other files of a deck folder (images, CSS, fonts), and reveal.js fallbacks.

    Paths are checked by :func:`presenter.core.decks.resolve_file`: nothing
    outside the folder, no dotfiles, never the deck's source. A reference to
    ``dist/...`` or ``plugin/...`` the folder does not hold is served from the
    bundled reveal.js.
    """

    ctx: Context

    def initialize(self, ctx: Context) -> None:  # type: ignore[override]
        self.ctx = ctx
        super().initialize(path=str(ctx.assets.reveal))

    async def get(self, deck_id: str, path: str, include_body: bool = True) -> None:  # type: ignore[override]
        folder = self.ctx.library.folder(deck_id)
        if folder is None:
            raise tornado.web.HTTPError(404, reason=f"No deck named {deck_id!r}")
        refuse = (folder / "slides.md", folder / "index.html", self.ctx.settings.state_dir)
        found = resolve_file(folder, path, refuse)
        root = folder
        if found is None and (bundled := bundled_name(path)) is not None:
            found = resolve_file(self.ctx.assets.reveal, bundled)
            root = self.ctx.assets.reveal
        if found is None:
            raise tornado.web.HTTPError(404, reason="No such file in this deck")
        if found.suffix.lower() in (".md", ".markdown") and root == folder:
            # Markdown an HTML deck loads (data-markdown="x.md") may hold notes.
            self._send_markdown(found, include_body)
            return
        self.root = str(root.resolve())
        await super().get(str(found.relative_to(root.resolve())), include_body)

    def _send_markdown(self, path: Path, include_body: bool) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise tornado.web.HTTPError(404, reason="No such file in this deck") from None
        self.absolute_path = str(path)  # the ETag follows the file on disk
        self.set_header("Content-Type", "text/markdown; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(strip_markdown_file_notes(text) if include_body else None)

    async def head(self, deck_id: str, path: str) -> None:  # type: ignore[override]
        await self.get(deck_id, path, include_body=False)


class RevealHandler(QuietSummary, tornado.web.StaticFileHandler):
    """``/reveal/...``: the bundled reveal.js ``dist`` folder."""


class StaticHandler(QuietSummary, tornado.web.StaticFileHandler):
    """``/static/...``: our own JavaScript and CSS."""
