"""HTML pages: the listing, the audience page, the speaker pages and join codes."""

from __future__ import annotations

import gc
import os
from typing import Any
from urllib.parse import urlencode

import tornado.web
from markupsafe import Markup

from presenter import auth, qr
from presenter.core import csp
from presenter.core.decks import Deck
from presenter.core.errors import DeckError
from presenter.handlers.base import (
    BaseHandler,
    PrivateHandler,
    deck_error_json,
    page_config,
)


class IndexHandler(BaseHandler):
    """``GET /``: the deck listing, or a redirect when there is one deck."""

    page_view = True

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
        self.render_page("index.html", decks=decks, presenter=self.is_presenter())


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


class AudienceHandler(BaseHandler):
    """``GET /decks/<id>/``: the deck, notes removed, following the presenter.

    ``?view=embed`` gives the same deck without a live connection, for the
    frames inside the presenter pages; ``?view=preview`` too, for the speaker
    view's next-step preview, which shows one slide at a time.
    """

    EMBEDDED = frozenset({"embed", "preview"})

    @property
    def page_view(self) -> bool:
        """Logged as a page view, unless it is one of the presenter pages' frames."""
        return self.query_word("view") not in self.EMBEDDED

    def get(self, deck_id: str) -> None:
        deck = self.deck_or_404(deck_id)
        asked = self.query_word("view")
        view = asked if asked in self.EMBEDDED else "audience"
        config = page_config(
            deck, self.ctx.live.snapshot(deck_id), view, self.ctx.interaction.page_config(deck)
        )
        self.set_header("Cache-Control", "no-store")
        if view == "audience" and config["interaction"]["enabled"]:
            self.give_voter_cookie()
        # --allow-origin governs who may embed the audience page; the frames
        # of the presenter pages are framed by this origin only.
        allowed = self.ctx.settings.allow_origins if view == "audience" else ()
        policy = csp.deck_page([deck.code, self.ctx.page_code], csp.frame_ancestors(allowed))
        self.set_header("Content-Security-Policy", policy)
        if allowed:
            self.clear_header("X-Frame-Options")  # it cannot name several origins
        if deck.kind == "markdown":
            self.render_page("deck.html", deck=deck, config=config)
            return
        head = self.ctx.templates.get_template("inject_head.html").render(config=config)
        body = self.ctx.templates.get_template("inject_body.html").render(config=config)
        before, middle, after = deck.page
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(before + head + middle + body + after)


class PresenterPageHandler(PrivateHandler):
    """A page behind the secret: the speaker view or the phone remote.

    ``?token=`` with the secret, ``?login=`` with a one-time ticket (from the
    remote's QR code) or the login form's POST sets a signed HttpOnly cookie
    and redirects to the bare URL, so no secret stays in the address bar or
    the history. Without the cookie: a 403 page with a token form, holding no
    notes and no slide content.
    """

    template = ""
    view = ""
    max_body = 8 * 1024  # the login form
    page_view = True

    def get(self, deck_id: str) -> None:
        deck = self.deck_or_404(deck_id)
        token = self.get_query_argument("token", None)
        ticket = self.get_query_argument("login", None)
        if token is not None or ticket is not None:
            if self._throttled(deck):
                return
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
        self.read_body()
        self.check_xsrf_cookie()
        if self._throttled(deck):
            return
        token = self.get_body_argument("token", "")
        self._login(deck, auth.token_matches(self.ctx.settings.secret, token))

    def config(self, deck: Deck) -> dict[str, Any]:
        """The page's ``#presenter-config``: what the audience gets, plus notes and links."""
        config = page_config(
            deck, self.ctx.live.snapshot(deck.id), self.view, self.ctx.interaction.page_config(deck)
        )
        error = self.ctx.library.error(deck.id)
        base = f"/decks/{deck.id}"
        config.update(
            notes=deck.notes,
            titles=list(deck.titles),
            audienceUrl=self.public_url(f"{base}/"),
            remoteUrl=self.public_url(f"{base}/remote"),
            joinUrl=self.public_url(f"{base}/join"),
            deckError=deck_error_json(error),
            deckWarnings=list(deck.warnings),
            loopbackOnly=self.ctx.loopback_only,
        )
        return config

    def _throttled(self, deck: Deck) -> bool:
        wait = self.throttled()
        if wait <= 0:
            return False
        self.set_header("Retry-After", str(int(wait) + 1))
        self._refuse(deck, wrong=False, status=429, wait=int(wait) + 1)
        return True

    def _login(self, deck: Deck, ok: bool) -> None:
        address = self.request.remote_ip or ""
        if not ok:
            self.ctx.throttle.failed(address)
            self._refuse(deck, wrong=True)
            return
        self.ctx.throttle.succeeded(address)
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

    def _refuse(self, deck: Deck, wrong: bool, status: int = 403, wait: int = 0) -> None:
        self.set_header("Cache-Control", "no-store")
        self.render_page(
            "login.html",
            status=status,
            deck_id=deck.id,
            action=self.request.path,
            wrong=wrong,
            wait=wait,
            xsrf_form_html=Markup(self.xsrf_form_html()),
        )


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

    page_view = True

    def get(self, deck_id: str) -> None:
        deck = self.deck_or_404(deck_id)
        url = self.public_url(f"/decks/{deck_id}/")
        self.render_page(
            "join.html",
            deck=deck,
            url=url,
            qr_svg=Markup(qr.svg(url)),
            loopback=self.ctx.loopback_only,
        )


class QrHandler(BaseHandler):
    """``/decks/<id>/qr.svg``: the audience URL as a QR code."""

    def get(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        self.set_header("Content-Type", "image/svg+xml")
        self.set_header("Cache-Control", "no-cache")
        self.finish(qr.svg(self.public_url(f"/decks/{deck_id}/")))


class RemoteQrHandler(PrivateHandler):
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
