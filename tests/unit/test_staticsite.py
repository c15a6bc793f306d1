"""The pure part of ``presenter export``: finding URLs, placing files, relative URLs."""

from __future__ import annotations

from presenter.core import staticsite as site


def urls(refs: list[site.Reference]) -> list[str]:
    return [r.url for r in refs]


def test_html_references_cover_tags_styles_and_markdown_slides() -> None:
    page = (
        '<link rel="stylesheet" href="/reveal/reveal.css">'
        "<script src='/static/a.js'></script>"
        '<img src="a&amp;b.png" srcset="s1.png 1x, s2.png 2x">'
        '<section data-background="#123456"></section>'
        '<section data-background="img/bg.jpg" data-background-image="img/b2.png">'
        "<div style=\"background: url('img/tile.png')\"></div>"
        "<textarea data-template>![alt](img/pic.png)\n"
        '&lt;img src="img/raw.png"&gt;</textarea>'
        '<a href="https://example.org/">x</a>'
    )
    assert urls(site.html_references(page)) == [
        "/reveal/reveal.css",
        "/static/a.js",
        "a&b.png",
        "s1.png",
        "s2.png",
        "img/bg.jpg",
        "img/b2.png",
        "img/tile.png",
        "img/pic.png",
        "img/raw.png",
        "https://example.org/",
    ]


def test_css_references_are_urls_and_imports() -> None:
    css = '@import "more.css"; @import url(x.css); a { b: url( "f.woff2?v=1#i" ) url(data:x) }'
    assert urls(site.css_references(css)) == ["more.css", "x.css", "f.woff2?v=1#i", "data:x"]


def test_script_references_are_relative_module_specifiers_only() -> None:
    js = (
        "import { a } from './a.js';\nimport './side.js';\n"
        'export * from "../b.js";\nimport x from "package";\nconst y = import("./lazy.js");'
    )
    assert urls(site.script_references(js)) == ["./a.js", "./side.js", "../b.js", "./lazy.js"]


def test_local_and_external() -> None:
    assert site.is_local("img/a.png") and site.is_local("/reveal/x.js")
    for url in ("", "#top", "//cdn/x.js", "https://x/y", "data:image/png;base64,x", "mailto:a"):
        assert not site.is_local(url)
    assert site.is_external("//cdn/x.js") and site.is_external("HTTPS://x")
    assert not site.is_external("data:x")


def test_site_paths_keep_the_deck_layout_and_put_the_rest_aside() -> None:
    assert site.server_path("/decks/d/", "img/a%20b.png?x=1#f") == "/decks/d/img/a b.png"
    assert site.server_path("/reveal/theme/black.css", "./fonts/x.css") == (
        "/reveal/theme/fonts/x.css"
    )
    assert site.server_path("/decks/d/", "https://x/y.png") is None
    assert site.site_path("d", "/decks/d/img/a.png") == "img/a.png"
    assert site.site_path("d", "/reveal/reveal.css") == "_presenter/reveal/reveal.css"
    assert site.site_path("d", "/decks/other/x.png") == "_presenter/decks/other/x.png"
    assert site.site_path("d", "/decks/d/") is None
    assert site.site_path("d", "/decks/d/../x") is None


def test_relative_urls() -> None:
    assert site.relative_url("index.html", "_presenter/reveal/reveal.css") == (
        "_presenter/reveal/reveal.css"
    )
    assert site.relative_url("look/more.css", "img/t.png", "x") == "../img/t.png#x"
    assert site.relative_url("index.html", "img/a b.png") == "img/a%20b.png"


def test_rewrite_escapes_attributes_and_keeps_what_it_is_not_asked_to_change() -> None:
    page = '<img src="a.png"><img src="/x?a=1&amp;b=2">'
    refs = site.html_references(page)
    new = site.rewrite(page, refs, lambda url: "b&c.png" if url == "/x?a=1&b=2" else None)
    assert new == '<img src="a.png"><img src="b&amp;c.png">'


def test_swap_script() -> None:
    page = '<script type="module" src="/static/audience.js"></script><p>'
    assert site.swap_script(page, "/static/audience.js", "<script src=s.js></script>") == (
        "<script src=s.js></script><p>"
    )


def test_links_are_not_loaded_but_stylesheets_and_images_are() -> None:
    page = (
        '<a href="https://x/">x</a><link href="https://cdn/y.css?v=1"><img src="https://x/i.png">'
    )
    assert [r.loaded for r in site.html_references(page)] == [False, True, True]
