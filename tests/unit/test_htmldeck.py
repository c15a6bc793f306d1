"""Preparing hand-written reveal.js pages: notes out, injection points found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from presenter.core.htmldeck import HiddenNotesSeparator, RenderedHtml, render_html_deck

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "node_modules" / "reveal.js" / "demo.html"

PAGE = """\
<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <title>  Hand
     made  </title>
</head>
<body>
  <div class="reveal"><div class="slides">
    <section><h1>Zero</h1><aside class="notes">NOTE-0-0</aside></section>
    <section data-notes="NOTE-1-0 &amp; more"><h2>One</h2></section>
    <section data-notes="NOTE-STACK">
      <section><h2>Two A</h2></section>
      <section><h2>Two B</h2><aside class="notes">NOTE-2-1</aside></section>
      <section><h2>Two C</h2></section>
    </section>
    <section><h2>Three</h2><p>R&amp;D <br> <span data-x='1'>x</span></p></section>
    <section>
      <section><h2>Four A</h2></section>
      <section data-notes="NOTE-4-1"><h2>Four B</h2></section>
    </section>
  </div></div>
  <script src="dist/reveal.js"></script>
  <script>Reveal.initialize({ hash: true });</script>
</body>
</html>
"""


def joined(rendered: RenderedHtml) -> str:
    return rendered.before_head_end + rendered.middle + rendered.after_body_end


def test_notes_are_keyed_by_h_and_v() -> None:
    rendered = render_html_deck(PAGE)
    assert rendered.notes == {
        "0.0": "NOTE-0-0",
        "1.0": "NOTE-1-0 &amp; more",  # the attribute value, escaped once
        "2.0": "NOTE-STACK",
        "2.1": "NOTE-2-1",
        "4.1": "NOTE-4-1",
    }


def test_notes_are_removed_from_the_page() -> None:
    page = joined(render_html_deck(PAGE))
    assert "NOTE-" not in page
    assert "data-notes" not in page
    assert 'class="notes"' not in page


def test_slide_count_and_titles_count_vertical_slides() -> None:
    rendered = render_html_deck(PAGE)
    assert rendered.slide_count == 8
    assert rendered.titles == (
        "Zero",
        "One",
        "Two A",
        "Two B",
        "Two C",
        "Three",
        "Four A",
        "Four B",
    )


def test_title_element_is_the_title() -> None:
    assert render_html_deck(PAGE).title == "Hand made"


def test_the_three_parts_give_back_the_page_minus_notes() -> None:
    rendered = render_html_deck(PAGE)
    expected = (
        PAGE.replace('<aside class="notes">NOTE-0-0</aside>', "")
        .replace('<section data-notes="NOTE-1-0 &amp; more">', "<section>")
        .replace('<section data-notes="NOTE-STACK">', "<section>")
        .replace('<aside class="notes">NOTE-2-1</aside>', "")
        .replace('<section data-notes="NOTE-4-1">', "<section>")
    )
    assert joined(rendered) == expected


def test_injection_points_are_the_end_of_head_and_body() -> None:
    rendered = render_html_deck(PAGE)
    assert rendered.before_head_end.endswith(
        '<meta charset="utf-8">\n  <title>  Hand\n     made  </title>\n'
    )
    assert rendered.middle.startswith("</head>")
    assert rendered.middle.rstrip().endswith("</script>")
    assert rendered.after_body_end == "</body>\n</html>\n"


def test_a_page_without_head_or_body_still_works() -> None:
    page = (
        '<div class="reveal"><div class="slides">'
        '<section>A<aside class="notes">N-A</aside></section>'
        "<section>B</section></div></div>"
        '<script src="dist/reveal.js"></script>'
    )
    rendered = render_html_deck(page)
    assert rendered.slide_count == 2
    assert rendered.notes == {"0.0": "N-A"}
    assert rendered.title == ""
    assert rendered.before_head_end == ""
    assert rendered.after_body_end == ""
    assert rendered.middle == page.replace('<aside class="notes">N-A</aside>', "")


def test_sections_outside_the_slides_container_are_not_counted() -> None:
    page = (
        "<body><section><h1>Page header</h1></section>"
        '<div class="reveal"><div class="slides"><section>A</section></div></div></body>'
    )
    assert render_html_deck(page).slide_count == 1


def test_markdown_templates_lose_their_note_blocks() -> None:
    page = """<div class="reveal"><div class="slides">
