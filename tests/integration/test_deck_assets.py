"""What a deck folder serves over HTTP: assets by type, never a source, a backup or a note.

Decks are written into tmp folders per test. Editor leftovers, other pages and
text files are 404; so is any name (hard link or symlink) that leads to a
source, a dotfile, the state dir or out of the folder. Markdown files come
without their notes: the ones an HTML deck loads with the separators of the
section that loads them, the others stripped of anything that may be a note.
The notes themselves reach presenters through ``/api/notes``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import LiveServer

from .conftest import MakeServer
from .support import Response, afetch, presenter_cookie

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-test-image"


def page(slides: str, scripts: str = "") -> str:
    return (
        "<!doctype html>\n<html>\n<head><title>Assets</title></head>\n<body>\n"
        f'<div class="reveal"><div class="slides">\n{slides}\n</div></div>\n'
        '<script src="dist/reveal.js"></script>\n'
        '<script src="dist/plugin/markdown.js"></script>\n'
        "<script>Reveal.initialize({ hash: true, plugins: [RevealMarkdown] });</script>\n"
        f"{scripts}</body>\n</html>\n"
    )


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (relative name -> content) into ``folder``; return it."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


MD_SOURCE = "# Markdown deck\n\nNote: SECRET-MD-SOURCE\n\n---\n\n# Two\n"
HTML_SOURCE = page(
    '<section><h1>Html deck</h1><aside class="notes">SECRET-HTML-SOURCE</aside></section>'
)


@pytest.fixture
def decks(tmp_path: Path) -> dict[str, Path]:
    """A Markdown deck ``md`` and an HTML deck ``html``, each with one real image."""
    root = tmp_path / "assets-decks"
    md = write(root / "md", {"slides.md": MD_SOURCE, "img/real.png": PNG})
    html = write(root / "html", {"index.html": HTML_SOURCE, "img/real.png": PNG})
    write(root, {"outside.png": PNG, "outside.txt": "SECRET-OUTSIDE"})
    return {"md": md.resolve(), "html": html.resolve()}


@pytest.fixture
async def server(make_server: MakeServer, decks: dict[str, Path]) -> LiveServer:
    return await make_server(decks=decks)


async def get(server: LiveServer, path: str) -> Response:
    return await afetch(server, "GET", path)


def assert_not_served(resp: Response, *secrets: str) -> None:
    assert resp.status == 404, (resp.status, resp.body[:200])
    for secret in secrets:
        assert secret.encode() not in resp.body


# --- (a) editor backups and leftovers ---------------------------------------------------

LEFTOVERS = [
    "slides.md~",
    "#slides.md#",
    ".#slides.md",
    "slides.md.swp",
    ".slides.md.swp",
    "slides.md.orig",
    "slides.md.bak",
    "index.html~",
    "index.html.orig",
    "index.html.bak",
    "index.html.rej",
    "index.htm",
    "old.html",
    "Index.HTML",
    "img/draft.html",
    "notes.txt",
    "talk.yaml",
    "talk.yml",
    "talk.toml",
    "notes.xml",
    "notes.rtf",
    "script.py",
    "README",
    "slides.md.tmp",
    ".DS_Store",
]


@pytest.mark.parametrize("deck", ["md", "html"])
async def test_editor_backups_and_other_files_are_404(
    server: LiveServer, decks: dict[str, Path], deck: str
) -> None:
    for name in LEFTOVERS:
        write(decks[deck], {name: f"{MD_SOURCE}\n{HTML_SOURCE}\nSECRET-LEFTOVER"})
    for name in LEFTOVERS:
        path = f"/decks/{deck}/" + name.replace("#", "%23")
        resp = await get(server, path)
        assert_not_served(resp, "SECRET-LEFTOVER", "SECRET-MD-SOURCE", "SECRET-HTML-SOURCE")
        head = await afetch(server, "HEAD", path)
        assert head.status == 404, (path, head.status)
    # The deck's images are still there.
    assert (await get(server, f"/decks/{deck}/img/real.png")).body == PNG


async def test_a_copy_of_the_source_under_a_markdown_name_comes_without_notes(
    server: LiveServer, decks: dict[str, Path]
) -> None:
    write(decks["md"], {"slides copy.md": MD_SOURCE, "old/slides.markdown": MD_SOURCE})
    for path in ("/decks/md/slides%20copy.md", "/decks/md/old/slides.markdown"):
        resp = await get(server, path)
        assert resp.status == 200, path
        assert b"SECRET-MD-SOURCE" not in resp.body
        assert b"# Markdown deck" in resp.body


# --- (b) hard links ---------------------------------------------------------------------


async def test_hard_links_are_404(server: LiveServer, decks: dict[str, Path]) -> None:
    md, html = decks["md"], decks["html"]
    write(md, {".secret": "SECRET-DOTFILE", "img/twice.png": PNG})
    write(md.parent, {"far.txt": "SECRET-FAR"})
    links = {
        md / "notes.css": md / "slides.md",
        md / "slides.md.png": md / "slides.md",
        html / "x.png": html / "index.html",
        html / "style.js": html / "index.html",
        md / "y.png": md / ".secret",
        md / "far.json": md.parent / "far.txt",
        md / "img" / "again.png": md / "img" / "twice.png",
    }
    for link, target in links.items():
        os.link(target, link)
    for link in links:
        deck = "md" if link.is_relative_to(md) else "html"
        path = f"/decks/{deck}/{link.relative_to(decks[deck]).as_posix()}"
        resp = await get(server, path)
        assert_not_served(
            resp, "SECRET-MD-SOURCE", "SECRET-HTML-SOURCE", "SECRET-DOTFILE", "SECRET-FAR"
        )
        assert resp.body != PNG, path
    # Both names of an image with two links are refused: which is the real one?
    assert (await get(server, "/decks/md/img/twice.png")).status == 404
    assert (await get(server, "/decks/md/img/real.png")).body == PNG
    # The decks themselves still load.
    assert (await get(server, "/decks/md/")).status == 200
    assert (await get(server, "/decks/html/")).status == 200


# --- (c) symlinks -----------------------------------------------------------------------


async def test_symlinks_to_sources_dotfiles_state_or_outside_are_404(
    make_server: MakeServer, decks: dict[str, Path]
) -> None:
    md, html = decks["md"], decks["html"]
    state = md / "state"
    write(state, {"secret.json": '{"x": "SECRET-STATE"}'})
    write(md, {".presenter/secret": "SECRET-DEFAULT-STATE", ".git/config": "SECRET-GIT"})
    write(md, {".hidden.png": PNG})
    server = await make_server(decks=decks, state_dir=state)
    links = {
        "md/notes.css": md / "slides.md",
        "md/slides.png": Path("slides.md"),  # relative
        "html/x.png": html / "index.html",
        "md/dot.png": md / ".hidden.png",
        "md/secret.json": Path(".presenter/secret"),
        "md/git.json": md / ".git" / "config",
        "md/dotdir": md / ".git",
        "md/state.json": state / "secret.json",
        "md/statedir": state,
        "md/database.json": state / "state.sqlite3",
        "md/out.png": md.parent / "outside.png",
        "md/out.json": Path("../outside.txt"),
        "md/up": md.parent,
        "md/etc.json": Path("/etc/passwd"),
    }
    for name, target in links.items():
        os.symlink(target, md.parent / name)
    paths = [f"/decks/{name}" for name in links] + [
        "/decks/md/dotdir/config",
        "/decks/md/statedir/secret.json",
        "/decks/md/state/secret.json",
        "/decks/md/up/outside.png",
        "/decks/md/up/html/img/real.png",
    ]
    for path in paths:
        resp = await get(server, path)
        assert_not_served(
            resp,
            "SECRET-MD-SOURCE",
            "SECRET-HTML-SOURCE",
            "SECRET-STATE",
            "SECRET-DEFAULT-STATE",
            "SECRET-GIT",
            "SECRET-OUTSIDE",
            "root:",
        )
        assert resp.body != PNG, path


async def test_symlinks_to_images_inside_the_folder_are_served(
    server: LiveServer, decks: dict[str, Path]
) -> None:
    md = decks["md"]
    os.symlink("img/real.png", md / "relative.png")
    os.symlink(md / "img" / "real.png", md / "absolute.png")
    os.symlink("img", md / "pictures")
    for path in ("relative.png", "absolute.png", "pictures/real.png"):
        resp = await get(server, f"/decks/md/{path}")
        assert resp.status == 200, path
        assert resp.body == PNG
        assert resp.header("Content-Type") == "image/png"


# --- (d) asset types --------------------------------------------------------------------

ASSET_TYPES = {
    "a.png": {"image/png"},
    "a.jpg": {"image/jpeg"},
    "a.jpeg": {"image/jpeg"},
    "a.gif": {"image/gif"},
    "a.svg": {"image/svg+xml"},
    "a.webp": {"image/webp"},
    "a.avif": {"image/avif"},
    "A.PNG": {"image/png"},
    "a.css": {"text/css"},
    "a.js": {"text/javascript", "application/javascript"},
    "a.mjs": {"text/javascript", "application/javascript"},
    "a.json": {"application/json"},
    "a.woff": {"font/woff", "application/font-woff"},
    "a.woff2": {"font/woff2", "application/font-woff2"},
    "a.ttf": {"font/ttf", "application/x-font-ttf", "font/sfnt"},
    "a.mp4": {"video/mp4"},
    "a.webm": {"video/webm"},
    "a.mp3": {"audio/mpeg"},
    "a.wav": {"audio/wav", "audio/x-wav"},
    "a.vtt": {"text/vtt"},
    "a.pdf": {"application/pdf"},
    "a.csv": {"text/csv"},
    "a.wasm": {"application/wasm"},
    "fonts/deep/a.woff2": {"font/woff2", "application/font-woff2"},
}


async def test_assets_are_served_with_their_content_type(
    server: LiveServer, decks: dict[str, Path]
) -> None:
    for deck in ("md", "html"):
        contents = {name: f"asset {name} of {deck}".encode() for name in ASSET_TYPES}
        write(decks[deck], dict(contents))
        for name, types in ASSET_TYPES.items():
            resp = await get(server, f"/decks/{deck}/{name}")
            assert resp.status == 200, (deck, name, resp.status)
            assert resp.body == contents[name]
            content_type = (resp.header("Content-Type") or "").split(";")[0].strip()
            assert content_type in types, (name, content_type)
            assert resp.header("X-Content-Type-Options") == "nosniff"


async def test_markdown_is_served_as_markdown(server: LiveServer, decks: dict[str, Path]) -> None:
    write(decks["html"], {"extra.md": "# Extra\n"})
    resp = await get(server, "/decks/html/extra.md")
    assert resp.status == 200
    assert (resp.header("Content-Type") or "").startswith("text/markdown")
    assert resp.text == "# Extra\n"


# --- (e) Markdown files an HTML deck loads ----------------------------------------------

EXT_MD = """\
## External one
Note: this line is on the slide
Speaker: SECRET-EXT-SPEAKER-1

