"""What every handler shares: the injected context, body limits, security
headers, error pages, deck lookup, the presenter cookie, and log lines
without query strings."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any

import jinja2
import tornado.httputil
import tornado.web

from presenter import auth
from presenter.assets import Assets
from presenter.core import csp, hosts
from presenter.core.decks import Deck
from presenter.core.errors import DeckError
from presenter.core.session import Snapshot
from presenter.core.throttle import LoginThrottle
from presenter.core.tickets import Tickets
from presenter.hub import Hub
from presenter.interaction import Interaction
from presenter.library import DeckLibrary
from presenter.livestate import LiveState
from presenter.settings import Settings

log = logging.getLogger("presenter")

KATEX = "/vendor/katex"  # the npm katex package, as /vendor serves it


@dataclass(frozen=True)
class Context:
    """What every handler gets through ``initialize``."""

    settings: Settings
    library: DeckLibrary
    live: LiveState
    hub: Hub
    interaction: Interaction
    assets: Assets
    templates: jinja2.Environment
    tickets: Tickets
    throttle: LoginThrottle
    known_hosts: frozenset[str]
    page_code: csp.InlineCode  # the inline script our deck pages add
    # Origins whose live sockets were refused, told once each (a few: a log, not a store).
    refused_origins: set[str] = field(default_factory=set)

    @property
    def public_base(self) -> str:
        """The origin in every URL shown to people (never the request's Host)."""
        settings = self.settings
        return hosts.public_base(
            settings.host, settings.port, settings.advertised_host, settings.public_url
        )

    @property
    def loopback_only(self) -> bool:
        """Whether the URLs shown to people work on this machine only (no phone can join)."""
        return hosts.is_loopback(self.public_base)


@tornado.web.stream_request_body
class Guarded(tornado.web.RequestHandler):
    """What every handler does, whatever it serves.

    * Query strings (which may hold ``?token=``) and undecodable arguments stay
      out of log lines and error messages.
    * A request body larger than :attr:`max_body` is answered 413 as soon as
      its ``Content-Length`` (or the data so far) says so, without reading it.
    * Every response says ``X-Content-Type-Options: nosniff`` and carries the
      Content-Security-Policy of :meth:`security_headers` (inert by default).
    """

    max_body = 0  # bytes of body this handler accepts
    _body: list[bytes] | None = None
    _body_size = 0

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.security_headers()

    def security_headers(self) -> None:
        """Set the framing and script policy of this handler's responses."""
        self.set_header("Content-Security-Policy", csp.ASSET)

    def prepare(self) -> Awaitable[None] | None:
        length = self.request.headers.get("Content-Length", "0").strip() or "0"
        if not length.isdigit() or int(length) > self.max_body:
            raise tornado.web.HTTPError(413, reason="Request body too large")
        return None

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self._body_size += len(chunk)
        if self._body_size > self.max_body:
            self.send_error(413, reason="Request body too large")
            return
        if self._body is None:
            self._body = []
        self._body.append(chunk)

    def read_body(self) -> bytes:
        """The request body (form fields parsed into the arguments too).

        Raises:
            tornado.web.Finish: the body was refused already.
        """
        if self._finished:
            raise tornado.web.Finish()
        body = b"".join(self._body or [])
        if not self.request.body:
            self.request.body = body
            tornado.httputil.parse_body_arguments(
                self.request.headers.get("Content-Type", ""),
                body,
                self.request.body_arguments,
                self.request.files,
                self.request.headers,
            )
            for name, values in self.request.body_arguments.items():
                self.request.arguments.setdefault(name, []).extend(values)
        return body

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        # Tornado's own message quotes the bytes, which may be a token.
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise tornado.web.HTTPError(400, reason="Invalid unicode in the URL") from None

    def query_word(self, name: str) -> str:
        """The query argument ``name``, ``""`` when absent or not UTF-8: for
        arguments checked against known words, which must never fail a
        request after it started (a log line, a socket already open)."""
        values = self.request.query_arguments.get(name)
        try:
            return values[-1].decode("utf-8") if values else ""
        except UnicodeDecodeError:
            return ""

    def _request_summary(self) -> str:
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, tornado.web.HTTPError):
            # The log message may quote input; the status and path say enough.
            if value.log_message and value.status_code >= 500:
                log.warning("%d %s: %s", value.status_code, self._request_summary(), value)
            return
        # Tornado's default prints the whole request, query string included.
        log.error("uncaught exception in %s", self._request_summary(), exc_info=(typ, value, tb))  # type: ignore[arg-type]


