"""``presenter export``: each deck as a static site that needs no server.

The pages are the real server's (run in-process, :mod:`presenter.inprocess`):
the audience page as the server renders it, so with no speaker notes. Every
file it refers to (stylesheets and what they import, fonts, scripts, images,
media) is fetched from that server and written next to it, and its URL made
relative (see :mod:`presenter.core.staticsite` for the layout); nothing the page
does not refer to is copied.

Two kinds of copy:

- **static** (default): the page opens no connection and shows none of
  presenter's controls; it works from ``file://`` with no network.
- **following** (``follow=URL``): the audience page, its live socket pointed at
  the ``presenter serve`` at URL; host it over HTTP(S) and start that server
  with ``--allow-origin <the site's origin>``.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import tornado.httpclient

from presenter.core import staticsite as site
from presenter.inprocess import Running, running
from presenter.library import DeckLibrary

MAX_FILE_BYTES = 1024**3  # a deck's video may be big; larger files are refused
STATIC_SCRIPT = "/static/static-view.js"
LIVE_SCRIPT = "/static/audience.js"
# What reveal.js's math plugin loads from its katex.local folder (mhchem when asked for).
KATEX_FILES = (
    "katex.min.js",
    "katex.min.css",
    "contrib/auto-render.min.js",
    "contrib/mhchem.min.js",
)

_SERVED_KATEX = "/vendor/katex"

# What plugins load by themselves from their script's folder, which no page or
# stylesheet refers to: files, or folders (ending in /) of /vendor.
PLUGIN_FILES = {
    "menu": ("reveal.js-menu/menu.css", "reveal.js-menu/font-awesome/css/all.css"),
    "chalkboard": ("reveal.js-plugins/chalkboard/img/",),
}


class ExportError(Exception):
    """The export cannot be made; the message is one line for the user."""


@dataclass
class Exported:
    """What was written: the deck ids, how many files, and what needs the network."""

    decks: list[str] = field(default_factory=list)
    files: int = 0
    external: set[str] = field(default_factory=set)


def check_follow_url(url: str) -> str:
    """``url`` as an origin (``https://host[:port]``, no trailing ``/``).

    Raises:
        ExportError: it is not an http(s) URL of a server root.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"--follow {url}: expected http://HOST:PORT or https://HOST")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ExportError(f"--follow {url}: give the server's address only, without a path")
    return f"{parts.scheme}://{parts.netloc}"


async def export_site(
    decks: dict[str, Path],
    library: DeckLibrary,
    out: Path,
    *,
    root: Path | None = None,
    follow: str | None = None,
) -> Exported:
    """Write each deck of ``library`` to ``out/<id>/`` (page ``index.html``),
    and ``out/index.html`` listing them when ``root`` (a folder of decks) is given.

    Files already in ``out`` are overwritten, others left alone. Call from a
    running asyncio loop.

    Raises:
        ExportError: ``out`` cannot be written, or the server refused a page.
    """
    follow = check_follow_url(follow) if follow is not None else None
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK | os.X_OK):
            raise PermissionError("permission denied")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExportError(f"cannot write to {out} ({reason})") from None
    result = Exported()
    client = tornado.httpclient.AsyncHTTPClient(force_instance=True, max_body_size=MAX_FILE_BYTES)
    try:
        async with running(decks, library, root) as server:
            for deck_id in library.ids():
                crawler = _Crawler(client, server, deck_id, follow, result)
                files = await crawler.deck()
                _write(out / deck_id, files)
                result.decks.append(deck_id)
                result.files += len(files)
            if root is not None:
                files = await _Crawler(client, server, "", follow, result).listing(result.decks)
                _write(out, files)
                result.files += len(files)
    finally:
        client.close()
    return result


def _write(folder: Path, files: dict[str, bytes]) -> None:
    try:
        for relative, content in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExportError(f"cannot write to {folder} ({reason})") from None


