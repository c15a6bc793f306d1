"""Speaker notes in every reveal.js notation: split as the markdown plugin splits, cut, keyed.

Two halves: :mod:`presenter.core.notes` on its own (checked against reveal.js's
own markdown plugin where node is installed), and the notations of a
hand-written ``index.html`` through :func:`render_html_deck`. Whatever the
notation, a note's text must be absent from the audience page and from the
Markdown files served to it, and present in ``notes`` under its slide's
``"h.v"``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from presenter.core import htmltree
from presenter.core.htmldeck import RenderedHtml, markdown_references, render_html_deck
from presenter.core.notes import (
    PluginSeparators,
    cut_plugin_notes,
    plugin_slides,
    strip_html_notes,
    strip_markdown_file,
    strip_text_notes,
)
from tests.helpers import TIMEOUT_FACTOR

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "node_modules" / "reveal.js" / "dist" / "plugin" / "markdown.mjs"


def audience(rendered: RenderedHtml) -> str:
    """Everything the audience page carries of the deck."""
    return rendered.before_head_end + rendered.middle + rendered.after_body_end


def assert_hidden(rendered: RenderedHtml, *secrets: str) -> None:
    """No secret in the audience page or in any Markdown file served to it."""
    page = audience(rendered)
    for secret in secrets:
        assert secret not in page, (secret, page)
        for name, text in rendered.markdown_files.items():
            assert secret not in text, (secret, name, text)


def assert_notes(rendered: RenderedHtml, expected: dict[str, list[str]]) -> None:
    """Each secret is in the notes of its slide and of no other slide; no other slide has notes."""
    assert set(rendered.notes) == set(expected), rendered.notes
    for key, secrets in expected.items():
        for secret in secrets:
            holders = [k for k, v in rendered.notes.items() if secret in v]
            assert holders == [key], (secret, rendered.notes)


def deck(slides: str, scripts: str = "") -> str:
    """A reveal.js page around ``slides``, with ``scripts`` before ``</body>``."""
    return (
        "<!doctype html>\n<html>\n<head><title>Notes</title></head>\n<body>\n"
        '<div class="reveal"><div class="slides">\n'
        f"{slides}\n"
        "</div></div>\n"
        '<script src="dist/reveal.js"></script>\n'
        '<script src="dist/plugin/markdown.js"></script>\n'
        f"{scripts}\n"
        "</body>\n</html>\n"
    )


# --- the markdown plugin's slide splitting -------------------------------------------


def test_default_separator_makes_horizontal_slides_only() -> None:
    text = "# A\n\n---\n\n# B\n--\n# still B\n---\n# C"
    assert plugin_slides(text, PluginSeparators()) == [["# A\n"], ["\n# B\n--\n# still B"], ["# C"]]


def test_vertical_separator_makes_stacks() -> None:
    separators = PluginSeparators(vertical=r"\n--\n")
    text = "a\n---\nb\n--\nc\n---\nd\n--\ne"
    assert plugin_slides(text, separators) == [["a"], ["b", "c"], ["d", "e"]]


def test_a_vertical_separator_first_opens_a_stack() -> None:
    separators = PluginSeparators(vertical=r"\n--\n")
    # A vertical separator right after a horizontal one starts a stack with
    # the slide between them, as the plugin does.
    assert plugin_slides("a\n--\nb", separators) == [["a", "b"]]


def test_a_separator_python_cannot_compile_leaves_one_slide() -> None:
    text = "a\n---\nb"
    assert plugin_slides(text, PluginSeparators(separator="(")) == [[text]]


CUT_CASES: list[tuple[str, PluginSeparators, str]] = [
    (
        "## One\nNote: SECRET-A\n\n---\n\n## Two\nnotes:\nSECRET-B\n---\n## Three",
        PluginSeparators(),
        "default separators",
    ),
    (
        "## One\nSpeaker: SECRET-A\n<!--s-->\n## Two\n<!--v-->\n## Three\nSpeaker: SECRET-B",
        PluginSeparators(r"\n<!--s-->\n", r"\n<!--v-->\n", "^Speaker:"),
        "all three custom",
    ),
    (
        "## One\r\nNote: SECRET-A\r\n---\r\n## Two\r\nNote: SECRET-B\r\n",
        PluginSeparators(),
        "CRLF",
    ),
]


@pytest.mark.parametrize(("text", "separators", "label"), CUT_CASES, ids=[c[2] for c in CUT_CASES])
def test_cut_text_splits_into_the_same_slides_without_notes(
    text: str, separators: PluginSeparators, label: str
) -> None:
    kept, slides = cut_plugin_notes(text, separators)
    assert "SECRET" not in kept
    # The plugin, run on what is left, finds the same slides, minus their notes.
    assert plugin_slides(kept, separators) == [[s.markdown for s in g] for g in slides]
    assert [len(g) for g in slides] == [len(g) for g in plugin_slides(text, separators)]
    with_notes = [s.notes for g in slides for s in g if s.notes]
    assert len(with_notes) == 2, slides
    assert "SECRET-A" in with_notes[0] and "SECRET-B" in with_notes[1]


@pytest.mark.parametrize("marker", ["Note:", "note:", "NOTE:", "Notes:", "notes:", "NoTeS:"])
def test_default_notes_separator_ignores_case(marker: str) -> None:
    kept, slides = cut_plugin_notes(f"## Title\n{marker} SECRET-CASE\n", PluginSeparators())
    assert "SECRET-CASE" not in kept
    assert slides[0][0].notes == "SECRET-CASE"


@pytest.mark.parametrize("line", ["  Note: shown", "A note: shown", "Footnote: shown"])
def test_default_notes_separator_only_at_the_start_of_a_line(line: str) -> None:
    # The plugin's pattern is "^s*notes?:": an indented or mid-line "note:"
    # stays on the slide there, so it stays here too.
    text = f"## Title\n{line}\n"
    kept, slides = cut_plugin_notes(text, PluginSeparators())
    assert kept == text
    assert slides[0][0].notes is None


def test_a_custom_notes_separator_replaces_the_default() -> None:
    text = "## Title\nNote: still on the slide\nSpeaker: SECRET-SPEAKER\n"
    kept, slides = cut_plugin_notes(text, PluginSeparators(notes="^Speaker:"))
    assert "Note: still on the slide" in kept
    assert "SECRET-SPEAKER" not in kept
    assert slides[0][0].notes == "SECRET-SPEAKER"


def test_a_notes_separator_python_cannot_compile_falls_back_to_the_default() -> None:
    kept, slides = cut_plugin_notes("## T\nNote: SECRET-FALLBACK\n", PluginSeparators(notes="("))
    assert "SECRET-FALLBACK" not in kept
    assert slides[0][0].notes == "SECRET-FALLBACK"


def test_two_notes_separators_cut_from_the_first() -> None:
    # The plugin would show such a slide whole; cutting is the safe side.
    kept, slides = cut_plugin_notes("## T\nNote: SECRET-1\nNote: SECRET-2\n", PluginSeparators())
    assert "SECRET" not in kept
    assert "SECRET-1" in (slides[0][0].notes or "")
    assert "SECRET-2" in (slides[0][0].notes or "")


def test_notes_after_the_last_slide_separator_belong_to_the_last_slide() -> None:
    kept, slides = cut_plugin_notes("# A\n---\n# B\nNote: SECRET-LAST", PluginSeparators())
    assert kept.endswith("# B\n")
    assert [s.notes for g in slides for s in g] == [None, "SECRET-LAST"]


def test_html_notes_inside_a_slide_are_its_notes() -> None:
    text = (
        '# A\n<aside class="notes">SECRET-ASIDE</aside>\n---\n'
        '<!-- .slide: data-notes="SECRET-COMMENT" data-background="#000" -->\n# B\n---\n'
        "# C\n<p data-notes='SECRET-P'>shown</p>"
    )
    kept, slides = cut_plugin_notes(text, PluginSeparators())
    for secret in ("SECRET-ASIDE", "SECRET-COMMENT", "SECRET-P"):
        assert secret not in kept
    assert 'data-background="#000"' in kept  # the rest of the comment stays
    assert "<p>shown</p>" in kept
    notes = [s.notes or "" for g in slides for s in g]
    assert "SECRET-ASIDE" in notes[0]
    assert "SECRET-COMMENT" in notes[1]
    assert "SECRET-P" in notes[2]


# --- notes written as HTML -------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        '<aside class="notes">SECRET-X</aside>',
        "<aside class='notes'>SECRET-X</aside>",
        "<aside class=notes>SECRET-X</aside>",
        '<aside class="fragment notes" data-x="1">\n<b>SECRET-X</b>\n</aside>',
        '<ASIDE CLASS="notes">SECRET-X</ASIDE >',
        '<p data-notes="SECRET-X">shown</p>',
        "<p data-notes='SECRET-X'>shown</p>",
        "<p data-notes=SECRET-X>shown</p>",
        '<!-- .slide: data-notes="SECRET-X" -->',
        '<!-- .element: DATA-NOTES = "SECRET-X" -->',
    ],
)
def test_strip_text_notes_takes_out_every_html_notation(html: str) -> None:
    text, found = strip_text_notes(f"before {html} after")
    assert "SECRET-X" not in text
    assert text.startswith("before ") and text.endswith(" after")
    assert any("SECRET-X" in note for note in found)


def test_strip_text_notes_leaves_other_asides_and_attributes() -> None:
    text = '<aside class="sidebar">kept</aside> <p data-note="kept" data-notesy>x</p>'
    assert strip_text_notes(text) == (text, [])


def test_strip_html_notes_on_a_tree() -> None:
    root = htmltree.parse(
        '<section data-notes="SECRET-ON-SECTION"><h1>T</h1>'
        '<aside class="notes">SECRET-ASIDE</aside><aside class="other">kept</aside>'
        '<p data-notes="SECRET-P">x</p></section>'
    )
    found = strip_html_notes(root)
    page = htmltree.serialize(root)
    assert "SECRET" not in page
    assert "data-notes" not in page
    assert '<aside class="other">kept</aside>' in page
    assert sorted(found) == ["SECRET-ASIDE", "SECRET-ON-SECTION", "SECRET-P"]


# --- Markdown files no section describes -------------------------------------------------


def test_strip_markdown_file_cuts_a_note_up_to_the_next_line_of_dashes() -> None:
    text = "# A\nNote: SECRET-1\nmore SECRET-2\n\n---\n# B\n  notes:\nSECRET-3\n--\n# C\n"
    stripped = strip_markdown_file(text)
    assert "SECRET" not in stripped
    for kept in ("# A\n", "---\n# B\n", "--\n# C\n"):
        assert kept in stripped


def test_strip_markdown_file_without_a_following_separator_cuts_to_the_end() -> None:
    assert strip_markdown_file("# A\nNote: SECRET\n\n# not a slide break\n") == "# A\n"


def test_strip_markdown_file_takes_out_html_notes() -> None:
    text = (
        '# A\n<aside class="notes">SECRET-1</aside>\n'
        "<!-- .slide: data-notes=\"SECRET-2\" -->\n<span data-notes='SECRET-3'>x</span>\n"
    )
    stripped = strip_markdown_file(text)
    assert "SECRET" not in stripped
    assert "# A" in stripped and "<span>x</span>" in stripped


def test_strip_markdown_file_keeps_a_file_without_notes() -> None:
    text = "# A\n\nText with a footnote: fine.\n\n---\n\n# B\n"
    assert strip_markdown_file(text) == text


# --- against reveal.js's own markdown plugin ---------------------------------------------

# Runs the plugin's slidify() (what it does to a data-markdown section's text)
# and its notes split (`text.split(new RegExp(notesSeparator, "mgi"))`, notes
# when there are exactly two parts) on each case; prints the slides as JSON.
PLUGIN_HARNESS = r"""
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const { default: factory } = await import(pathToFileURL(process.env.PLUGIN).href);
const plugin = factory();
const TOKEN = /<section\b[^>]*>|<\/section>|<script type="text\/template">([\s\S]*?)<\/script>/g;
const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = cases.map(({ text, separator, vertical, notes }) => {
  const options = { separator, verticalSeparator: vertical, notesSeparator: notes };
  const html = plugin.slidify(text, options);
  const pattern = notes || '^s*notes?:';
  const groups = [];
  let depth = 0;
  for (const m of html.matchAll(TOKEN)) {
    if (m[0] === '</section>') { depth -= 1; continue; }
    if (m[0].startsWith('<section')) { depth += 1; if (depth === 1) groups.push([]); continue; }
    const body = m[1].replace(/__SCRIPT_END__/g, '</script>');
    const parts = body.split(new RegExp(pattern, 'mgi'));
    const first = new RegExp(pattern, 'mi').exec(body);
    groups[groups.length - 1].push({
      text: body,
      notes: parts.length === 2 ? parts[1].trim() : null,
      cut: first ? first.index : null,
    });
  }
  return groups;
});
process.stdout.write(JSON.stringify(out));
"""

DEMO_SEPARATORS = {"separator": r"^\n\n\n", "vertical": r"^\n\n"}
# Decks are read with universal newlines (and browsers turn CRLF into LF in a
# page), so "\r" only reaches the plugin inside a CRLF pair; U+2028 does reach it
# and ends a line for JavaScript's "^".
PLUGIN_CASES: dict[str, dict[str, Any]] = {
    "default": {"text": "# A\nNote: n-a\n\n---\n\n# B\n---\n# C\nnotes:\nn-c\n"},
    "default, CRLF": {"text": "# A\r\nNote: n-a\r\n\r\n---\r\n\r\n# B\r\nNOTE: n-b\r\n"},
    "default, separator first and last": {"text": "\n---\n# A\n---\n"},
    "empty": {"text": ""},
    "vertical": {
        "text": "# A\n---\n# B\nNote: n-b\n--\n# B2\nNote: n-b2\n---\n# C\n--\n# C2",
        "vertical": r"\n--\n",
    },
    "vertical opens the deck": {"text": "# A\n--\n# A2\n---\n# B", "vertical": r"\n--\n"},
    "reveal.js demo separators": {
        "text": "## A\n\n\n## B\nNote: n-b\n\n## B2\n\n\n\n## C\nNote:\nn-c\n",
        **DEMO_SEPARATORS,
    },
    "line separators with $": {
        "text": "# A\nNote: n-a\n---\n# B\n--\n# B2\nNote: n-b2\n",
        "separator": "^---$",
        "vertical": "^--$",
    },
    "custom notes separator": {
        "text": "# A\nNote: shown\nSpeaker: n-a\n---\n# B\nspeaker: n-b",
        "notes": "^Speaker:",
    },
    "indented and mid-line notes are shown": {"text": "# A\n  Note: shown\nA note: shown\n"},
    "two notes separators": {"text": "# A\nNote: one\nNote: two\n"},
    "notes separator with a group": {"text": "# A\nSpeaker: n\n", "notes": "^(Speaker):"},
    "Unicode line separator": {"text": "# A\u2028Note: n-a\n"},
}


def separators_of(case: dict[str, Any]) -> PluginSeparators:
    return PluginSeparators(case.get("separator"), case.get("vertical"), case.get("notes"))


@pytest.fixture(scope="module")
def plugin_results() -> dict[str, list[list[dict[str, Any]]]]:
    """What reveal.js's markdown plugin makes of each of :data:`PLUGIN_CASES`."""
    node = shutil.which("node")
    if node is None or not PLUGIN.is_file():
        pytest.skip("node and reveal.js (npm ci) are needed to run the real markdown plugin")
    cases = [
        {
            "text": case["text"],
            "separator": case.get("separator"),
            "vertical": case.get("vertical"),
            "notes": case.get("notes"),
        }
        for case in PLUGIN_CASES.values()
    ]
    done = subprocess.run(
        [node, "--input-type=module", "-e", PLUGIN_HARNESS],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        env={**os.environ, "PLUGIN": str(PLUGIN)},
        timeout=60 * TIMEOUT_FACTOR,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(zip(PLUGIN_CASES, json.loads(done.stdout), strict=True))


@pytest.mark.parametrize("name", list(PLUGIN_CASES))
def test_slides_and_notes_match_the_real_markdown_plugin(
    plugin_results: dict[str, list[list[dict[str, Any]]]], name: str
) -> None:
    case = PLUGIN_CASES[name]
    text, separators = case["text"], separators_of(case)
    theirs = plugin_results[name]
    assert plugin_slides(text, separators) == [[s["text"] for s in g] for g in theirs]
    kept, ours = cut_plugin_notes(text, separators)
    assert [len(g) for g in ours] == [len(g) for g in theirs]
    for our_group, their_group in zip(ours, theirs, strict=True):
        for slide, their in zip(our_group, their_group, strict=True):
            if their["cut"] is None:
                # The plugin finds no notes: the slide is shown whole, and so is ours.
                assert slide.notes is None, (slide, their)
                assert slide.markdown == their["text"]
                continue
            # Everything from the plugin's first notes separator on is cut.
            assert slide.markdown == their["text"][: their["cut"]], (slide, their)
            if their["notes"] is not None:
                assert (slide.notes or "") == their["notes"]
            else:
                assert slide.notes  # what the plugin would have shown is kept private
    # Every note the plugin would turn into an <aside class="notes"> is gone.
    for group in theirs:
        for their in group:
            if their["notes"]:
                assert their["notes"] not in kept, (their, kept)


# --- HTML decks: the notations of render_html_deck ---------------------------------------


def test_textarea_template_notes() -> None:
    rendered = render_html_deck(
        deck(
            "<section data-markdown><textarea data-template>\n"
            "## Textarea one\nNote: SECRET-TA-1 &amp; more\n---\n"
            "## Textarea two\nnotes:\nSECRET-TA-2\n"
            "</textarea></section>"
        )
    )
    assert_hidden(rendered, "SECRET-TA-1", "SECRET-TA-2")
    assert_notes(rendered, {"0.0": ["SECRET-TA-1"], "1.0": ["SECRET-TA-2"]})
    assert rendered.titles == ("Textarea one", "Textarea two")
    page = audience(rendered)
    assert "## Textarea one" in page and "## Textarea two" in page
    assert "\n---\n" in page  # the separator is still there for the plugin


def test_indented_textarea_template_notes() -> None:
    rendered = render_html_deck(
        deck(
            "<section data-markdown>\n  <textarea data-template>\n"
            "    ## Indented\n    Note: SECRET-INDENTED\n  </textarea>\n</section>"
        )
    )
    assert_hidden(rendered, "SECRET-INDENTED")
    assert_notes(rendered, {"0.0": ["SECRET-INDENTED"]})


def test_indented_textarea_template_after_a_blank_line() -> None:
    # Browsers drop the newline right after <textarea>, so the plugin sees
    # "\n    ## Indented\n    Note: ..." and dedents by four: the Note: line
    # starts a note there and becomes an <aside class="notes"> in the DOM.
    rendered = render_html_deck(
        deck(
            "<section data-markdown><textarea data-template>\n\n"
            "    ## Indented\n    Note: SECRET-BLANK-FIRST\n</textarea></section>"
        )
    )
    assert_hidden(rendered, "SECRET-BLANK-FIRST")
    assert_notes(rendered, {"0.0": ["SECRET-BLANK-FIRST"]})


def test_markdown_typed_into_the_section() -> None:
    rendered = render_html_deck(
        deck(
            "<section data-markdown>\n## Direct one\nNote:\nSECRET-DIRECT-1\n---\n"
            '## Direct two\n<aside class="notes">SECRET-DIRECT-ASIDE</aside>\n</section>'
        )
    )
    assert_hidden(rendered, "SECRET-DIRECT-1", "SECRET-DIRECT-ASIDE")
    assert rendered.titles == ("Direct one", "Direct two")
    assert "SECRET-DIRECT-1" in rendered.notes["0.0"]
    # The plugin reads the section's text content, the aside's text with it:
    # wherever the server puts that note, it is in the notes and not on the page.
    assert any("SECRET-DIRECT-ASIDE" in n for n in rendered.notes.values()), rendered.notes


def test_slide_comment_with_data_notes_typed_into_the_section() -> None:
    rendered = render_html_deck(
        deck(
            "<section data-markdown>\n## Commented\n"
            '<!-- .slide: data-notes="SECRET-DIRECT-COMMENT" -->\n</section>'
        )
    )
    assert_hidden(rendered, "SECRET-DIRECT-COMMENT")
    # The note went, not the slide.
    assert "## Commented" in audience(rendered)
    assert rendered.titles == ("Commented",)


def test_script_template_notes() -> None:
    rendered = render_html_deck(
        deck(
            '<section data-markdown><script type="text/template">\n'
            "## Script one\nif (a < b && c) {}\nNote: SECRET-SCRIPT-1\n---\n## Script two\n"
            "</script></section>"
        )
    )
    assert_hidden(rendered, "SECRET-SCRIPT-1")
    assert_notes(rendered, {"0.0": ["SECRET-SCRIPT-1"]})
    # A script's text is not HTML: kept exactly, not escaped.
    assert "if (a < b && c) {}" in audience(rendered)


def test_data_separator_notes_replaces_note() -> None:
    rendered = render_html_deck(
        deck(
            '<section data-markdown data-separator-notes="^Speaker:">'
            "<textarea data-template>\n## Speaker one\nNote: this line is on the slide\n"
            "Speaker: SECRET-SPEAKER-1\n---\n## Speaker two\nspeaker:\nSECRET-SPEAKER-2\n"
            "</textarea></section>"
        )
    )
    assert_hidden(rendered, "SECRET-SPEAKER-1", "SECRET-SPEAKER-2")
    assert_notes(rendered, {"0.0": ["SECRET-SPEAKER-1"], "1.0": ["SECRET-SPEAKER-2"]})
    assert "Note: this line is on the slide" in audience(rendered)


def test_data_separator_and_vertical_separator() -> None:
    rendered = render_html_deck(
        deck(
            '<section data-markdown data-separator="^\\n\\n\\n" data-separator-vertical="^\\n\\n">'
            '<script type="text/template">\n'
            # Three blank lines end a horizontal slide, two a vertical one.
            "## H0\nNote: SECRET-H0\n\n\n\n"
            "## H1 top\n\n\n## H1 below\nNote: SECRET-H1-BELOW\n\n\n\n"
            "## H2\nNote: SECRET-H2\n"
            "</script></section>"
        )
    )
    assert_hidden(rendered, "SECRET-H0", "SECRET-H1-BELOW", "SECRET-H2")
    assert_notes(
        rendered,
        {"0.0": ["SECRET-H0"], "1.1": ["SECRET-H1-BELOW"], "2.0": ["SECRET-H2"]},
    )
    assert rendered.slide_count == 4
    assert rendered.titles == ("H0", "H1 top", "H1 below", "H2")


CONFIG_SECTION = (
    "<section data-markdown><textarea data-template>\n"
    "## Configured\nPsst: SECRET-PSST\n---\n## Next\nNote: this line is on the slide\n"
    "</textarea></section>"
)


def test_notes_separator_from_the_reveal_config() -> None:
    script = (
        "<script>\n  Reveal.initialize({\n    hash: true,\n"
        "    markdown: { notesSeparator: '^Psst:' },\n    plugins: [ RevealMarkdown ],\n  });\n"
        "</script>"
    )
    rendered = render_html_deck(deck(CONFIG_SECTION, script))
    assert_hidden(rendered, "SECRET-PSST")
    assert_notes(rendered, {"0.0": ["SECRET-PSST"]})
    assert "Note: this line is on the slide" in audience(rendered)


@pytest.mark.parametrize(
    "config",
    [
        '{ markdown: { "notesSeparator": "^Psst:" }, plugins: [RevealMarkdown] }',
        "{ markdown: { notesSeparator: `^Psst:` }, plugins: [RevealMarkdown] }",
    ],
    ids=["quoted key", "template literal"],
)
def test_notes_separator_from_the_reveal_config_in_other_spellings(config: str) -> None:
    # Both are plain JavaScript; reveal.js gets '^Psst:' either way.
    rendered = render_html_deck(
        deck(CONFIG_SECTION, f"<script>Reveal.initialize({config});</script>")
    )
    assert_hidden(rendered, "SECRET-PSST")
    assert_notes(rendered, {"0.0": ["SECRET-PSST"]})


def test_separators_from_the_reveal_config_and_attributes_that_override_them() -> None:
    script = (
        "<script>Reveal.initialize({ markdown: "
        '{ separator: "^===$", verticalSeparator: "^==$", notesSeparator: "^Psst:" } });</script>'
    )
    slides = (
        "<section data-markdown><textarea data-template>\n"
        "## A\nPsst: SECRET-CFG-A\n===\n## B\n==\n## B2\nPsst: SECRET-CFG-B2\n"
        "</textarea></section>\n"
        '<section data-markdown data-separator-notes="^Speaker:"><textarea data-template>\n'
        "## C\nPsst: shown, this section has its own separator\nSpeaker: SECRET-CFG-C\n"
        "</textarea></section>"
    )
    rendered = render_html_deck(deck(slides, script))
    assert_hidden(rendered, "SECRET-CFG-A", "SECRET-CFG-B2", "SECRET-CFG-C")
    assert_notes(
        rendered, {"0.0": ["SECRET-CFG-A"], "1.1": ["SECRET-CFG-B2"], "2.0": ["SECRET-CFG-C"]}
    )
    assert rendered.titles == ("A", "B", "B2", "C")
    assert "Psst: shown, this section has its own separator" in audience(rendered)


@pytest.mark.parametrize(
    ("start", "end"),
    [('<script type="text/template">', "</script>"), ("<textarea data-template>", "</textarea>")],
    ids=["script", "textarea"],
)
def test_html_notes_written_inside_the_markdown(start: str, end: str) -> None:
    # A textarea's content is text to a browser, HTML notes in it included:
    # the plugin renders them on the slide they are written in.
    rendered = render_html_deck(
        deck(
            f"<section data-markdown>{start}\n"
            '## One\n---\n## Two\n<aside class="notes">SECRET-MD-ASIDE</aside>\n---\n'
            '<!-- .slide: data-notes="SECRET-MD-COMMENT" data-background-color="#123" -->\n'
            "## Three\n---\n## Four\n<p data-notes='SECRET-MD-P'>shown</p>\n"
            f"{end}</section>"
        )
    )
    assert_hidden(rendered, "SECRET-MD-ASIDE", "SECRET-MD-COMMENT", "SECRET-MD-P")
    assert_notes(
        rendered,
        {"1.0": ["SECRET-MD-ASIDE"], "2.0": ["SECRET-MD-COMMENT"], "3.0": ["SECRET-MD-P"]},
    )
    page = audience(rendered)
    assert 'data-background-color="#123"' in page
    assert "data-notes" not in page


def test_notes_on_the_markdown_section_itself_go_to_its_first_slide() -> None:
    rendered = render_html_deck(
        deck(
            '<section data-markdown data-notes="SECRET-ON-SECTION">'
            '<aside class="notes">SECRET-BESIDE-TEMPLATE</aside>'
            "<textarea data-template>\n## First\n---\n## Second\n</textarea></section>"
        )
    )
    assert_hidden(rendered, "SECRET-ON-SECTION", "SECRET-BESIDE-TEMPLATE")
    assert_notes(rendered, {"0.0": ["SECRET-ON-SECTION", "SECRET-BESIDE-TEMPLATE"]})


EXTERNAL = """\
## External one
Note: this line is on the slide
Speaker: SECRET-EXT-SPEAKER

---

## External two
<aside class="notes">SECRET-EXT-ASIDE</aside>

---

<!-- .slide: data-notes="SECRET-EXT-COMMENT" -->
## External three
"""


def test_external_markdown_file() -> None:
    page = deck(
        "<section><h1>Plain</h1></section>\n"
        '<section data-markdown="ext.md" data-separator-notes="^Speaker:"></section>\n'
        "<section><h2>After</h2></section>"
    )
    assert markdown_references(page) == ["ext.md"]
    rendered = render_html_deck(page, {"ext.md": EXTERNAL})
    secrets = ("SECRET-EXT-SPEAKER", "SECRET-EXT-ASIDE", "SECRET-EXT-COMMENT")
    assert_hidden(rendered, *secrets)
    assert_notes(
        rendered,
        {"1.0": ["SECRET-EXT-SPEAKER"], "2.0": ["SECRET-EXT-ASIDE"], "3.0": ["SECRET-EXT-COMMENT"]},
    )
    assert rendered.titles == ("Plain", "External one", "External two", "External three", "After")
    served = rendered.markdown_files["ext.md"]
    assert "Note: this line is on the slide" in served
    # The file still splits into the same slides for the plugin.
    assert len(plugin_slides(served, PluginSeparators(notes="^Speaker:"))) == 3


def test_external_file_loaded_by_two_sections_loses_the_notes_of_both() -> None:
    text = "## Shared\nNote: SECRET-SHARED-NOTE\nSpeaker: SECRET-SHARED-SPEAKER\n"
    page = deck(
        '<section data-markdown="shared.md"></section>\n'
        '<section data-markdown="./shared.md" data-separator-notes="^Speaker:"></section>'
    )
    assert markdown_references(page) == ["shared.md"]
    rendered = render_html_deck(page, {"shared.md": text})
    assert_hidden(rendered, "SECRET-SHARED-NOTE", "SECRET-SHARED-SPEAKER")
    assert "SECRET-SHARED-NOTE" in rendered.notes["0.0"]
    assert "SECRET-SHARED-SPEAKER" in rendered.notes["1.0"]


def test_external_file_that_cannot_be_read_is_one_slide() -> None:
    # The plugin shows an error slide in its place; the slides after keep their keys.
    page = deck(
        '<section data-markdown="missing.md"></section>\n'
        '<section><h2>After</h2><aside class="notes">SECRET-AFTER-MISSING</aside></section>'
    )
    rendered = render_html_deck(page, {"missing.md": None})
    assert_hidden(rendered, "SECRET-AFTER-MISSING")
    assert_notes(rendered, {"1.0": ["SECRET-AFTER-MISSING"]})
    assert rendered.slide_count == 2
    assert rendered.markdown_files == {}


@pytest.mark.parametrize(
    ("reference", "path"),
    [
        ("ext.md", "ext.md"),
        ("./sub/../ext.md", "ext.md"),
        ("sub/deep.md", "sub/deep.md"),
        ("/decks/talk/sub/deep.md", "sub/deep.md"),
        ("ext.md?v=2#top", "ext.md"),
        ("sub%20dir/x.md", "sub dir/x.md"),
    ],
)
def test_markdown_references_are_deck_relative(reference: str, path: str) -> None:
    assert markdown_references(f'<section data-markdown="{reference}"></section>') == [path]


@pytest.mark.parametrize(
    "reference", ["https://example.com/x.md", "//example.com/x.md", "../x.md", "/etc/x.md", ""]
)
def test_markdown_references_outside_the_deck_are_ignored(reference: str) -> None:
    assert markdown_references(f'<section data-markdown="{reference}"></section>') == []


MIXED = deck(
    """\
<section><h1>Plain zero</h1><aside class="notes">SECRET-MIX-0</aside></section>
<section data-markdown><textarea data-template>
## Md one
Note: SECRET-MIX-1
---
## Md two
</textarea></section>
<section data-markdown data-separator-vertical="^\\n--\\n$"><script type="text/template">
## Stack top
Note: SECRET-MIX-3-0

--

## Stack below
Note: SECRET-MIX-3-1
---
## After the stack
</script></section>
<section data-notes="SECRET-MIX-5"><h2>Plain five</h2></section>
<section>
  <section><h2>Hand stack top</h2></section>
  <section data-markdown><script type="text/template">
## In hand stack
Note: SECRET-MIX-6-1
---
## Also in hand stack
Note: SECRET-MIX-6-2
</script></section>
  <section><h2>Hand stack end</h2><aside class="notes">SECRET-MIX-6-3</aside></section>
</section>
<section data-markdown="ext.md" data-separator-notes="^Speaker:"></section>
<section><h2>Last</h2><aside class="notes">SECRET-MIX-LAST</aside></section>"""
)


def test_keys_counts_and_titles_with_markdown_among_plain_sections() -> None:
    rendered = render_html_deck(MIXED, {"ext.md": EXTERNAL})
    expected = {
        "0.0": ["SECRET-MIX-0"],
        "1.0": ["SECRET-MIX-1"],
        "3.0": ["SECRET-MIX-3-0"],
        "3.1": ["SECRET-MIX-3-1"],
        "5.0": ["SECRET-MIX-5"],
        "6.1": ["SECRET-MIX-6-1"],
        "6.2": ["SECRET-MIX-6-2"],
        "6.3": ["SECRET-MIX-6-3"],
        "7.0": ["SECRET-EXT-SPEAKER"],
        "8.0": ["SECRET-EXT-ASIDE"],
        "9.0": ["SECRET-EXT-COMMENT"],
        "10.0": ["SECRET-MIX-LAST"],
    }
    assert_hidden(rendered, *(s for secrets in expected.values() for s in secrets))
    assert_notes(rendered, expected)
    assert rendered.titles == (
        "Plain zero",
        "Md one",
        "Md two",
        "Stack top",
        "Stack below",
        "After the stack",
        "Plain five",
        "Hand stack top",
        "In hand stack",
        "Also in hand stack",
        "Hand stack end",
        "External one",
        "External two",
        "External three",
        "Last",
    )
    assert rendered.slide_count == len(rendered.titles)


def test_no_notation_leaves_notes_markup_on_the_page() -> None:
    page = audience(render_html_deck(MIXED, {"ext.md": EXTERNAL}))
    assert "SECRET" not in page
    assert "data-notes" not in page
    assert 'class="notes"' not in page
    assert "Note:" not in page


def test_strip_markdown_file_also_cuts_at_the_decks_own_notes_separator() -> None:
    text = "# A\n\nSpeaker: SECRET\n\n---\n\n# B\nNote: SECRET too\n"
    assert strip_markdown_file(text, ["^Speaker:"]) == "# A\n\n---\n\n# B\n"
    assert "Speaker: SECRET" in strip_markdown_file(text)