class PageMixin(Guarded):
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

    def security_headers(self) -> None:
        # Our own pages: framed by this origin only (the join page, the listing).
        self.set_header("Content-Security-Policy", csp.app_page("'self'"))
        self.set_header("X-Frame-Options", "SAMEORIGIN")
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

    def voter_cookie(self) -> str | None:
        """The browser's voter id from its signed cookie, or ``None``."""
        return auth.voter_of(self.get_signed_cookie(auth.VOTER_COOKIE, max_age_days=400))

    def give_voter_cookie(self) -> None:
        """Make sure the browser has a voter id: one vote per browser, whatever
        the page or tab, and a retry never counts twice."""
        if self.voter_cookie() is None:
            self.set_signed_cookie(
                auth.VOTER_COOKIE,
                auth.new_voter(),
                expires_days=365,
                httponly=True,
                samesite="Lax",
                path="/",
            )

    def public_url(self, path: str) -> str:
        """An absolute URL for people, from the configured address (never the Host header)."""
        return self.ctx.public_base + path

    def require_known_host(self) -> None:
        """Refuse a request whose Host is a name this server does not know (DNS rebinding).

        Raises:
            tornado.web.HTTPError: 400.
        """
        if not hosts.host_allowed(self.request.host_name, self.ctx.known_hosts):
            raise tornado.web.HTTPError(400, reason="Unknown host name for the presenter pages")

    def throttled(self) -> float:
        """Seconds this client must wait before another login attempt (0: none)."""
        return self.ctx.throttle.retry_after(self.request.remote_ip or "")


class PrivateHandler(BaseHandler):
    """A page or endpoint for presenters: never framed, never a referrer, and
    answered only for host names the server knows (see :mod:`presenter.core.hosts`)."""

    def security_headers(self) -> None:
        self.set_header("Content-Security-Policy", csp.app_page("'none'"))
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Referrer-Policy", "no-referrer")

    def prepare(self) -> Awaitable[None] | None:
        self.require_known_host()
        return super().prepare()


def page_config(
    deck: Deck, snapshot: Snapshot, view: str, interaction: dict[str, Any]
) -> dict[str, Any]:
    """The JSON the front end reads from ``#presenter-config``."""
    return {
        "interaction": interaction,
        "deck": deck.id,
        "kind": deck.kind,
        "view": view,
        # An audience page is audience, whatever login the browser holds.
        "ws": f"/decks/{deck.id}/ws" + ("?as=audience" if view == "audience" else ""),
        "events": f"/decks/{deck.id}/events",
        "seq": snapshot.seq,
        "state": snapshot.state.to_json(),
        "reveal": reveal_options(deck),
        "plugins": list(deck.plugins),
        "head": deck.head_signature,
    }


def reveal_options(deck: Deck) -> dict[str, Any]:
    """The deck's reveal.js options, with KaTeX loaded from this server when the
    deck uses math (never from a CDN: the slides must work offline)."""
    options = dict(deck.reveal_options)
    if "math" in deck.plugins:
        katex = options.get("katex")
        options["katex"] = {**(katex if isinstance(katex, dict) else {}), "local": KATEX}
    return options


def deck_error_json(error: DeckError | None) -> dict[str, Any] | None:
    """How a deck's load error is shown to presenters."""
    if error is None:
        return None
    return {"message": error.short, "line": error.line}
