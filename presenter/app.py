"""Builds the Tornado application: the one place where parts are wired together."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import tornado.httpserver
import tornado.web

from presenter import auth, listener
from presenter.assets import Assets, find_assets
from presenter.backend import Backend
from presenter.backend.local import LocalBackend, SqliteStore
from presenter.backend.redis import RedisBackend
from presenter.core import csp, hosts
from presenter.core.errors import DeckError
from presenter.core.protocol import MAX_MESSAGE_BYTES
from presenter.core.throttle import LoginThrottle
from presenter.core.tickets import Tickets
from presenter.handlers import (
    AudienceHandler,
    Context,
    DeckApiHandler,
    DeckFileHandler,
    EventsHandler,
    HealthHandler,
    IndexHandler,
    JoinHandler,
    LiveSocket,
    NoIconHandler,
    NotesApiHandler,
    PollsExportHandler,
    PresenterHandler,
    QrHandler,
    QuestionsExportHandler,
    RemoteHandler,
    RemoteQrHandler,
    RevealHandler,
    SlashHandler,
    StateApiHandler,
    StaticHandler,
    ThemeHandler,
    VendorHandler,
)
from presenter.hub import Hub
from presenter.interaction import Interaction
from presenter.library import DeckLibrary, themes_in
from presenter.livestate import LiveState
from presenter.presence import SharedPresence
from presenter.settings import Settings
from presenter.templating import make_environment
from presenter.watcher import DeckWatcher

access_log = logging.getLogger("presenter.access")

DECK = r"/decks/([A-Za-z0-9][A-Za-z0-9._-]*)"
DATABASE = "state.sqlite3"  # in the state dir
TICKET_TTL = 600.0  # seconds a one-time remote login link stays valid


def request_logger(everything: bool) -> Callable[[tornado.web.RequestHandler], None]:
    """The access log: without query strings (a ``?token=`` must never reach a log).

    Unless ``everything``, only page views and errors are logged: a page's
    dozen assets would push the banner, with its links, off the screen.
    """

    def log_request(handler: tornado.web.RequestHandler) -> None:
        status = handler.get_status()
        page = getattr(handler, "page_view", False)
        asset = getattr(handler, "asset", False)
        if not everything and not page and (status < 400 or (asset and status == 404)):
            return
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

    return log_request


@dataclass
class Server:
    """The application and the parts a caller may need to start, stop or inspect."""

    app: tornado.web.Application
    context: Context
    watcher: DeckWatcher | None = None
    presence: SharedPresence | None = None

    async def start(self) -> None:
        """Connect the live state's backend, read every deck's state, start
        watching deck files; call from the running loop before serving."""
        decks = self.context.library.ids()
        await self.context.live.start(decks)
        await self.context.interaction.start(decks)
        if self.presence is not None:
            self.presence.start()
        if self.watcher is not None:
            self.watcher.start()

    async def stop(self) -> None:
        """Stop watching, stop timers, disconnect the backend."""
        if self.watcher is not None:
            await self.watcher.stop()
        if self.presence is not None:
            self.presence.stop()
        self.context.interaction.stop()
        self.context.hub.close()
        await self.context.live.stop()

    def serve(self, sockets: Iterable[socket.socket]) -> tornado.httpserver.HTTPServer:
        """Answer HTTP on ``sockets`` (bound, listening) with the limits of
        :mod:`presenter.listener`; returns the HTTP server to stop later."""
        http = listener.make_http_server(self.app, self.context.settings.idle_timeout)
        listener.listen(http, sockets)
        return http


def make_backend(settings: Settings) -> Backend:
    """Redis when ``settings.broker`` names one, else SQLite in the state dir.

    Raises:
        sqlite3.Error: the SQLite file cannot be opened.
    """
    if settings.broker:
        return RedisBackend(settings.broker)
    return LocalBackend(SqliteStore(settings.state_dir / DATABASE))


def make_app(
    settings: Settings,
    *,
    backend: Backend | None = None,
    assets: Assets | None = None,
    library: DeckLibrary | None = None,
) -> Server:
    """Build the application for ``settings``; :meth:`Server.start` it before serving.

    Args:
        settings: what to serve and how.
        backend: where live state is stored and shared; :func:`make_backend` by default.
        assets: template/static/reveal.js folders; defaults to :func:`find_assets`.
        library: the decks, already loaded (the CLI checks them before it starts);
            by default one is built from ``settings`` and every deck loaded once,
            so a deck that breaks later keeps serving this version.

    Raises:
        sqlite3.Error: the default backend's database cannot be opened.
    """
    assets = assets or find_assets()
    hub = Hub(presence_interval=settings.presence_interval)
    live = LiveState(backend or make_backend(settings), hub)
    library = library if library is not None else _load_library(settings, assets)
    interaction = Interaction(
        live.backend,
        hub,
        library.served,
        enabled=settings.interaction,
        flush_interval=settings.presence_interval,
    )
    presence = SharedPresence(live.backend, hub, interaction.origin)
    live.listen(
        interaction.heard_record,
        interaction.heard_item,
        interaction.heard_event,
        interaction.backend_status,
    )
    live.listen(events=presence.heard_event)
    live.on_move(interaction.slide_moved)
    ctx = Context(
        settings=settings,
        library=library,
        live=live,
        hub=hub,
        interaction=interaction,
        assets=assets,
        templates=make_environment(assets.templates),
        tickets=Tickets(ttl=TICKET_TTL, clock=time.monotonic),
        throttle=LoginThrottle(clock=time.monotonic),
        known_hosts=frozenset(
            hosts.known_names(settings.host, settings.public_url, _machine_names())
        ),
        page_code=csp.scan((assets.templates / "inject_head.html").read_text(encoding="utf-8")),
    )
    return Server(_application(ctx), ctx, _watcher(ctx), presence)


def _load_library(settings: Settings, assets: Assets) -> DeckLibrary:
    """Every deck of ``settings`` loaded once: one that breaks later keeps serving this version."""
    themes = themes_in(assets.reveal, assets.vendor)
    library = DeckLibrary(settings.decks, root=settings.root, themes=themes)
    for deck_id in library.ids():
        with contextlib.suppress(DeckError):  # served as an error page until fixed
            library.get(deck_id)
    return library


def _application(ctx: Context) -> tornado.web.Application:
    return tornado.web.Application(
        _routes(ctx),
        cookie_secret=auth.cookie_secret(ctx.settings.secret),
        log_function=request_logger(ctx.settings.access_log),
        websocket_max_message_size=MAX_MESSAGE_BYTES,
        # Pings come from the hub's keep-alive (one timer for all sockets), not
        # from a Tornado task per socket.
        websocket_ping_interval=None,
        default_handler_class=NotFoundHandler,
        default_handler_args={"ctx": ctx},
    )


def _watcher(ctx: Context) -> DeckWatcher | None:
    """Live reload of the decks' folders, unless the settings turn it off."""
    settings = ctx.settings
    if not settings.watch:
        return None
    paths = [settings.root] if settings.root is not None else list(settings.decks.values())
    return DeckWatcher(
        ctx.library,
        ctx.hub,
        paths,
        ignore=[settings.state_dir],
        on_added=ctx.live.track,
        on_reloaded=ctx.interaction.deck_reloaded,
    )


