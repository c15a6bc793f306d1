"""JSON endpoints: the state (read and set), the deck for live reload, the notes,
and the exports of questions and polls."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

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
                "polls": [spec.to_json() for spec in deck.polls],
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


class ExportHandler(PrivateHandler):
    """What the audience said, for presenters (cookie or ``Authorization: Bearer``):
    JSON, or CSV with ``?format=csv``."""

    name = ""

    async def get(self, deck_id: str) -> None:
        self.deck_or_404(deck_id)
        if not self.is_presenter() and not self._bearer():
            return
        try:
            rows = await self.rows(deck_id)
        except Unavailable as exc:
            self.set_status(503)
            self.finish({"error": str(exc), "code": "unavailable"})
            return
        self.set_header("Cache-Control", "no-store")
        if self.get_query_argument("format", "json") == "csv":
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            filename = f"{deck_id}-{self.name}.csv"
            self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
            self.finish(self.csv(rows))
            return
        self.finish({"deck": deck_id, self.name: rows})

    def _bearer(self) -> bool:
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        address = self.request.remote_ip or ""
        if token and self.ctx.throttle.retry_after(address) > 0:
            raise tornado.web.HTTPError(429, reason="Too many wrong tokens; wait")
        if scheme.lower() == "bearer" and auth.token_matches(self.ctx.settings.secret, token):
            self.ctx.throttle.succeeded(address)
            return True
        if token:
            self.ctx.throttle.failed(address)
        raise tornado.web.HTTPError(403, reason="Presenter login required")

    async def rows(self, deck_id: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def csv(self, rows: list[dict[str, Any]]) -> str:
        raise NotImplementedError


class QuestionsExportHandler(ExportHandler):
    """``GET /decks/<id>/api/questions``: every question, oldest first."""

    name = "questions"

    async def rows(self, deck_id: str) -> list[dict[str, Any]]:
        return await self.ctx.interaction.questions_export(deck_id)

    def csv(self, rows: list[dict[str, Any]]) -> str:
        header = ["id", "asked_at", "name", "question", "votes", "status", "answered", "pinned"]
        lines = [
            [
                row["id"],
                datetime.fromtimestamp(row["at"] / 1000, UTC).isoformat(timespec="seconds"),
                row["name"],
                row["text"],
                row["votes"],
                row["status"],
                row["answered"],
                row["pinned"],
            ]
            for row in rows
        ]
        return csv_text(header, lines)


class PollsExportHandler(ExportHandler):
    """``GET /decks/<id>/api/polls``: every poll of the deck with its results."""

    name = "polls"

    async def rows(self, deck_id: str) -> list[dict[str, Any]]:
        return await self.ctx.interaction.polls_export(deck_id)

    def csv(self, rows: list[dict[str, Any]]) -> str:
        header = ["poll", "question", "option", "votes", "voters", "status"]
        lines = [
            [row["poll"], row["question"], option, count, row["voters"], row["status"]]
            for row in rows
            for option, count in zip(row["options"], row["counts"], strict=True)
        ]
        return csv_text(header, lines)


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """CSV for spreadsheets. Audience text that starts like a formula is
    prefixed with ``'`` so a spreadsheet shows it instead of running it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_inert(value) for value in row])
    return out.getvalue()


def _inert(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
