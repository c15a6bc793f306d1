"""Rendering slides.md into reveal.js sections, with notes split out."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from presenter.core import htmltree
from presenter.core.errors import DeckError
from presenter.core.markdown import RenderedMarkdown, render_fragment, render_markdown

PATH = Path("deck/slides.md")


def render(text: str) -> RenderedMarkdown:
    return render_markdown(text, PATH)


def section_tags(html: str) -> list[str]:
    return re.findall(r"</?section[^>]*>", html)


def templates(rendered: RenderedMarkdown) -> list[str]:
    """The Markdown of each slide, as the audience's reveal.js reads it."""
    return [
        html.unescape(t)
        for t in re.findall(
            r"<textarea data-template>\n(.*?)</textarea>", rendered.slides_html, re.S
        )
    ]


def audience(rendered: RenderedMarkdown) -> str:
    return "\n".join(templates(rendered))


# Separators (reveal-md's: a dash line between blank lines)


def test_default_separators_build_horizontal_and_vertical_slides() -> None:
    rendered = render("# A\n\n---\n\n# B\n\n----\n\n# C\n\n---\n\n# D\n")
    positions = [(s.indexh, s.indexv, s.title) for s in rendered.slides]
    assert positions == [(0, 0, "A"), (1, 0, "B"), (1, 1, "C"), (2, 0, "D")]
    tags = [t.split()[0] for t in section_tags(rendered.slides_html)]
    assert tags == [
        "<section", "</section>",
        "<section>", "<section", "</section>", "<section", "</section>", "</section>",
        "<section", "</section>",
    ]  # fmt: skip
    assert [t.strip() for t in templates(rendered)] == ["# A", "# B", "# C", "# D"]


def test_every_slide_is_one_markdown_section_the_plugin_will_not_split_again() -> None:
    rendered = render("# A\n\nsome text\n")
    assert rendered.slides_html.startswith(
        '<section data-markdown data-separator="(?!)" data-separator-notes="(?!)">'
    )
    assert len(rendered.slides) == 1


def test_a_dash_line_without_blank_lines_around_is_not_a_separator() -> None:
    # reveal-md's separator needs the blank lines: these are a heading underline and a rule.
    rendered = render("Title\n---\n\ntext\n***\n---\nmore\n")
    assert len(rendered.slides) == 1


def test_a_separator_line_may_end_in_spaces() -> None:
    # A deliberate difference: reveal.js would not split here.
    assert len(render("# A\n\n---   \n\n# B\n").slides) == 2


def test_separator_lines_must_stand_alone() -> None:
    assert len(render("# A\n\ntext --- more\n\n  ---x\n").slides) == 1


def test_custom_separators_from_front_matter() -> None:
    text = (
        "---\nseparator: '^===$'\nverticalSeparator: '^\\.\\.\\.$'\n---\n# A\n===\n# B\n...\n# C\n"
    )
    positions = [(s.indexh, s.indexv, s.title) for s in render(text).slides]
    assert positions == [(0, 0, "A"), (1, 0, "B"), (1, 1, "C")]


@pytest.mark.parametrize("fence", ["```", "~~~", "````"])
def test_separators_inside_fenced_code_do_not_split(fence: str) -> None:
    rendered = render(f"# A\n\n{fence}\nbefore\n\n---\n\nkey: 1\n\n----\n\n{fence}\n\n---\n\n# B\n")
    assert [s.title for s in rendered.slides] == ["A", "B"]
    assert "before\n\n---\n\nkey: 1\n\n----" in templates(rendered)[0]


def test_separators_in_indented_code_and_in_a_list_item_fence_do_not_split() -> None:
    text = (
        "# A\n\n    code\n\n    ---\n\n    more code\n\n"
        "1. item\n\n    ```\n    x\n\n    ---\n\n    y\n    ```\n\n---\n\n# B\n"
    )
    assert [s.title for s in render(text).slides] == ["A", "B"]


