"""Builds the Tornado application: the one place where parts are wired together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import tornado.web

from presenter import auth
from presenter.assets import Assets, find_assets
from presenter.broker import Broker, LocalBroker
from presenter.core.decks import DeckLibrary
from presenter.core.protocol import MAX_MESSAGE_BYTES
from presenter.handlers import (
    AudienceHandler,
    Context,
    DeckFileHandler,
    HealthHandler,
    IndexHandler,
    LiveSocket,
    NoIconHandler,
    PresenterHandler,
    RevealHandler,
    SlashHandler,
    StateApiHandler,
    StaticHandler,
)
from presenter.hub import Hub
from presenter.live import Live
from presenter.pages import make_environment
from presenter.settings import Settings
from presenter.store import SqliteStore, StateStore

access_log = logging.getLogger("presenter.access")

DECK = r"/decks/([A-Za-z0-9][A-Za-z0-9._-]*)"


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Access log without query strings: a ``?token=`` must never reach a log."""
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING
    if status >= 500:
        level = logging.ERROR
    request = handler.request
    access_log.log(
        level,
        "%d %s %s %.1fms",
        status,
        request.method,
        request.path,
        1000.0 * request.request_time(),
    )


@dataclass
class Server:
    """The application and the parts a caller may need to close or inspect."""

    app: tornado.web.Application
    context: Context
    store: StateStore

    def close(self) -> None:
        """Stop timers and close the store."""
        self.context.hub.close()
        self.store.close()


def make_app(
    settings: Settings,
    *,
    store: StateStore | None = None,
    broker: Broker | None = None,
    assets: Assets | None = None,
) -> Server:
    """Build the application for ``settings``.

    Args:
        settings: what to serve and how.
        store: where snapshots persist; defaults to SQLite in ``settings.state_dir``.
        broker: fan-out between processes; defaults to in-process.
        assets: template/static/reveal.js folders; defaults to :func:`find_assets`.

    Raises:
        sqlite3.Error: the default store cannot be opened.
    """
    assets = assets or find_assets()
    store = store if store is not None else SqliteStore(settings.state_dir / "state.sqlite3")
    hub = Hub(presence_interval=settings.presence_interval)
    live = Live(store, broker or LocalBroker(), hub)
    ctx = Context(
        settings=settings,
        library=DeckLibrary(settings.decks),
        live=live,
        hub=hub,
        assets=assets,
        templates=make_environment(assets.templates),
    )
    deps: dict[str, object] = {"ctx": ctx}
    routes: list[tuple[str, type[tornado.web.RequestHandler], dict[str, object]]] = [
        (r"/", IndexHandler, deps),
        (r"/healthz", HealthHandler, deps),
        (r"/favicon\.ico", NoIconHandler, deps),
        (r"/static/(.*)", StaticHandler, {"path": str(assets.static)}),
        (r"/reveal/(.*)", RevealHandler, {"path": str(assets.reveal)}),
        (DECK, SlashHandler, deps),
        (DECK + r"/", AudienceHandler, deps),
        (DECK + r"/presenter", PresenterHandler, deps),
        (DECK + r"/api/state", StateApiHandler, deps),
        (DECK + r"/ws", LiveSocket, deps),
        (DECK + r"/(.+)", DeckFileHandler, deps),
    ]
    app = tornado.web.Application(
        routes,
        cookie_secret=auth.cookie_secret(settings.secret),
        log_function=log_request,
        websocket_max_message_size=MAX_MESSAGE_BYTES,
        websocket_ping_interval=settings.ping_interval or None,
        websocket_ping_timeout=settings.ping_interval or None,
        default_handler_class=NotFoundHandler,
        default_handler_args=deps,
    )
    return Server(app, ctx, store)


class NotFoundHandler(IndexHandler):
    """Any URL no route matches: a 404 page."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)
