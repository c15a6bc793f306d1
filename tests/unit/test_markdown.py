"""Rendering slides.md into reveal.js sections, with notes split out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from presenter.core.errors import DeckError
from presenter.core.markdown import RenderedMarkdown, render_markdown

PATH = Path("deck/slides.md")


def render(text: str) -> RenderedMarkdown:
    return render_markdown(text, PATH)


def section_tags(html: str) -> list[str]:
    return re.findall(r"</?section[^>]*>", html)


# Separators


def test_default_separators_build_horizontal_and_vertical_slides() -> None:
    rendered = render("# A\n\n---\n\n# B\n\n----\n\n# C\n\n---\n\n# D\n")
    positions = [(s.indexh, s.indexv, s.title) for s in rendered.slides]
    assert positions == [(0, 0, "A"), (1, 0, "B"), (1, 1, "C"), (2, 0, "D")]
    assert section_tags(rendered.slides_html) == [
        "<section>",
        "</section>",
        "<section>",  # the vertical stack
        "<section>",
        "</section>",
        "<section>",
        "</section>",
        "</section>",
        "<section>",
        "</section>",
    ]
    stack = rendered.slides_html.split("<h1>A</h1>")[1]
    assert re.search(r"<section>\s*<section>\s*<h1>B</h1>", stack)
    assert re.search(r"<h1>C</h1>\s*</section>\s*</section>", stack)


def test_a_deck_without_separators_is_one_slide() -> None:
    rendered = render("# Only\n\ntext\n")
    assert len(rendered.slides) == 1
    assert section_tags(rendered.slides_html) == ["<section>", "</section>"]


def test_separator_lines_must_stand_alone() -> None:
    rendered = render("# A\n\ntext --- more\n\n  ---\n")
    assert len(rendered.slides) == 1


def test_custom_separators_from_front_matter() -> None:
    text = (
        "---\n"
        'separator: "^<!--s-->$"\n'
        'verticalSeparator: "^<!--v-->$"\n'
        "---\n"
        "# A\n<!--s-->\n# B\n<!--v-->\n# C\n\n---\n\nstill C\n"
    )
    rendered = render(text)
    assert [(s.indexh, s.indexv, s.title) for s in rendered.slides] == [
        (0, 0, "A"),
        (1, 0, "B"),
        (1, 1, "C"),
    ]
    # With custom separators, --- is a plain thematic break.
    assert "<hr" in rendered.slides[2].html
    assert "still C" in rendered.slides[2].html
    assert "<!--s-->" not in rendered.slides_html
    assert "<!--v-->" not in rendered.slides_html


@pytest.mark.parametrize("fence", ["```", "~~~", "````"])
def test_separators_inside_fenced_code_do_not_split(fence: str) -> None:
    text = f"# Code\n\n{fence}yaml\n---\nkey: 1\n----\n{fence}\n\nafter\n\n---\n\n# Next\n"
    rendered = render(text)
    assert [s.title for s in rendered.slides] == ["Code", "Next"]
    code = rendered.slides[0].html
    assert "---\nkey: 1\n----" in code
    assert "after" in code


def test_unclosed_fence_protects_the_rest_of_the_slide() -> None:
    rendered = render("# A\n\n```\ncode\n---\nmore\n")
    assert len(rendered.slides) == 1


# Notes


def test_note_marker_moves_notes_out_of_slides_html() -> None:
    rendered = render(
        "# One\n\nvisible\n\nNote:\nSPEAKER-ONLY-1\n\n---\n\n# Two\n\nnotes: speaker-only-2\n"
    )
    assert "SPEAKER-ONLY-1" not in rendered.slides_html
    assert "speaker-only-2" not in rendered.slides_html
    assert "Note:" not in rendered.slides_html
    assert "visible" in rendered.slides_html
    assert "SPEAKER-ONLY-1" in rendered.notes["0.0"]
    assert "speaker-only-2" in rendered.notes["1.0"]
    assert set(rendered.notes) == {"0.0", "1.0"}


@pytest.mark.parametrize("marker", ["Note:", "note:", "NOTE:", "Notes:", "notes:", "  Note:"])
def test_note_marker_is_case_insensitive(marker: str) -> None:
    rendered = render(f"# T\n\n{marker} HIDDEN-TEXT\n")
    assert "HIDDEN-TEXT" not in rendered.slides_html
    assert "HIDDEN-TEXT" in rendered.notes["0.0"]


def test_notes_are_rendered_as_markdown() -> None:
    rendered = render("# T\n\nNote:\n- **bold** point\n")
    assert "<strong>bold</strong>" in rendered.notes["0.0"]
    assert "<li>" in rendered.notes["0.0"]


def test_notes_of_vertical_slides_are_keyed_by_h_and_v() -> None:
    rendered = render("# A\n\n---\n\n# B\n\n----\n\n# C\n\nNote: NOTE-C\n")
    assert set(rendered.notes) == {"1.1"}
    assert "NOTE-C" in rendered.notes["1.1"]
    assert "NOTE-C" not in rendered.slides_html


def test_note_marker_inside_fenced_code_is_code() -> None:
    rendered = render("# T\n\n```text\nNote: part of the code\n```\n")
    assert rendered.notes == {}
    assert "Note: part of the code" in rendered.slides_html


def test_aside_notes_are_removed_and_kept_for_the_speaker() -> None:
    rendered = render('# T\n\nshown\n\n<aside class="notes">ASIDE-SECRET</aside>\n')
    assert "ASIDE-SECRET" not in rendered.slides_html
    assert "<aside" not in rendered.slides_html
    assert "shown" in rendered.slides_html
    assert rendered.notes["0.0"] == "ASIDE-SECRET"


def test_aside_notes_and_note_marker_are_both_kept() -> None:
    rendered = render('# T\n\n<aside class="notes">FROM-ASIDE</aside>\n\nNote: FROM-MARKER\n')
    assert "FROM-ASIDE" in rendered.notes["0.0"]
    assert "FROM-MARKER" in rendered.notes["0.0"]
    assert "FROM-" not in rendered.slides_html


def test_other_asides_stay() -> None:
    rendered = render('# T\n\n<aside class="sidebar">KEEP-ME</aside>\n')
    assert "KEEP-ME" in rendered.slides_html
    assert rendered.notes == {}


# Slide and element attributes


def test_slide_comment_sets_section_attributes_and_disappears() -> None:
    rendered = render('# A\n\n---\n\n<!-- .slide: data-background="#123" class="x" -->\n\n# B\n')
    assert '<section data-background="#123" class="x">' in rendered.slides_html
    assert ".slide:" not in rendered.slides_html
    assert rendered.slides[1].attrs == (("data-background", "#123"), ("class", "x"))
    assert rendered.slides[0].attrs == ()


def test_slide_comment_applies_to_its_own_vertical_slide() -> None:
    rendered = render('# A\n\n----\n\n<!-- .slide: data-state="deep" -->\n# B\n')
    html = rendered.slides_html
    assert re.search(r'<section data-state="deep">\s*<h1>B</h1>', html)
    assert html.count("data-state") == 1


def test_slide_comment_inside_fenced_code_is_left_alone() -> None:
    # A slide that teaches the syntax must show it, not apply it.
    rendered = render('# Syntax\n\n```html\n<!-- .slide: data-background="#f00" -->\n```\n')
    assert rendered.slides[0].attrs == ()
    assert "&lt;!-- .slide: data-background=" in rendered.slides_html


def test_element_comment_applies_to_list_items() -> None:
    rendered = render('- one <!-- .element: class="fragment" data-fragment-index="2" -->\n- two\n')
    html = rendered.slides_html
    assert '<li class="fragment" data-fragment-index="2">one' in html
    assert "<li>two</li>" in html
    assert ".element:" not in html


def test_element_comment_applies_to_preceding_image() -> None:
    rendered = render('![logo](img/logo.png) <!-- .element: class="r-stretch" -->\n')
    assert re.search(r'<img src="img/logo.png" alt="logo" class="r-stretch">', rendered.slides_html)
    assert "<p>" in rendered.slides_html and "<p class" not in rendered.slides_html


def test_element_comment_appends_to_existing_class() -> None:
    rendered = render('<p class="big">x <!-- .element: class="fragment" --></p>\n')
    assert '<p class="big fragment">x' in rendered.slides_html


def test_element_comment_applies_to_parent_when_no_element_precedes() -> None:
    rendered = render('Some text <!-- .element: class="fragment" -->\n')
    assert '<p class="fragment">Some text' in rendered.slides_html


# Code and raw HTML


def test_fenced_code_with_line_steps_is_escaped() -> None:
    rendered = render('```python [1|2-3]\nif a < b and c > d:\n    s = "&"\n```\n')
    assert (
        '<pre><code class="language-python" data-line-numbers="1|2-3">'
        "if a &lt; b and c &gt; d:\n"
        '    s = "&amp;"</code></pre>'
    ) in rendered.slides_html


def test_fenced_code_without_language() -> None:
    rendered = render("```\n<b>x</b>\n```\n")
    assert "<pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>" in rendered.slides_html


def test_fenced_code_with_language_only_has_no_line_numbers() -> None:
    rendered = render("```js\nx()\n```\n")
    assert '<code class="language-js">x()</code>' in rendered.slides_html


def test_raw_html_passes_through() -> None:
    source = '<div class="r-hstack" style="gap: 1em"><span data-id="box">Box</span></div>'
    rendered = render(f"# T\n\n{source}\n")
    assert source in rendered.slides_html


def test_markdown_text_is_escaped() -> None:
    rendered = render("Q&A about 1 < 2\n")
    assert "Q&amp;A about 1 &lt; 2" in rendered.slides_html


# Front matter


def test_front_matter_is_parsed_and_not_rendered() -> None:
    rendered = render(
        "---\ntitle: My talk\ntheme: moon\nrevealOptions:\n  transition: none\n"
        "  controls: false\n---\n\n# First\n"
    )
    assert rendered.meta == {
        "title": "My talk",
        "theme": "moon",
        "revealOptions": {"transition": "none", "controls": False},
    }
    assert "My talk" not in rendered.slides_html
    assert "theme" not in rendered.slides_html
    assert [s.title for s in rendered.slides] == ["First"]


def test_no_front_matter_gives_empty_meta() -> None:
    assert render("# A\n").meta == {}


def test_empty_front_matter_gives_empty_meta() -> None:
    rendered = render("---\n---\n# A\n")
    assert rendered.meta == {}
    assert [s.title for s in rendered.slides] == ["A"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("---\ntitle: ok\ntheme: a: b\n---\n# x\n", 3),
        ("---\n# comment\n\ntitle: ok\nkey: value: bad\n---\n# x\n", 5),
        ("---\ntitle: ok\ndescription: fine\n  bad indent: x\n---\n# x\n", 4),
        ("---\n\ttitle: tab\n---\n", 2),
    ],
)
def test_broken_yaml_front_matter_points_at_the_line(text: str, line: int) -> None:
    with pytest.raises(DeckError) as caught:
        render(text)
    assert caught.value.path == PATH
    assert caught.value.line == line
    assert f"{PATH}:{line}" in str(caught.value)


def test_front_matter_that_is_a_list_is_an_error() -> None:
    with pytest.raises(DeckError) as caught:
        render("---\n- a\n- b\n---\n# x\n")
    assert caught.value.line == 2


def test_front_matter_that_is_a_scalar_is_an_error() -> None:
    with pytest.raises(DeckError):
        render("---\njust a string\n---\n# x\n")


def test_unterminated_front_matter_is_an_error() -> None:
    with pytest.raises(DeckError) as caught:
        render("---\ntitle: x\n\n# A\n")
    assert caught.value.line == 1


@pytest.mark.parametrize(
    "front",
    ['separator: "("', 'verticalSeparator: "[a-"', 'separator: ""', "separator: 3"],
)
def test_invalid_separator_is_an_error(front: str) -> None:
    with pytest.raises(DeckError) as caught:
        render(f"---\n{front}\n---\n# x\n")
    assert caught.value.path == PATH


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ("title: ok\nrevealOptions: 5\n", 3),
        ("title: ok\nseparator: 7\n", 3),
        ("separator: '('\n", 2),
    ],
)
def test_wrong_shaped_front_matter_values_name_their_line(front: str, line: int) -> None:
    with pytest.raises(DeckError) as caught:
        render_markdown(f"---\n{front}---\n# x\n", Path("slides.md"))
    assert caught.value.line == line
    assert f"slides.md:{line}:" in str(caught.value)