def test_an_inline_code_line_is_not_a_fence() -> None:
    # A backtick fence's info string cannot hold a backtick: this line is inline code.
    text = "## A\n\n```<b>x</b>``` is inline code\n\n---\n\n## B\n\nNote: secret B\n"
    rendered = render(text)
    assert [s.title for s in rendered.slides] == ["A", "B"]
    assert "secret B" not in rendered.slides_html
    assert "secret B" in rendered.notes["1.0"]


def test_an_unclosed_fence_shields_nothing() -> None:
    # reveal.js splits after it (the fence runs to the end of its own slide), so do we:
    # what follows must not become code the audience sees.
    rendered = render("# A\n\n```\ncode\n\n---\n\n# B\n\nNote: SECRET\n")
    assert [s.title for s in rendered.slides] == ["A", "B"]
    assert "SECRET" not in rendered.slides_html


# Notes


def test_note_marker_moves_notes_out_of_the_audience_markdown() -> None:
    rendered = render(
        "# One\n\nvisible\n\nNote:\nSPEAKER-ONLY-1\n\n---\n\n# Two\n\nnotes: speaker-only-2\n"
    )
    assert "SPEAKER-ONLY-1" not in rendered.slides_html
    assert "speaker-only-2" not in rendered.slides_html
    assert "Note:" not in rendered.slides_html
    assert "visible" in audience(rendered)
    assert "SPEAKER-ONLY-1" in rendered.notes["0.0"]
    assert "speaker-only-2" in rendered.notes["1.0"]
    assert set(rendered.notes) == {"0.0", "1.0"}


@pytest.mark.parametrize("marker", ["Note:", "note:", "NOTE:", "Notes:", "notes:"])
def test_note_marker_is_case_insensitive(marker: str) -> None:
    rendered = render(f"# T\n\n{marker} HIDDEN-TEXT\n")
    assert "HIDDEN-TEXT" not in rendered.slides_html
    assert "HIDDEN-TEXT" in rendered.notes["0.0"]


def test_an_indented_note_line_is_text_as_in_reveal_js() -> None:
    # The plugin's separator is "^s*notes?:": a marker must start its line.
    rendered = render("# T\n\nsome text\n  Note: still text\n")
    assert rendered.notes == {}
    assert "Note: still text" in audience(rendered)


def test_two_markers_make_notes_from_the_first() -> None:
    rendered = render("# T\n\nshown\n\nNote: ONE\n\nNote: TWO\n")
    assert "ONE" not in rendered.slides_html and "TWO" not in rendered.slides_html
    assert "ONE" in rendered.notes["0.0"] and "TWO" in rendered.notes["0.0"]


def test_notes_separator_from_front_matter() -> None:
    text = (
        "---\nnotesSeparator: '^Speaker:'\n---\n# A\n\nNote: plain text here\n\nSpeaker: secret A\n"
    )
    rendered = render(text)
    assert "secret A" not in rendered.slides_html
    assert "secret A" in rendered.notes["0.0"]
    assert "Note: plain text here" in audience(rendered)


def test_notes_are_rendered_as_markdown() -> None:
    rendered = render("# T\n\nNote:\n- **bold** point\n")
    assert "<strong>bold</strong>" in rendered.notes["0.0"]
    assert "<li>" in rendered.notes["0.0"]


def test_notes_of_vertical_slides_are_keyed_by_h_and_v() -> None:
    rendered = render("# A\n\n---\n\n# B\n\n----\n\n# C\n\nNote: NOTE-C\n")
    assert set(rendered.notes) == {"1.1"}
    assert "NOTE-C" in rendered.notes["1.1"]
    assert "NOTE-C" not in rendered.slides_html


@pytest.mark.parametrize(
    "code",
    [
        "```text\nNote: part of the code\n```",
        "    Note: part of the code",
        "1. item\n\n    ```\n    Note: part of the code\n    ```",
    ],
)
def test_a_note_marker_inside_code_is_code(code: str) -> None:
    rendered = render(f"# T\n\n{code}\n\nafter the code\n")
    assert rendered.notes == {}
    assert "Note: part of the code" in audience(rendered)
    assert "after the code" in audience(rendered)