---

## External two
<aside class="notes">SECRET-EXT-ASIDE</aside>
Speaker:
SECRET-EXT-SPEAKER-2

---

<!-- .slide: data-notes="SECRET-EXT-COMMENT" data-background-color="#123" -->
## External three
"""

DEEP_MD = "## Deep\nNote: SECRET-DEEP\n"

LOOSE_MD = """\
# Loose
Note: SECRET-LOOSE-NOTE
---
<aside class="notes">SECRET-LOOSE-ASIDE</aside>
<!-- .slide: data-notes="SECRET-LOOSE-COMMENT" -->
## Loose two
<span data-notes='SECRET-LOOSE-SPAN'>shown</span>
"""

EXT_PAGE = page(
    '<section><h1>Cover</h1><aside class="notes">SECRET-COVER</aside></section>\n'
    '<section data-markdown="ext.md" data-separator-notes="^Speaker:"></section>\n'
    '<section data-markdown="sub/deep.md"></section>\n'
    "<section><h2>Closing</h2></section>"
)
EXT_SECRETS = (
    "SECRET-COVER",
    "SECRET-EXT-SPEAKER-1",
    "SECRET-EXT-SPEAKER-2",
    "SECRET-EXT-ASIDE",
    "SECRET-EXT-COMMENT",
    "SECRET-DEEP",
)


@pytest.fixture
def ext_deck(tmp_path: Path) -> dict[str, Path]:
    folder = write(
        tmp_path / "ext-decks" / "ext",
        {"index.html": EXT_PAGE, "ext.md": EXT_MD, "sub/deep.md": DEEP_MD, "loose.md": LOOSE_MD},
    )
    return {"ext": folder.resolve()}


async def notes_of(server: LiveServer, deck: str) -> dict[str, str]:
    cookie = await presenter_cookie(server, deck)
    resp = await afetch(server, "GET", f"/decks/{deck}/api/notes", headers={"Cookie": cookie})
    assert resp.status == 200
    notes: dict[str, str] = resp.json()["notes"]
    return notes


def holders(notes: dict[str, str], secret: str) -> list[str]:
    return [key for key, value in notes.items() if secret in value]


async def assert_audience_sees_no_secret(server: LiveServer, deck: str, *secrets: str) -> None:
    for path in (f"/decks/{deck}/", f"/decks/{deck}/?view=embed", f"/decks/{deck}/api/deck"):
        resp = await get(server, path)
        assert resp.status == 200, path
        for secret in secrets:
            assert secret not in resp.text, (path, secret)
        assert "data-notes" not in resp.text
        assert 'class="notes"' not in resp.text


async def test_external_markdown_is_served_without_its_notes(
    make_server: MakeServer, ext_deck: dict[str, Path]
) -> None:
    server = await make_server(decks=ext_deck)
    resp = await get(server, "/decks/ext/ext.md")
    assert resp.status == 200
    for secret in EXT_SECRETS:
        assert secret not in resp.text, secret
    assert "data-notes" not in resp.text
    # Only this section's notes separator starts a note: "Note:" is slide text here.
    assert "Note: this line is on the slide" in resp.text
    assert 'data-background-color="#123"' in resp.text
    for heading in ("## External one", "## External two", "## External three"):
        assert heading in resp.text
    deep = await get(server, "/decks/ext/sub/deep.md")
    assert deep.status == 200
    assert "SECRET-DEEP" not in deep.text
    assert "## Deep" in deep.text
    head = await afetch(server, "HEAD", "/decks/ext/ext.md")
    assert head.status == 200
    assert head.body == b""
    await assert_audience_sees_no_secret(server, "ext", *EXT_SECRETS)


async def test_external_markdown_notes_reach_presenters_under_their_slide(
    make_server: MakeServer, ext_deck: dict[str, Path]
) -> None:
    server = await make_server(decks=ext_deck)
    notes = await notes_of(server, "ext")
    assert holders(notes, "SECRET-COVER") == ["0.0"]
    assert holders(notes, "SECRET-EXT-SPEAKER-1") == ["1.0"]
    assert holders(notes, "SECRET-EXT-ASIDE") == ["2.0"]
    assert holders(notes, "SECRET-EXT-SPEAKER-2") == ["2.0"]
    assert holders(notes, "SECRET-EXT-COMMENT") == ["3.0"]
    assert holders(notes, "SECRET-DEEP") == ["4.0"]
    assert set(notes) == {"0.0", "1.0", "2.0", "3.0", "4.0"}
    deck = (await get(server, "/decks/ext/api/deck")).json()
    assert deck["slideCount"] == 6
    # Without the presenter cookie, no notes.
    assert (await get(server, "/decks/ext/api/notes")).status == 403


async def test_unreferenced_markdown_loses_anything_note_like(
    make_server: MakeServer, ext_deck: dict[str, Path]
) -> None:
    server = await make_server(decks=ext_deck)
    resp = await get(server, "/decks/ext/loose.md")
    assert resp.status == 200
    for secret in ("SECRET-LOOSE-NOTE", "SECRET-LOOSE-ASIDE", "SECRET-LOOSE-COMMENT"):
        assert secret not in resp.text, secret
    assert "SECRET-LOOSE-SPAN" not in resp.text
    assert "# Loose" in resp.text and "## Loose two" in resp.text
    # A Markdown deck's folder serves its other .md files the same way.
    write(ext_deck["ext"].parent / "mdtalk", {"slides.md": "# Talk\n", "more.md": LOOSE_MD})
    server = await make_server(decks={"mdtalk": (ext_deck["ext"].parent / "mdtalk").resolve()})
    resp = await get(server, "/decks/mdtalk/more.md")
    assert resp.status == 200
    assert "SECRET-LOOSE" not in resp.text
    # ... by the deck's own notes separator too (a draft copy of the slides, say).
    draft = "# Draft\n\nSpeaker: SECRET-DRAFT\n\n---\n\n# Kept\n"
    own = {"slides.md": "---\nnotesSeparator: '^Speaker:'\n---\n# Talk\n", "draft.md": draft}
    write(ext_deck["ext"].parent / "speaker", own)
    server = await make_server(decks={"speaker": (ext_deck["ext"].parent / "speaker").resolve()})
    resp = await get(server, "/decks/speaker/draft.md")
    assert resp.status == 200
    assert "SECRET-DRAFT" not in resp.text and "# Kept" in resp.text
    # An HTML deck's loose files, by the separators its sections set.
    write(ext_deck["ext"], {"draft.md": draft})
    resp = await get(await make_server(decks=ext_deck), "/decks/ext/draft.md")
    assert "SECRET-DRAFT" not in resp.text and "# Kept" in resp.text


async def test_a_symlink_to_external_markdown_serves_it_without_notes(
    make_server: MakeServer, ext_deck: dict[str, Path]
) -> None:
    os.symlink("ext.md", ext_deck["ext"] / "alias.md")
    server = await make_server(decks=ext_deck)
    resp = await get(server, "/decks/ext/alias.md")
    assert resp.status == 200
    for secret in EXT_SECRETS:
        assert secret not in resp.text, secret
    assert "## External one" in resp.text


async def test_external_markdown_with_crlf_line_ends_splits_as_in_the_browser(
    make_server: MakeServer, tmp_path: Path
) -> None:
    # JavaScript's "$" matches before "\r", Python's does not: the file must reach
    # the slide splitting (and the browser) with its line ends made "\n".
    folder = tmp_path / "crlf-decks" / "crlf"
    write(folder, {"index.html": page('<section data-markdown="w.md" data-separator="^---$">')})
    (folder / "w.md").write_bytes(
        b"## Windows one\r\nNote: SECRET-CRLF-1\r\n---\r\n## Windows two\r\nNote: SECRET-CRLF-2\r\n"
    )
    server = await make_server(decks={"crlf": folder.resolve()})
    resp = await get(server, "/decks/crlf/w.md")
    assert resp.status == 200
    assert "SECRET-CRLF" not in resp.text
    assert "## Windows two" in resp.text
    notes = await notes_of(server, "crlf")
    assert holders(notes, "SECRET-CRLF-1") == ["0.0"]
    assert holders(notes, "SECRET-CRLF-2") == ["1.0"]
    assert (await get(server, "/decks/crlf/api/deck")).json()["slideCount"] == 2


# --- (f) editing a loaded Markdown file while the server runs ---------------------------


def bump_mtime(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))


EDITED_MD = """\
## Edited one
Speaker: SECRET-EDITED-1

