"""``presenter serve PATH``: find the decks, build the settings, run the server.

User errors (a missing folder, a port in use, a broken front matter) end in
one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import os
import select
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import click
import tornado.netutil

from presenter import __version__, auth, listener, qr
from presenter.app import make_app
from presenter.assets import find_assets
from presenter.core import hosts
from presenter.core.decks import DeckLibrary, discover
from presenter.core.errors import DeckError
from presenter.settings import Settings

STATE_DIR_NAME = ".presenter"
# A room joining at once is a connect storm: Tornado's default backlog of 128
# drops SYNs (each costing the browser a 1 s retransmit). The kernel caps it
# at net.core.somaxconn.
LISTEN_BACKLOG = 4096


class UserError(click.ClickException):
    """An error the user can fix; printed as ``error: <message>``."""

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="presenter")
def main() -> None:
    """Serve reveal.js decks; every audience browser follows the presenter live."""


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--secret",
    envvar="PRESENTER_SECRET",
    default=None,
    help="Presenter token (else $PRESENTER_SECRET, else one generated and kept in the state dir).",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help=f"Where session state is kept [default: PATH/{STATE_DIR_NAME}].",
)
@click.option(
    "--allow-origin",
    "allow_origins",
    multiple=True,
    help="Origin allowed to open the live socket when embedding (repeatable, '*' for any).",
)
@click.option("--no-watch", is_flag=True, help="Do not reload decks when their files change.")
@click.option("--no-qr", is_flag=True, help="Do not print the audience URL as a QR code.")
@click.option(
    "--broker",
    metavar="URL",
    default=None,
    help="redis://HOST:PORT/DB: share live state and fan-out between processes and machines.",
)
@click.option(
    "--public-url",
    metavar="URL",
    default=None,
    help="The address people use when a proxy is in front (https://talk.example.org): "
    "shown URLs and QR codes use it.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes serving the same port (SO_REUSEPORT); above 1 needs --broker.",
)
def serve(
    path: Path,
    host: str,
    port: int,
    secret: str | None,
    state_dir: Path | None,
    allow_origins: tuple[str, ...],
    no_watch: bool,
    no_qr: bool,
    broker: str | None,
    public_url: str | None,
    workers: int,
) -> None:
    """Serve the deck in PATH, or every deck in the subfolders of PATH."""
    if workers > 1 and not broker:
        raise UserError(
            f"--workers {workers} needs --broker redis://HOST:PORT/DB: "
            "the processes must share the live state"
        )
    if broker:
        _check_broker(broker)
    if public_url is not None:
        try:
            public_url = hosts.check_public_url(public_url)
        except ValueError as exc:
            raise UserError(f"--public-url {public_url}: {exc}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("watchfiles").setLevel(logging.WARNING)
    assets = find_assets()
    if (missing := assets.missing()) is not None:
        raise UserError(missing)
    try:
        decks = discover(path)
        root = path.resolve()
        library = DeckLibrary(decks, root=None if root in decks.values() else root)
        for deck_id in library.ids():
            library.get(deck_id)
    except DeckError as exc:
        raise UserError(str(exc)) from None
    state_dir = state_dir or path / STATE_DIR_NAME
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(state_dir, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "permission denied")
        if not secret:
            secret = auth.load_or_create_secret(state_dir)
    except OSError as exc:
        raise UserError(f"state dir {state_dir} is not writable ({exc.strerror or exc})") from None
    if (weak := auth.weak_secret(secret)) is not None:
        raise UserError(weak)
    try:
        sockets = tornado.netutil.bind_sockets(
            port, address=host, reuse_port=workers > 1, backlog=LISTEN_BACKLOG
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} on {host} is already in use (try --port)") from None
        raise UserError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    lan = lan_addresses() if host in WILDCARDS else []
    settings = Settings(
        decks=decks,
        secret=secret,
        state_dir=state_dir.resolve(),
        host=host,
        port=int(sockets[0].getsockname()[1]),
        allow_origins=tuple(o.rstrip("/") for o in allow_origins),
        root=None if root in decks.values() else root,
        watch=not no_watch,
        advertised_host=lan[0] if lan else None,
        broker=broker,
        public_url=public_url,
    )
    listener.raise_open_file_limit()
    show_qr = not no_qr and sys.stdout.isatty()
    if workers > 1:
        _serve_workers(settings, library, workers, sockets, show_qr)
        return
    try:
        asyncio.run(_run(settings, sockets, library, show_qr))
    except sqlite3.Error as exc:
        raise UserError(f"state database in {state_dir} cannot be used ({exc})") from None
    except KeyboardInterrupt:
        pass


def _check_broker(url: str) -> None:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise UserError(f"--broker {url}: expected a redis:// URL")
    try:
        import redis
    except ImportError:
        raise UserError(
            "--broker needs the redis package: pip install 'presenter[redis]'"
        ) from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as exc:
        raise UserError(f"cannot reach Redis at {url} ({exc})") from None


def _serve_workers(
    settings: Settings,
    library: DeckLibrary,
    workers: int,
    sockets: list[socket.socket],
    show_qr: bool,
) -> None:
    """Fork ``workers`` processes, each binding the port with SO_REUSEPORT.

    The kernel spreads new connections over them; Redis keeps them in step.
    This process holds ``sockets`` (the port, maybe picked by the kernel for
    ``--port 0``) until every worker listens on it too, then prints the
    banner. SIGINT or SIGTERM to this parent stops them all.
    """
    ready_read, ready_write = os.pipe()
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            os.close(ready_read)
            for sock in sockets:
                sock.close()
            code = 0
            try:
                own = tornado.netutil.bind_sockets(
                    settings.port, address=settings.host, reuse_port=True, backlog=LISTEN_BACKLOG
                )

                def ready() -> None:
                    os.write(ready_write, b"1")

                asyncio.run(_run(settings, own, library, show_qr=False, ready=ready))
            except KeyboardInterrupt:
                pass
            except BaseException:
                logging.getLogger("presenter").exception("worker %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    os.close(ready_write)

    def stop(signum: int = 0, frame: object = None) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    started = _wait_until_ready(ready_read, children)
    os.close(ready_read)
    for sock in sockets:
        sock.close()
    if not started:
        stop()
        _reap(children)
        raise UserError("a worker process could not start; its error is above")
    _print_urls(settings, library, show_qr)
    _reap(children)


def _wait_until_ready(ready: int, children: list[int]) -> bool:
    """Wait for one byte from each worker; false as soon as one of them exits."""
    count = 0
    while count < len(children):
        readable, _, _ = select.select([ready], [], [], 0.2)
        if readable:
            count += len(os.read(ready, len(children)))
            continue
        for child in children:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(child, os.WNOHANG)[0] != 0:
                    return False
    return True


def _reap(children: list[int]) -> None:
    for child in children:
        while True:
            try:
                os.waitpid(child, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break


async def _run(
    settings: Settings,
    sockets: list[socket.socket],
    library: DeckLibrary,
    show_qr: bool,
    ready: Callable[[], None] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; print the banner, or call ``ready`` (a worker)."""
    server = make_app(settings, library=library)
    await server.start_async()
    http = server.serve(sockets)
    if ready is None:
        _print_urls(settings, library, show_qr)
    else:
        ready()
    # Everything built so far lives as long as the server: keep the collector
    # from walking it again and again while thousands of sockets come and go.
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        http.stop()
        await server.stop()
        click.echo("presenter stopped", err=True)