def test_aside_notes_and_data_notes_are_cut_and_kept_for_the_speaker() -> None:
    rendered = render(
        '# T\n\nshown\n\n<aside class="notes">ASIDE-SECRET</aside>\n\n'
        '<!-- .slide: data-notes="ATTR-SECRET" data-background="#000" -->\n'
    )
    assert "SECRET" not in rendered.slides_html
    assert "<aside" not in rendered.slides_html
    assert "shown" in audience(rendered)
    assert 'data-background="#000"' in audience(rendered)
    assert "ASIDE-SECRET" in rendered.notes["0.0"]
    assert "ATTR-SECRET" in rendered.notes["0.0"]


def test_html_notes_inside_code_are_code() -> None:
    text = '# T\n\n```html\n<aside class="notes">example</aside>\n```\n'
    rendered = render(text)
    assert rendered.notes == {}
    assert '<aside class="notes">example</aside>' in audience(rendered)


def test_other_asides_stay() -> None:
    rendered = render('# T\n\n<aside class="sidebar">KEEP-ME</aside>\n')
    assert "KEEP-ME" in audience(rendered)
    assert rendered.notes == {}
    boxed = render('# T\n\n<aside class="notes-box">KEEP-ME</aside>\n')
    assert "KEEP-ME" in audience(boxed)
    assert boxed.notes == {}


@pytest.mark.parametrize(
    ("slide", "notes"),
    [
        # The browser ends the notes at the aside's own end tag, not a nested one's.
        ('<aside class="notes">outer <aside>inner</aside> SECRET tail</aside>', "SECRET tail"),
        # Never closed: the browser puts the rest of the slide in it.
        ('<aside class="notes">\nSECRET never closed\n\nmore SECRET', "more SECRET"),
        # An aside around a code block takes the code.
        ('<aside class="notes">\n\n```\nSECRET code\n```\n\n</aside>', "SECRET code"),
        # marked (reveal.js's parser) closes a fence at ```~ and makes the next
        # line a notes marker; CommonMark would read it as code.
        ("```\ncode\n```~\nNote: SECRET\n```", "SECRET"),
        ("~~~\ncode\n~~~`\nNote: SECRET\n~~~", "SECRET"),
    ],
)
def test_notes_reveal_js_would_make_are_cut_however_they_are_written(
    slide: str, notes: str
) -> None:
    rendered = render(f"# T\n\nVisible\n\n{slide}\n\n---\n\n# Next\n")
    assert "SECRET" not in html.unescape(rendered.slides_html)
    assert notes in html.unescape(rendered.notes["0.0"])
    assert "Visible" in audience(rendered) and "# Next" in audience(rendered)


PEDANTIC = "---\nrevealOptions:\n  markdown:\n    pedantic: true\n---\n"


@pytest.mark.parametrize(
    "deck",
    [
        # Fences marked may not read as CommonMark does: a notes marker there is a note.
        "# A\n\n```\n    ```\n```\nNote: SECRET\n```\n",
        "# A\n\n```\n> ```\n```\nNote: SECRET\n```\n",
        "# A\n\n<meta> x\n```\nNote: SECRET\n```\n",
        "para\n<meta>\n```\nNote: SECRET\n```\n",
        "# A\n\n<pre>\n</style>\n```\nNote: SECRET\n```\n",
        "# A\n\n- item\n<custom-el>\n~~~\nNote: SECRET\n~~~\n",
        "# A\n\n- item\n<!x\n?>\n   ```\nNote: SECRET\n   ```\n",
        "# A\n\n[a]:\n```\nNote: SECRET\n```\n",
        "# A\n\n[a\n```\n]: /u\nNote: SECRET\n```\n",
        # marked's pedantic mode has no fenced code.
        PEDANTIC + "# A\n\n~~~\nNote: SECRET\n~~~\n",
        PEDANTIC + '~~~\n<aside class="notes">SECRET</aside>\n~~~\n',
        # data-notes needs no space before it.
        '# A\n\n<!-- .slide: class="a"data-notes="SECRET" -->\n',
        '# A\n\n<!-- x .slide:data-notes="SECRET" -->\n',
        '# A\n\n<!-- .slide: data-notes="x"data-notes="SECRET" -->\n',
        # Asides as a browser reads them.
        '# A\n\n<aside title="a>b" class="notes">SECRET</aside>\n',
        '# A\n\n<aside class="&#110;otes">SECRET</aside>\n',
        '# A\n\n<aside class="notes">x <!-- </aside> --> SECRET</aside>\n',
        '# A\n\n<aside class="notes">x <span title="</aside>"> SECRET</span></aside>\n',
        '# A\n\n<aside class="notes">x `</aside>` SECRET</aside>\n',
        '# A\n\n<aside class="notes">x <textarea></aside></textarea> SECRET</aside>\n',
        # JavaScript's \s matches U+FEFF.
        "---\nnotesSeparator: '^\\s*Speaker:'\n---\n# A\n\n\ufeffSpeaker: SECRET\n",
        # What a .slide: comment among the notes carries besides attributes.
        '# A\n\nNote: hi\n<!-- .slide: data-background="#000" SECRET words -->\n',
    ],
)
def test_no_shape_of_notes_reaches_the_audience(deck: str) -> None:
    rendered = render(deck)
    assert "SECRET" not in html.unescape(rendered.slides_html)