---

## Edited two
Note: a line the audience sees
Speaker: SECRET-EDITED-2
"""


@pytest.mark.parametrize("watch", [False, True], ids=["no watcher", "watcher"])
async def test_editing_external_markdown_serves_new_text_and_new_notes(
    make_server: MakeServer, ext_deck: dict[str, Path], watch: bool
) -> None:
    server = await make_server(decks=ext_deck, watch=watch)
    before = await notes_of(server, "ext")
    assert holders(before, "SECRET-EXT-SPEAKER-1") == ["1.0"]
    assert "SECRET-EXT-SPEAKER-1" not in (await get(server, "/decks/ext/ext.md")).text

    ext = ext_deck["ext"] / "ext.md"
    ext.write_text(EDITED_MD, encoding="utf-8")
    bump_mtime(ext)

    resp = await get(server, "/decks/ext/ext.md")
    assert resp.status == 200
    assert "SECRET-EDITED" not in resp.text
    assert "## Edited one" in resp.text and "## Edited two" in resp.text
    assert "Note: a line the audience sees" in resp.text
    assert "External" not in resp.text
    notes = await notes_of(server, "ext")
    assert holders(notes, "SECRET-EDITED-1") == ["1.0"]
    assert holders(notes, "SECRET-EDITED-2") == ["2.0"]
    assert holders(notes, "SECRET-DEEP") == ["3.0"]  # the slides after moved up
    assert not holders(notes, "SECRET-EXT-SPEAKER-1")
    assert (await get(server, "/decks/ext/api/deck")).json()["slideCount"] == 5
    await assert_audience_sees_no_secret(server, "ext", "SECRET-EDITED-1", "SECRET-EDITED-2")


# --- the inline notations, end to end ---------------------------------------------------

INLINE_PAGE = page(
    """\