WILDCARDS = hosts.WILDCARDS


def _bases(settings: Settings) -> list[str]:
    """Origins to print: the public one first, then 127.0.0.1 when listening everywhere."""
    bases = [
        hosts.public_base(
            settings.host, settings.port, settings.advertised_host, settings.public_url
        )
    ]
    local = f"http://127.0.0.1:{settings.port}"
    if settings.host in WILDCARDS and local not in bases:
        bases.append(local)  # people use the LAN address; this one works on this machine only
    return bases


def lan_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses, best first.

    The first comes from the routing table: connecting a UDP socket only picks
    the interface a packet would leave by, and sends nothing. Others come from
    resolving the host name.
    """
    found: list[str] = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1; no packet is sent
        found.append(str(probe.getsockname()[0]))
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(str(info[4][0]))
    unique: list[str] = []
    for address in found:
        if not address.startswith(("127.", "0.")) and address not in unique:
            unique.append(address)
    return unique


def _print_urls(settings: Settings, library: DeckLibrary, show_qr: bool) -> None:
    out = sys.stdout
    bases = _bases(settings)
    print(f"presenter {__version__} serving {len(settings.decks)} deck(s)", file=out)
    for base in bases:
        print(f"\n  {base}/", file=out)
        for deck_id in library.ids():
            print(f"  {deck_id}", file=out)
            print(f"    audience:  {base}/decks/{deck_id}/", file=out)
            print(
                f"    presenter: {base}/decks/{deck_id}/presenter?token={settings.secret}", file=out
            )
            print(f"    remote:    {base}/decks/{deck_id}/remote?token={settings.secret}", file=out)
    if show_qr:
        ids = library.ids()
        url = f"{bases[0]}/" + (f"decks/{ids[0]}/" if len(ids) == 1 else "")
        print(f"\nScan to join: {url}", file=out)
        qr.terminal(url, out)
    limit = listener.open_file_limit()
    print(f"\nOpen-file limit: {limit} (each audience socket uses one)", file=out)
    watching = "watching deck files for changes; " if settings.watch else ""
    print(
        f"\nKeep the presenter links to yourself: they carry the token. {watching}Ctrl+C stops.",
        file=out,
    )
    out.flush()
