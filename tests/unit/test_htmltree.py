"""The forgiving HTML tree: exact round trips and minimal edits."""

from __future__ import annotations

import pytest

from presenter.core import htmltree

PAGE = """\
<!DOCTYPE html>
<!-- a comment with <b>tags</b> & ampersands -->
<html lang=en><head><meta charset=utf-8><title>A &amp; B</title>
<script>if (a < b && c > d) { document.write("<div>"); }</script>
<style>p > a::after { content: "<"; }</style></head>
<body class='x'  data-x = "1"  hidden>
<p>one&nbsp;two &#169; &#x27; &lt;tag&gt; <br/><br><img src="a.png" alt='q"uote'>
<p>implied close<ul><li>a<li>b</ul>
<input value='a>b' disabled><hr />
<svg viewBox="0 0 1 1"><path d="M0 0"/></svg>
<textarea><b>not a tag</b></textarea>
<x-custom some-attr=unquoted>custom</x-custom>
<!--[if IE]><p>old</p><![endif]-->
</body></html>
"""


def round_trip(text: str) -> str:
    return htmltree.serialize(htmltree.parse(text))


def test_full_page_round_trips_unchanged() -> None:
    assert round_trip(PAGE) == PAGE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain text",
        "<!doctype html>",
        "<!---->",
        "a &amp; b &nbsp; &#8212; &#x2014;",
        "<script>var s = '<!--'; if (1 < 2) x = '</p>';</script>",
        "<p title=\"a&quot;b\" data-u='&amp;'>x</p>",
        "<div><p>a<div>b</div></div>",
        "<table><tr><td>1<td>2</table>",
        "<p>unterminated <a href='x",
        "</span> a stray end tag",
        "<li>x</li></li>",
        "<p><b>unclosed bold</p>",
        "a <3 b < c",
        "<img src=x /><br><wbr>",
        "<?xml version='1.0'?>",
    ],
)
def test_fragments_round_trip_unchanged(text: str) -> None:
    assert round_trip(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "<p>R&D and Q&A</p>",
        "<title>AT&T</title>",
        "&amp without a semicolon",
    ],
)
def test_bare_ampersands_round_trip_unchanged(text: str) -> None:
    assert round_trip(text) == text


@pytest.mark.parametrize(
    "text",
    ["<DIV>x</DIV>", "<div >x</div >", '<a href="#">link</a\n>'],
)
def test_end_tags_are_kept_as_written(text: str) -> None:
    assert round_trip(text) == text


def test_end_br_tag_is_kept() -> None:
    # Browsers read </br> as a second line break.
    assert round_trip("a<br></br>b") == "a<br></br>b"


def test_cdata_section_round_trips() -> None:
    text = "<svg><![CDATA[ x < y ]]></svg>"
    assert round_trip(text) == text


def test_tree_shape() -> None:
    root = htmltree.parse('<div id="a"><p>one<p>two</div><br>tail')
    assert root.tag == "#root"
    tags = [element.tag for element in root.iter()]
    assert tags == ["#root", "div", "p", "p", "br"]
    div = next(e for e in root.iter() if e.tag == "div")
    assert [c.tag for c in div.children if isinstance(c, htmltree.Element)] == ["p", "p"]
    assert div.text_content() == "onetwo"
    assert div.get("id") == "a"
    assert div.get("missing") is None


def test_editing_an_attribute_rebuilds_only_that_tag() -> None:
    text = "<div  data-a = 'x'><p class=lead   id=first>one</p><p  class='keep'>two</p></div>"
    root = htmltree.parse(text)
    first = next(e for e in root.iter() if e.get("id") == "first")
    first.set("data-y", 'say "hi"')
    assert htmltree.serialize(root) == (
        "<div  data-a = 'x'>"
        '<p class="lead" id="first" data-y="say &quot;hi&quot;">one</p>'
        "<p  class='keep'>two</p></div>"
    )


def test_setting_class_appends_to_existing_classes() -> None:
    root = htmltree.parse('<li class="a">x</li>')
    li = next(e for e in root.iter() if e.tag == "li")
    li.set("class", "fragment")
    assert li.classes == ["a", "fragment"]
    assert htmltree.serialize(root) == '<li class="a fragment">x</li>'


def test_removing_an_attribute_rebuilds_the_tag() -> None:
    root = htmltree.parse("<section data-notes='secret' hidden>x</section>")
    section = next(e for e in root.iter() if e.tag == "section")
    section.remove_attr("data-notes")
    assert htmltree.serialize(root) == "<section hidden>x</section>"


def test_removing_a_missing_attribute_keeps_the_source() -> None:
    text = "<p  class = 'x'>t</p>"
    root = htmltree.parse(text)
    next(e for e in root.iter() if e.tag == "p").remove_attr("id")
    assert htmltree.serialize(root) == text


def test_removing_an_element_drops_exactly_its_html() -> None:
    text = '<section><h2>T</h2>\n<aside class="notes">N<b>!</b></aside>\n<p>after</p></section>'
    root = htmltree.parse(text)
    aside = next(e for e in root.iter() if e.tag == "aside")
    assert aside.inner_html() == "N<b>!</b>"
    aside.remove()
    assert htmltree.serialize(root) == "<section><h2>T</h2>\n\n<p>after</p></section>"


def test_comment_body() -> None:
    root = htmltree.parse("<!-- .element: class=x -->text")
    comment, text = root.children
    assert isinstance(comment, htmltree.Raw) and comment.is_comment
    assert comment.comment_body == " .element: class=x "
    assert isinstance(text, htmltree.Raw) and text.comment_body == ""
