"""The ``presenter`` command line: options in, the work done elsewhere
(:mod:`presenter.startup` and :mod:`presenter.run` for ``serve``).

User errors (a missing folder, a port in use, a broken front matter) end in
one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from presenter import __version__, auth, run, starter, startup, statedir
from presenter.core.errors import DeckError
from presenter.library import DeckLibrary, discover


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
    help="Where live state and the generated token are kept "
    "[default: a folder of your own under ~/.local/state/presenter, printed at start].",
)
@click.option(
    "--allow-origin",
    "allow_origins",
    multiple=True,
    help="Origin allowed to open the live socket when embedding (repeatable, '*' for any).",
)
@click.option("--no-watch", is_flag=True, help="Do not reload decks when their files change.")
@click.option(
    "--access-log", is_flag=True, help="Log every request (by default: page views and errors)."
)
@click.option(
    "--no-interaction",
    is_flag=True,
    help="No questions, polls or reactions from the audience, for any deck.",
)
@click.option("--no-qr", is_flag=True, help="Do not print the audience URL as a QR code.")
@click.option(
    "--open",
    "open_browser",
    is_flag=True,
    help="Open the (first) deck's speaker view in the default browser.",
)
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
    access_log: bool,
    no_interaction: bool,
    no_qr: bool,
    open_browser: bool,
    broker: str | None,
    public_url: str | None,
    workers: int,
) -> None:
    """Serve the deck in PATH, or every deck in the subfolders of PATH."""
    options = startup.ServeOptions(
        path=path,
        host=host,
        port=port,
        secret=secret,
        state_dir=state_dir,
        allow_origins=allow_origins,
        watch=not no_watch,
        access_log=access_log,
        interaction=not no_interaction,
        show_qr=not no_qr and sys.stdout.isatty(),
        open_browser=open_browser,
        broker=broker,
        public_url=public_url,
        workers=workers,
    )
    try:
        startup.serve(options)
    except startup.StartError as exc:
        raise UserError(str(exc)) from None


def _library(path: Path) -> tuple[dict[str, Path], DeckLibrary, Path | None]:
    try:
        return startup.load_library(path)
    except startup.StartError as exc:
        raise UserError(str(exc)) from None


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--secret",
    envvar="PRESENTER_SECRET",
    default=None,
    help="The token, when the server was given one (else the one kept in the state dir).",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The running server's state dir, when it was given one.",
)
def links(path: Path, secret: str | None, state_dir: Path | None) -> None:
    """Print the audience, presenter and remote links of the server serving PATH."""
    try:
        decks = discover(path)
    except DeckError as exc:
        raise UserError(str(exc)) from None
    state_dir = state_dir or statedir.default_state_dir(path)
    bases = statedir.read_server_info(state_dir)
    if bases is None:
        raise UserError(f"no server is running for {path} (start it with: presenter serve {path})")
    if not secret:
        try:
            secret = auth.read_secret(state_dir)
        except OSError:
            raise UserError(f"no token kept in {state_dir}: give it with --secret") from None
    for line in run.link_lines(bases, list(decks), secret):
        click.echo(line)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--follow",
    metavar="URL",
    default=None,
    help="Make the copy follow the presenter serve at URL (start it with "
    "--allow-origin <the static site's origin>).",
)
def export(path: Path, out: Path, follow: str | None) -> None:
    """Write each deck of PATH as a static site in OUT/<deck>/ (audience pages, no notes)."""
    import asyncio

    from presenter.export import ExportError, export_site

    decks, library, root = _library(path)
    try:
        done = asyncio.run(export_site(decks, library, out, root=root, follow=follow))
    except ExportError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot run the server for the export ({exc.strerror or exc})") from None
    for deck_id in done.decks:
        click.echo(f"  {out / deck_id / 'index.html'}")
    if root is not None:
        click.echo(f"  {out / 'index.html'}")
    click.echo(f"{len(done.decks)} deck(s), {done.files} file(s) written to {out}")
    for url in sorted(done.external):
        click.echo(f"note: needs the network: {url}", err=True)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--fragments", is_flag=True, help="One page per fragment step (default: per slide).")
@click.option("--notes", is_flag=True, help="Add a page of speaker notes after each slide.")
def pdf(path: Path, out: Path, fragments: bool, notes: bool) -> None:
    """Print the deck in PATH to the PDF file OUT through Chromium.

    Chromium is $PRESENTER_CHROMIUM, else /usr/bin/chromium, else one on the PATH.
    """
    import asyncio

    from presenter.pdf import PdfError, find_chromium, print_deck

    try:
        chromium = find_chromium()
    except PdfError as exc:
        raise UserError(str(exc)) from None
    if out.is_dir():
        raise UserError(f"{out} is a folder: give the PDF file to write")
    if not out.parent.is_dir() or not os.access(out.parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {out} (its folder is missing or not writable)")
    decks, library, root = _library(path)
    if root is not None:
        raise UserError(f"{path} is a folder of decks: give one deck folder ({', '.join(decks)})")
    (deck_id, folder), *_ = decks.items()
    if notes and out.resolve().is_relative_to(folder.resolve()):
        # The deck folder's PDFs are served to the audience; notes never are.
        raise UserError(
            f"{out} is inside the deck folder, which the audience can fetch: "
            "write a PDF with --notes somewhere else"
        )
    try:
        printed = asyncio.run(
            print_deck(
                deck_id, folder, library, out, fragments=fragments, notes=notes, chromium=chromium
            )
        )
    except PdfError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot run the server for printing ({exc.strerror or exc})") from None
    click.echo(f"{out}: {printed.pages} page(s)")


@main.command()
@click.argument("name", type=click.Path(path_type=Path))
def new(name: Path) -> None:
    """Write a starter deck into the new folder NAME, ready to serve."""
    try:
        written = starter.write_starter(name)
    except starter.StarterError as exc:
        raise UserError(str(exc)) from None
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: presenter serve {name}")
