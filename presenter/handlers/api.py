"""JSON endpoints: the state (read and set), the deck for live reload, the notes."""

from __future__ import annotations

import tornado.web

from presenter import auth
from presenter.core import protocol
from presenter.core.errors import ProtocolError, Unavailable
from presenter.core.state import SlideState
from presenter.handlers.base import (
    BaseHandler,
    PrivateHandler,
    deck_error_json,
)

API_BODY = 4 * 1024  # a state object is well under 200 bytes


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


class NotesApiHandler(PrivateHandler):
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
                "warnings": list(deck.warnings),
                "error": deck_error_json(self.ctx.library.error(deck_id)),
            }
        )


class StateApiHandler(BaseHandler):
    """``GET``/``POST /decks/<id>/api/state``: the snapshot, and a way to set it over HTTP."""

    max_body = API_BODY

    def check_xsrf_cookie(self) -> None:
        # Bearer-token API: no cookies are honoured, so there is nothing to forge.
        return

    def get(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        self.set_header("Cache-Control", "no-store")
        self.finish(self.ctx.live.snapshot(deck_id).to_json())

    async def post(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        raw = self.read_body()
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if token and (wait := self.throttled()) > 0:
            self.set_header("Retry-After", str(int(wait) + 1))
            self._fail(429, "rate_limited", "too many wrong tokens from this address; wait")
            return
        if scheme.lower() != "bearer" or not auth.token_matches(self.ctx.settings.secret, token):
            if token:
                self.ctx.throttle.failed(self.request.remote_ip or "")
            self.set_header("WWW-Authenticate", 'Bearer realm="presenter"')
            self._fail(401, "unauthorized", "a valid 'Authorization: Bearer <token>' is required")
            return
        self.ctx.throttle.succeeded(self.request.remote_ip or "")
        try:
            body = protocol.decode_json(raw)
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
