"""Front matter for plugins, deck CSS and scripts, highlight themes; math kept intact;
theme fonts from this server."""

from __future__ import annotations

from pathlib import Path

import pytest

from presenter.core.decks import Deck, Themes, markdown_deck
from presenter.core.errors import DeckError
from presenter.core.fonts import local_font_imports
from presenter.core.markdown import code_ranges, render_markdown
from presenter.core.math import protect_math
from presenter.handlers.base import reveal_options

THEMES = Themes(
    frozenset({"black", "league"}),
    frozenset({"monokai", "zenburn", "github", "base16/dracula"}),
)


def deck(front: str, body: str = "# A\n") -> Deck:
    text = f"---\n{front}\n---\n\n{body}"
    return markdown_deck("d", Path("d"), text, Path("slides.md"), THEMES)


def test_plugins_css_and_scripts_from_front_matter() -> None:
    found = deck("plugins: [math, zoom, math]\ncss: [a.css, sub/b.css]\nscripts: app.js")
    assert found.plugins == ("math", "zoom")
    assert found.css == ("a.css", "sub/b.css")
    assert found.scripts == ("app.js",)
    assert deck("title: x").plugins == ()
    assert deck("plugins: [mermaid, zoom, menu]").plugin_scripts == [
        "/vendor/mermaid/dist/mermaid.min.js",
        "/reveal/plugin/zoom.js",
        "/vendor/reveal.js-menu/menu.js",
    ]
    drawing = deck("plugins: [notes, chalkboard, customcontrols]")
    assert drawing.plugin_scripts == [
        "/vendor/reveal.js-plugins/chalkboard/plugin.js",
        "/vendor/reveal.js-plugins/customcontrols/plugin.js",
    ]
    assert drawing.plugin_styles == [
        "/vendor/reveal.js-plugins/chalkboard/style.css",
        "/vendor/reveal.js-menu/font-awesome/css/all.css",
        "/vendor/reveal.js-plugins/customcontrols/style.css",
    ]


@pytest.mark.parametrize(
    ("front", "words"),
    [
        (
            "plugins: [chalk]",
            "unknown plugin 'chalk': one of math, zoom, search, notes, mermaid, menu, "
            "chalkboard, customcontrols",
        ),
        ("plugins: 3", "plugins must be a name or a list"),
        ("css: ../x.css", "must be a .css file in the deck folder"),
        ("css: x.js", "must be a .css file"),
        ("scripts: [/etc/x.js]", "must be a .js file in the deck folder"),
        ("highlightTheme: githubb", "unknown highlightTheme 'githubb'"),
    ],
)
def test_front_matter_mistakes_are_deck_errors(front: str, words: str) -> None:
    with pytest.raises(DeckError) as raised:
        deck(front)
    assert words in str(raised.value)
    assert raised.value.line == 2


def test_highlight_themes_come_from_reveal_or_highlight_js() -> None:
    assert deck("highlightTheme: zenburn").highlight_href == "/reveal/plugin/highlight/zenburn.css"
    assert deck("highlightTheme: github").highlight_href == "/vendor/highlight.js/styles/github.css"
    base16 = "/vendor/highlight.js/styles/base16/dracula.css"
    assert deck("highlightTheme: base16/dracula").highlight_href == base16
    with pytest.raises(DeckError, match="or base16/<name>"):
        deck("highlightTheme: base16/../github")


def test_a_new_plugin_or_stylesheet_needs_a_page_load() -> None:
    assert deck("css: a.css").head_signature != deck("title: y").head_signature
    assert deck("plugins: [zoom]").head_signature != deck("title: y").head_signature


def test_math_loads_katex_from_this_server_whatever_the_deck_says() -> None:
    plain = deck("title: x")
    assert "katex" not in reveal_options(plain)
    front = "plugins: [math]\nrevealOptions:\n  katex:\n    local: https://cdn.example\n    x: 1"
    math = deck(front)
    assert reveal_options(math)["katex"] == {"local": "/vendor/katex", "x": 1}


@pytest.mark.parametrize(
    ("source", "escaped"),
    [
        ("$a_1$", "\\$a\\_1\\$"),
        ("\\(x^2\\)", "\\\\\\(x\\^2\\\\\\)"),
        ("$$\n\\\\ \n$$", "\\$\\$\n\\\\\\\\ \n\\$\\$"),
        ("costs $5 and $10", "costs $5 and $10"),
        ("`$a_1$`", "`$a_1$`"),
        ("no math here", "no math here"),
    ],
)
def test_math_spans_are_escaped_for_markdown(source: str, escaped: str) -> None:
    assert protect_math(source, []) == escaped


def test_math_in_code_blocks_is_code() -> None:
    text = "```\n$a_1$\n```\n\n$b_1$\n"
    assert protect_math(text, code_ranges(text)) == "```\n$a_1$\n```\n\n\\$b\\_1\\$\n"


def test_math_is_escaped_only_for_decks_with_the_math_plugin() -> None:
    body = "# A\n\n$a_1$\n"
    plain = render_markdown(body, Path("slides.md"))
    assert "$a_1$" in plain.slides_html
    math = render_markdown("---\nplugins: [math]\n---\n" + body, Path("slides.md"))
    assert "\\$a\\_1\\$" in math.slides_html


def test_google_font_imports_become_local_ones() -> None:
    css = (
        '@import "https://fonts.googleapis.com/css?family=Lato:400,700italic";'
        "@import url(https://fonts.googleapis.com/css?family=Open+Sans:400,700|Nope:400);"
        "body { font-family: Lato; }"
    )
    local = local_font_imports(css, "/vendor/@fontsource", lambda p: p != "open-sans/700.css")
    assert "googleapis" not in local
    assert local.startswith(
        '@import url("/vendor/@fontsource/lato/400.css");\n'
        '@import url("/vendor/@fontsource/lato/700-italic.css");'
        '@import url("/vendor/@fontsource/open-sans/400.css");'
    )
    assert local.endswith("body { font-family: Lato; }")


def test_an_unknown_front_matter_key_is_a_warning_naming_its_line() -> None:
    found = deck("titel: My talk\nplugin: [math]")
    assert found.warnings == (
        "slides.md:2: front matter key 'titel' is not one presenter reads",
        "slides.md:3: front matter key 'plugin' is not one presenter reads",
    )
    assert deck("title: My talk").warnings == ()
