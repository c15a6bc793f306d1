"""What every handler shares: the injected context, error pages, deck lookup,
the presenter cookie and log lines without query strings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any

import jinja2
import tornado.iostream
import tornado.web
import tornado.websocket

from presenter import auth
from presenter.assets import Assets
from presenter.core.decks import Deck, DeckLibrary
from presenter.core.errors import DeckError
from presenter.core.session import Snapshot
from presenter.core.tickets import Tickets
from presenter.hub import Hub
from presenter.live import Live
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


def deck_error_json(error: DeckError | None) -> dict[str, Any] | None:
    """How a deck's load error is shown to presenters."""
    if error is None:
        return None
    return {"message": error.short, "line": error.line}