<section data-markdown><script type="text/template">
## One
Note: MD-NOTE-ONE

---

## Two
notes: MD-NOTE-TWO
</script></section>
<section data-markdown data-separator="^<!--s-->$"><script type="text/template">
## A
Note: MD-NOTE-A
<!--s-->
## B
</script></section>
</div></div>"""
    page_out = joined(render_html_deck(page))
    assert "MD-NOTE" not in page_out
    assert "Note:" not in page_out
    assert "notes:" not in page_out
    for kept in ["## One", "\n---\n", "## Two", "## A", "<!--s-->", "## B"]:
        assert kept in page_out


def test_markdown_template_keeps_slides_after_a_note_in_a_vertical_stack() -> None:
    page = (
        '<div class="slides"><section data-markdown data-separator-vertical="^--$">'
        '<script type="text/template">\n## Top\nNote: GONE\n--\n## Below\n</script>'
        "</section></div>"
    )
    page_out = joined(render_html_deck(page))
    assert "GONE" not in page_out
    assert "--\n## Below" in page_out


def test_scripts_outside_markdown_sections_are_untouched() -> None:
    page = (
        '<div class="slides"><section>x</section></div>'
        "<script>\nconst s = 1;\nnote: while (true) break note;\n</script>"
    )
    assert joined(render_html_deck(page)) == page


@pytest.mark.skipif(not DEMO.is_file(), reason="reveal.js is not installed (npm ci)")
def test_reveal_js_demo_page() -> None:
    text = DEMO.read_text(encoding="utf-8")
    assert 'class="notes"' in text  # the demo does have notes to remove
    rendered = render_html_deck(text)
    page = joined(rendered)
    assert 'class="notes"' not in page
    assert not re.search(r"<aside[^>]*notes", page)
    assert rendered.slide_count > 30
    assert rendered.title.startswith("reveal.js")
    assert len(rendered.notes) == text.count('<aside class="notes">')
    assert any("speaker notes window" in note for note in rendered.notes.values())


SPEAKER_SECTION = (
    "<section data-markdown><textarea data-template>\n# A\nSpeaker: SECRET\n</textarea></section>"
)


def speaker_page(script: str, own: str = "") -> str:
    return (
        '<html><head></head><body><div class="reveal"><div class="slides">'
        f"{SPEAKER_SECTION}</div></div>{own}"
        f'<script src="dist/reveal.js"></script><script>{script}</script></body></html>'
    )


@pytest.mark.parametrize(
    ("script", "files"),
    [
        ("Reveal.initialize({markdown: {notesSeparator: '^Speaker:'}})", {}),
        ("Reveal.initialize({markdown: {notesSeparator: /^Speaker:/.source}})", {}),
        # The deck's own configuration script.
        ("Reveal.initialize(window.cfg)", {"config.js": "cfg = {notesSeparator: '^Speaker:'}"}),
    ],
)
def test_a_notes_separator_set_in_a_script_keeps_those_notes_off(
    script: str, files: dict[str, str | None]
) -> None:
    own = '<script src="config.js"></script>' if files else ""
    page = render_html_deck(speaker_page(script, own), files)
    assert "SECRET" not in page.before_head_end + page.middle + page.after_body_end
    assert "SECRET" in " ".join(page.notes.values())


def test_a_notes_separator_that_cannot_be_read_is_refused() -> None:
    script = "const s = '^Speaker:'; Reveal.initialize({markdown: {notesSeparator: s}})"
    with pytest.raises(HiddenNotesSeparator):
        render_html_deck(speaker_page(script), {})
