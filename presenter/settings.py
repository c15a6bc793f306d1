"""Everything a server needs to know, gathered once by the CLI (or a test)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Server settings.

    Attributes:
        decks: deck id -> deck folder, as found by :func:`presenter.core.decks.discover`.
        root: the folder of decks, looked at again when folders come and go;
            ``None`` when serving a single deck folder.
        secret: the presenter token for every deck.
        state_dir: folder of the state database; never served.
        host, port: where the CLI listens (also used to print URLs).
        allow_origins: extra origins allowed to open the live socket
            (``"*"`` allows any); same-origin is always allowed.
        presence_interval: seconds between presence frames at most.
        ping_interval: seconds between WebSocket pings, also the time a pong may
            take before the socket is dropped (0 turns pings off).
        watch: reload decks when their files change.
        advertised_host: the host put in URLs shown to people (a LAN address
            when listening on 0.0.0.0); ``None`` uses the host the browser asked for.
        broker: ``redis://host:port/db`` to share state and fan-out between
            processes; ``None`` keeps everything in this process (SQLite).
        sse_heartbeat: seconds between comment lines on idle SSE streams.
        public_url: the origin people use (``https://talk.example.org`` behind
            a proxy); URLs shown to people and QR codes use it, and its host
            name is one the presenter pages answer to.
        idle_timeout: seconds a client has to send its request headers, and
            an idle keep-alive connection stays open.
        access_log: log every request; else page views and errors only.
        interaction: questions, polls and reactions from the audience, for
            the decks that do not turn them off.
    """

    decks: dict[str, Path]
    secret: str
    state_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    allow_origins: tuple[str, ...] = field(default_factory=tuple)
    presence_interval: float = 0.25
    ping_interval: float = 20.0
    root: Path | None = None
    watch: bool = False
    advertised_host: str | None = None
    broker: str | None = None
    sse_heartbeat: float = 15.0
    public_url: str | None = None
    idle_timeout: float = 15.0
    access_log: bool = False
    interaction: bool = True
