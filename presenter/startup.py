"""What ``presenter serve`` checks and prepares before it serves.

Every check fails with a :class:`StartError` whose message is one line for
the user (the CLI prints it; no traceback): a missing reveal.js, a deck that
does not load, a state dir that cannot be written, a weak secret, a port in
use, a Redis that does not answer. Then :mod:`presenter.run` serves.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import sqlite3
import webbrowser
from dataclasses import dataclass
from pathlib import Path

from presenter import auth, listener, run, statedir
from presenter.assets import find_assets
from presenter.core import hosts
from presenter.core.errors import DeckError
from presenter.library import DeckLibrary, discover, single_file, themes_in
from presenter.settings import Settings


class StartError(Exception):
    """The server cannot start; the message is one line for the user."""


@dataclass(frozen=True)
class ServeOptions:
    """``presenter serve``'s options, as the user gave them."""

    path: Path
    host: str = "127.0.0.1"
    port: int = 8000
    secret: str | None = None
    state_dir: Path | None = None
    allow_origins: tuple[str, ...] = ()
    watch: bool = True
    access_log: bool = False
    interaction: bool = True
    show_qr: bool = False
    open_browser: bool = False
    broker: str | None = None
    public_url: str | None = None
    workers: int = 1


def serve(options: ServeOptions) -> None:
    """Check and prepare everything, then serve until SIGINT or SIGTERM.

    Raises:
        StartError: something the user must fix first.
    """
    if options.workers > 1 and not options.broker:
        raise StartError(
            f"--workers {options.workers} needs --broker redis://HOST:PORT/DB: "
            "the processes must share the live state"
        )
    if options.broker:
        check_broker(options.broker)
    public_url = options.public_url
    if public_url is not None:
        try:
            public_url = hosts.check_public_url(public_url)
        except ValueError as exc:
            raise StartError(f"--public-url {public_url}: {exc}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("watchfiles").setLevel(logging.WARNING)
    decks, library, root = load_library(options.path)
    state_dir = options.state_dir or statedir.default_state_dir(options.path)
    secret = prepare_state_dir(state_dir, options.secret)
    sockets = listen(options.host, options.port, options.workers > 1)
    lan = run.lan_addresses() if options.host in run.WILDCARDS else []
    settings = Settings(
        decks=decks,
        secret=secret,
        state_dir=state_dir.resolve(),
        host=options.host,
        port=int(sockets[0].getsockname()[1]),
        allow_origins=tuple(o.rstrip("/") for o in options.allow_origins),
        root=root,
        watch=options.watch,
        advertised_host=lan[0] if lan else None,
        broker=options.broker,
        public_url=public_url,
        access_log=options.access_log,
        interaction=options.interaction,
    )
    try:
        run.serve(
            settings,
            library,
            sockets,
            options.workers,
            show_qr=options.show_qr,
            path=str(options.path),
            open_url=webbrowser.open if options.open_browser else None,
        )
    except sqlite3.Error as exc:
        raise StartError(f"state database in {state_dir} cannot be used ({exc})") from None
    except run.WorkerFailed as exc:
        raise StartError(str(exc)) from None


def load_library(path: Path) -> tuple[dict[str, Path], DeckLibrary, Path | None]:
    """The decks under ``path`` (id -> folder, and each loaded once so errors show
    now), the library holding them, and the folder of decks to rescan (``None``
    when ``path`` is one deck)."""
    assets = find_assets()
    if (missing := assets.missing()) is not None:
        raise StartError(missing)
    try:
        decks = discover(path)
        resolved = path.resolve()
        named = single_file(path)
        root = None if named is not None or resolved in decks.values() else resolved
        sources = {deck_id: named for deck_id in decks} if named is not None else None
        themes = themes_in(assets.reveal, assets.vendor)
        library = DeckLibrary(decks, root=root, themes=themes, sources=sources)
        for deck_id in library.ids():
            deck = library.get(deck_id)
            for warning in deck.warnings if deck else ():
                logging.getLogger("presenter").warning("deck %s: %s", deck_id, warning)
    except DeckError as exc:
        raise StartError(str(exc)) from None
    return decks, library, root


def prepare_state_dir(state_dir: Path, secret: str | None) -> str:
    """Make the state dir; return the secret (given, kept there, or made there)."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(state_dir, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "permission denied")
        statedir.keep_out_of_git(state_dir)
        if not secret:
            secret = auth.load_or_create_secret(state_dir)
    except OSError as exc:
        raise StartError(f"state dir {state_dir} is not writable ({exc.strerror or exc})") from None
    if (weak := auth.weak_secret(secret)) is not None:
        raise StartError(weak)
    return secret


def listen(host: str, port: int, reuse_port: bool) -> list[socket.socket]:
    """The listening sockets for ``host:port``."""
    try:
        return listener.bind(host, port, reuse_port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartError(f"port {port} on {host} is already in use (try --port)") from None
        raise StartError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None


def check_broker(url: str) -> None:
    """That ``url`` is a Redis this process can reach."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise StartError(f"--broker {url}: expected a redis:// URL")
    try:
        import redis
    except ImportError:
        raise StartError(
            "--broker needs the redis package: pip install 'presenter[redis]'"
        ) from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as exc:
        raise StartError(f"cannot reach Redis at {url} ({exc})") from None