Route = tuple[str, type[tornado.web.RequestHandler], dict[str, object]]


def _routes(ctx: Context) -> list[Route]:
    deps: dict[str, object] = {"ctx": ctx}
    return [
        (r"/", IndexHandler, deps),
        (r"/healthz", HealthHandler, deps),
        (r"/favicon\.ico", NoIconHandler, deps),
        (r"/static/(.*)", StaticHandler, {"path": str(ctx.assets.static)}),
        (r"/reveal/theme/([A-Za-z0-9_-]+\.css)", ThemeHandler, deps),
        (r"/reveal/(.*)", RevealHandler, {"path": str(ctx.assets.reveal)}),
        (r"/vendor/(.*)", VendorHandler, {"path": str(ctx.assets.vendor)}),
        (DECK, SlashHandler, deps),
        (DECK + r"/", AudienceHandler, deps),
        (DECK + r"/presenter", PresenterHandler, deps),
        (DECK + r"/remote", RemoteHandler, deps),
        (DECK + r"/join", JoinHandler, deps),
        (DECK + r"/qr\.svg", QrHandler, deps),
        (DECK + r"/remote-qr\.svg", RemoteQrHandler, deps),
        (DECK + r"/api/state", StateApiHandler, deps),
        (DECK + r"/api/deck", DeckApiHandler, deps),
        (DECK + r"/api/notes", NotesApiHandler, deps),
        (DECK + r"/api/questions", QuestionsExportHandler, deps),
        (DECK + r"/api/polls", PollsExportHandler, deps),
        (DECK + r"/ws", LiveSocket, deps),
        (DECK + r"/events", EventsHandler, deps),
        (DECK + r"/(.+)", DeckFileHandler, deps),
    ]


def _machine_names() -> list[str]:
    """This machine's own names (``laptop``, ``laptop.local``); no DNS lookup."""
    with contextlib.suppress(OSError):
        name = socket.gethostname()
        return [name, f"{name.split('.')[0]}.local"]
    return []


class NotFoundHandler(IndexHandler):
    """Any URL no route matches: a 404 page."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)