class _Crawler:
    """Fetches one page and everything it refers to, for one folder of the site."""

    def __init__(
        self,
        client: tornado.httpclient.AsyncHTTPClient,
        server: Running,
        deck_id: str,
        follow: str | None,
        result: Exported,
    ) -> None:
        self.client = client
        self.server = server
        self.deck_id = deck_id
        self.follow = follow
        self.result = result
        self.files: dict[str, bytes] = {}
        self.targets: dict[str, str | None] = {}  # server path -> site path (None: not a file)
        self.owners: dict[str, str] = {}  # site path -> server path

    async def deck(self) -> dict[str, bytes]:
        """The deck's page and its files, by site path."""
        base = f"/decks/{self.deck_id}/"
        # The presenter frames' view has no controls and no socket; the
        # following copy is the audience page itself.
        response = await self._get(base if self.follow else base + "?view=embed")
        if response is None or response.code != 200:
            code = response.code if response is not None else "no answer"
            raise ExportError(f"deck {self.deck_id}: the server answered {code}")
        page = response.body.decode("utf-8")
        config = site.page_config(page)
        if config is None:
            raise ExportError(f"deck {self.deck_id}: the page has no presenter config")
        if self.follow is None:
            config.update(view="static", ws=None, events=None)
            page = site.swap_script(page, LIVE_SCRIPT, f'<script src="{STATIC_SCRIPT}"></script>')
        else:
            socket_origin = "ws" + self.follow[len("http") :]
            config["ws"] = socket_origin + str(config["ws"])
            config["events"] = self.follow + str(config["events"])
        await self._katex(config)
        if config.get("kind") == "html" and _SERVED_KATEX in page:
            # An HTML deck pointing reveal.js's math plugin at this server's KaTeX.
            copied = await self._copy_katex(_SERVED_KATEX, mhchem=True)
            if copied is not None:
                page = page.replace(f"'{_SERVED_KATEX}'", f"'{copied}'")
                page = page.replace(f'"{_SERVED_KATEX}"', f'"{copied}"')
        await self._plugin_files(config)
        page = site.with_page_config(page, config)
        localized = await self._localize(page, base, "index.html", kind="html")
        self.files["index.html"] = localized.encode()
        return self.files

    async def _katex(self, config: dict[str, object]) -> None:
        """Copy the KaTeX files reveal.js's math plugin loads by itself (from
        ``katex.local``, which the server sets to its own copy) and point it there."""
        reveal = config.get("reveal")
        katex = reveal.get("katex") if isinstance(reveal, dict) else None
        local = katex.get("local") if isinstance(katex, dict) else None
        if not isinstance(katex, dict) or not isinstance(local, str) or not local.startswith("/"):
            return
        extensions = katex.get("extensions")
        mhchem = isinstance(extensions, list) and "mhchem" in extensions
        copied = await self._copy_katex(local.rstrip("/"), mhchem)
        if copied is not None:
            katex["local"] = copied

    async def _copy_katex(self, folder: str, mhchem: bool) -> str | None:
        """Copy KaTeX's files from server folder ``folder``; where the copy is,
        relative to the deck's page (``None`` when there is none)."""
        wanted = [name for name in KATEX_FILES if "mhchem" not in name or mhchem]
        copied = [await self._fetch(folder + f"/dist/{name}") for name in wanted]
        if copied[0] is None:
            return None
        # The plugin appends "/dist/katex.min.js" and the others to it.
        return site.relative_url("index.html", posixpath.dirname(copied[0])[:-5])

    async def _plugin_files(self, config: dict[str, object]) -> None:
        """Copy what the deck's plugins load by themselves (see :data:`PLUGIN_FILES`)."""
        plugins = config.get("plugins")
        vendor = self.server.server.context.assets.vendor
        for name in plugins if isinstance(plugins, list) else []:
            for entry in PLUGIN_FILES.get(name, ()):
                names = [entry]
                if entry.endswith("/"):
                    folder = vendor / entry
                    names = [entry + f.name for f in sorted(folder.iterdir()) if f.is_file()]
                for relative in names:
                    await self._fetch("/vendor/" + relative)

    async def listing(self, deck_ids: list[str]) -> dict[str, bytes]:
        """``index.html`` listing the decks (the server's own listing), and its files."""
        ctx = self.server.server.context
        decks = [{"id": deck_id, "deck": ctx.library.get(deck_id)} for deck_id in deck_ids]
        page = ctx.templates.get_template("index.html").render(decks=decks, presenter=False)
        for deck_id in deck_ids:
            self.targets[f"/decks/{deck_id}/"] = f"{deck_id}/index.html"
        localized = await self._localize(page, "/", "index.html", kind="html")
        self.files["index.html"] = localized.encode()
        return self.files

    async def _localize(self, text: str, base: str, source: str, *, kind: str) -> str:
        """``text`` (of the file at server path ``base``, going to ``source``;
        ``kind`` ``html``, ``css`` or ``js``) with its references fetched and
        made relative."""
        finders = {
            "html": site.html_references,
            "css": site.css_references,
            "js": site.script_references,
        }
        refs = finders[kind](text)
        replacements: dict[str, str | None] = {}
        for ref in refs:
            if ref.loaded and site.is_external(ref.url):
                self.result.external.add(ref.url.strip())
            if ref.url in replacements:
                continue
            replacements[ref.url] = await self._replacement(ref.url, base, source)
        if kind == "js":  # a module specifier without ./ would name a package
            for url, new in replacements.items():
                if new is not None and not new.startswith(("./", "../")):
                    replacements[url] = "./" + new
        return site.rewrite(text, refs, lambda url: replacements.get(url))

    async def _replacement(self, url: str, base: str, source: str) -> str | None:
        path = site.server_path(base, url)
        if path is None:
            return None
        target = await self._fetch(path)
        if target is not None:
            return site.relative_url(source, target, site.fragment_of(url))
        if self.follow is not None and url.strip().startswith("/"):
            return self.follow + url.strip()  # a page of the live server (the speaker view)
        return None

    async def _fetch(self, path: str) -> str | None:
        """Copy the file at server path ``path`` (and, for a stylesheet, what it
        refers to); its site path, or ``None`` when it is no file of this server."""
        if path in self.targets:
            return self.targets[path]
        target = site.site_path(self.deck_id, path) if self.deck_id else _root_path(path)
        self.targets[path] = None
        if target is None or target == "index.html":
            return None
        response = await self._get(path)
        if response is None or response.code != 200:
            return None
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind == "text/html":
            return None  # a page, not a file
        owner = self.owners.setdefault(target, path)
        if owner != path:
            raise ExportError(
                f"deck {self.deck_id}: {owner} and {path} would both be {target} "
                f"(rename the deck's {site.SERVER_FILES}/ folder)"
            )
        self.targets[path] = target
        body = bytes(response.body)
        if kind == "text/css" or target.endswith(".css"):
            text = body.decode("utf-8", "surrogateescape")
            body = (await self._localize(text, path, target, kind="css")).encode(
                "utf-8", "surrogateescape"
            )
        elif target.endswith((".js", ".mjs")) and path.startswith("/static/"):
            # presenter's own modules import each other (the following copy needs them).
            text = body.decode("utf-8", "surrogateescape")
            body = (await self._localize(text, path, target, kind="js")).encode(
                "utf-8", "surrogateescape"
            )
        self.files[target] = body
        return target

    async def _get(self, path: str) -> tornado.httpclient.HTTPResponse | None:
        try:
            return await self.client.fetch(
                self.server.base + quote(path, safe="/?=&"), raise_error=False, request_timeout=120
            )
        except OSError:
            return None


def _root_path(path: str) -> str | None:
    """Where a file of the listing page goes (under ``_presenter/`` at the top)."""
    return site.site_path("", path) if not path.startswith("/decks/") else None