def test_a_note_marker_in_a_plain_fence_stays_code() -> None:
    rendered = render("# A\n\n```\nNote: shown as code\n```\n\nafter\n")
    assert rendered.notes == {}
    assert "Note: shown as code" in audience(rendered)


def test_a_slide_comment_among_the_notes_moves_back_by_its_first_line_only() -> None:
    rendered = render('# T\n\nNote: n\n\n<!-- .slide: class="a"\nSECRET -->\n')
    assert '<!-- .slide: class="a" -->' in audience(rendered)
    assert "SECRET" not in rendered.slides_html


# Slide comments (reveal.js applies them; these are the ones we move or mend)


def test_a_slide_comment_among_the_notes_still_applies_to_the_slide() -> None:
    rendered = render('# T\n\nNote: words\n<!-- .slide: data-background="#f00" -->\nmore words\n')
    assert '<!-- .slide: data-background="#f00" -->' in audience(rendered)
    assert "words" in rendered.notes["0.0"] and ".slide" not in rendered.notes["0.0"]


def test_a_multi_line_slide_comment_is_made_one_line() -> None:
    rendered = render('# T\n\n<!-- .slide:\n  data-background="#f00"\n  class="big" -->\n')
    assert '<!-- .slide: data-background="#f00" class="big" -->' in audience(rendered)


def test_a_slide_comment_inside_code_is_code() -> None:
    text = '# T\n\n    <!-- .slide:\n      data-background="#f00" -->\n'
    assert '    <!-- .slide:\n      data-background="#f00" -->' in audience(render(text))


def test_a_slide_is_handed_over_as_reveal_js_would_cut_it() -> None:
    # The plugin strips a slide's first-line indentation from every line (so this
    # code becomes a paragraph, as in reveal.js): the text must reach it unchanged.
    rendered = render("# A\n\n---\n\n    code first\n        deeper\n")
    assert templates(rendered)[1] == "\n    code first\n        deeper\n"


def test_markdown_is_escaped_for_the_template() -> None:
    rendered = render("Q&A about 1 < 2 and </textarea>\n")
    assert "Q&amp;A about 1 &lt; 2 and &lt;/textarea&gt;" in rendered.slides_html
    assert "Q&A about 1 < 2 and </textarea>" in audience(rendered)


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
    assert "theme" not in audience(rendered)
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


@pytest.mark.parametrize(
    ("slide", "title"),
    [
        ("## Plain *emphasis* and `code`", "Plain emphasis and code"),
        ('<h1 title="a>b">From HTML</h1>', "From HTML"),
        ("Setext title\n============", "Setext title"),
        ("#### Too deep\n\n## The title", "The title"),
        ("Just text", ""),
    ],
)
def test_titles_follow_the_one_rule_for_markdown_and_html_decks(slide: str, title: str) -> None:
    assert render(f"{slide}\n").slides[0].title == title
    page = htmltree.parse(render_fragment(slide))
    assert htmltree.heading_text(page) == title