<section><h1>Plain</h1><aside class="notes">SECRET-IN-PLAIN</aside></section>
<section data-markdown><textarea data-template>
## Textarea
Note: SECRET-IN-TEXTAREA
---
## Textarea two
</textarea></section>
<section data-markdown>
## Typed in
Note:
SECRET-IN-DIRECT
</section>
<section data-markdown data-separator-notes="^Speaker:"><script type="text/template">
## Scripted
Note: this line is on the slide
Speaker: SECRET-IN-SPEAKER
</script></section>
<section data-markdown data-separator="^\\n\\n\\n" data-separator-vertical="^\\n\\n">
<script type="text/template">
## Top
<aside class="notes">SECRET-IN-MD-ASIDE</aside>



## Stack top


## Stack below
<!-- .slide: data-notes="SECRET-IN-COMMENT" -->
</script></section>
<section data-notes="SECRET-IN-DATA"><h2>Data notes</h2></section>"""
)
INLINE_NOTES = {
    "SECRET-IN-PLAIN": "0.0",
    "SECRET-IN-TEXTAREA": "1.0",
    "SECRET-IN-DIRECT": "3.0",
    "SECRET-IN-SPEAKER": "4.0",
    "SECRET-IN-MD-ASIDE": "5.0",
    "SECRET-IN-COMMENT": "6.1",
    "SECRET-IN-DATA": "7.0",
}


async def test_inline_notations_never_reach_the_audience(
    make_server: MakeServer, tmp_path: Path
) -> None:
    folder = write(tmp_path / "inline-decks" / "inline", {"index.html": INLINE_PAGE})
    server = await make_server(decks={"inline": folder.resolve()})
    await assert_audience_sees_no_secret(server, "inline", *INLINE_NOTES)
    audience = (await get(server, "/decks/inline/")).text
    assert "Note: this line is on the slide" in audience
    notes = await notes_of(server, "inline")
    for secret, key in INLINE_NOTES.items():
        assert holders(notes, secret) == [key], (secret, notes)
    assert (await get(server, "/decks/inline/api/deck")).json()["slideCount"] == 9
    cookie = await presenter_cookie(server, "inline")
    speaker = await afetch(server, "GET", "/decks/inline/presenter", headers={"Cookie": cookie})
    assert speaker.status == 200
    for secret in INLINE_NOTES:
        assert secret in speaker.text, secret
