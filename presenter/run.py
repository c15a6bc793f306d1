"""Running a built server: one process or several workers, until SIGINT or SIGTERM.

Also what the operator sees: the banner with every URL (the only place the
token is shown) and this machine's LAN addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import select
import shlex
import signal
import socket
import sys
import urllib.parse
from collections.abc import Callable

import click

from presenter import __version__, listener, qr, statedir
from presenter.app import make_app
from presenter.core import hosts
from presenter.library import DeckLibrary
from presenter.settings import Settings

# A room joining at once is a connect storm: Tornado's default backlog of 128
# drops SYNs (each costing the browser a 1 s retransmit). The kernel caps it
# at net.core.somaxconn.
WILDCARDS = hosts.WILDCARDS


class WorkerFailed(Exception):
    """A worker process exited before it could serve."""


def serve(
    settings: Settings,
    library: DeckLibrary,
    sockets: list[socket.socket],
    workers: int = 1,
    show_qr: bool = False,
    path: str = ".",
    open_url: Callable[[str], object] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM, in this process or in ``workers`` processes.

    ``path`` is the decks' path as the user gave it (the banner tells how to
    print the links again with it). ``open_url``, when given, is called with
    the first deck's speaker view once the server answers (``--open``).

    Raises:
        sqlite3.Error: the state database cannot be opened.
        WorkerFailed: a worker process could not start.
    """
    listener.raise_open_file_limit()

    def announce() -> None:
        statedir.write_server_info(settings.state_dir, _bases(settings))
        print_banner(settings, library, show_qr, path)
        if open_url is not None and library.ids():
            open_url(speaker_url(settings, library.ids()[0]))

    try:
        if workers > 1:
            _serve_workers(settings, library, workers, sockets, announce)
            return
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(settings, sockets, library, announce))
    finally:
        statedir.remove_server_info(settings.state_dir)


def _serve_workers(
    settings: Settings,
    library: DeckLibrary,
    workers: int,
    sockets: list[socket.socket],
    announce: Callable[[], None],
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
                own = listener.bind(settings.host, settings.port, reuse_port=True)

                def ready() -> None:
                    os.write(ready_write, b"1")

                asyncio.run(_run(settings, own, library, ready))
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
        raise WorkerFailed("a worker process could not start; its error is above")
    announce()
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
    ready: Callable[[], None],
) -> None:
    """Serve until SIGINT or SIGTERM; ``ready`` is called once the server answers."""
    server = make_app(settings, library=library)
    await server.start()
    http = server.serve(sockets)
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


def speaker_url(settings: Settings, deck_id: str) -> str:
    """The speaker view of ``deck_id`` on this machine, logging in with the token
    (which the page swaps for a cookie and takes out of the address bar)."""
    local = _bases(settings)[-1]
    query = urllib.parse.urlencode({"token": settings.secret})
    return f"{local}/decks/{urllib.parse.quote(deck_id)}/presenter?{query}"


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


def link_lines(bases: list[str], deck_ids: list[str], secret: str) -> list[str]:
    """The audience, presenter and remote links of every deck, for each origin."""
    lines: list[str] = []
    for base in bases:
        lines.append(f"\n  {base}/")
        for deck_id in deck_ids:
            lines += [
                f"  {deck_id}",
                f"    audience:  {base}/decks/{deck_id}/",
                f"    presenter: {base}/decks/{deck_id}/presenter?token={secret}",
                f"    remote:    {base}/decks/{deck_id}/remote?token={secret}",
            ]
    return lines


def print_banner(settings: Settings, library: DeckLibrary, show_qr: bool, path: str) -> None:
    """What the operator sees at start: every link (the only place the token is
    shown), the join code, and what to know about this server."""
    out = sys.stdout
    bases = _bases(settings)
    print(f"presenter {__version__} serving {len(settings.decks)} deck(s)", file=out)
    for line in link_lines(bases, library.ids(), settings.secret):
        print(line, file=out)
    if show_qr:
        ids = library.ids()
        url = f"{bases[0]}/" + (f"decks/{ids[0]}/" if len(ids) == 1 else "")
        print(f"\nScan to join: {url}", file=out)
        qr.terminal(url, out)
    if hosts.is_loopback(bases[0]):
        print(
            f"\nOnly this computer can open {bases[0]}: no phone can join. To let the room "
            "join, serve with --host 0.0.0.0 (make demo HOST=0.0.0.0).",
            file=out,
        )
    print(f"\nState (slide positions, timer, token): {settings.state_dir}", file=out)
    limit = listener.open_file_limit()
    print(f"Open-file limit: {limit} (each audience socket uses one)", file=out)
    watching = "watching deck files for changes; " if settings.watch else ""
    print(
        "\nKeep the presenter links to yourself: they carry the token. "
        f"To print them again: presenter links {shlex.quote(path)}\n{watching}Ctrl+C stops.",
        file=out,
    )
    out.flush()
