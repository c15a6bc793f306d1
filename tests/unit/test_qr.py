"""QR codes drawn by segno: the right payload, a scalable SVG, a terminal rendering."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import segno

from presenter import qr

URL = "http://192.0.2.10:8000/decks/talk/"
SVG_NS = "{http://www.w3.org/2000/svg}"


def test_make_encodes_the_url_with_error_correction_m() -> None:
    code = qr.make(URL)
    assert code.error == "M"
    assert not code.is_micro
    assert code.matrix == segno.make(URL, error="m").matrix


def test_different_urls_give_different_codes() -> None:
    assert qr.make(URL).matrix != qr.make(URL.replace("talk", "tale")).matrix
    assert qr.make(URL).matrix != qr.make("http://127.0.0.1:8000/decks/talk/").matrix


def test_a_long_url_still_fits() -> None:
    url = "http://192.0.2.10:8000/decks/md/remote?login=" + "x" * 200
    assert qr.make(url).matrix == segno.make(url, error="m").matrix


def test_svg_is_a_scalable_svg_document() -> None:
    text = qr.svg(URL)
    assert not text.startswith("<?xml")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox")
    assert root.get("width") is None
    assert root.get("height") is None


def test_svg_view_box_fits_the_code_and_a_two_module_border() -> None:
    code = qr.make(URL)
    width, height = code.symbol_size(scale=1, border=2)
    root = ET.fromstring(qr.svg(URL))
    assert [float(n) for n in root.get("viewBox", "").split()] == [0, 0, width, height]


def test_svg_draws_exactly_the_code_of_the_url() -> None:
    expected = io.BytesIO()
    segno.make(URL, error="m").save(
        expected,
        kind="svg",
        scale=1,
        border=2,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        title=URL,
        dark="#000",
        light="#fff",
    )
    assert qr.svg(URL) == expected.getvalue().decode("utf-8")
    assert qr.svg(URL) != qr.svg(URL + "x")


def test_svg_title_defaults_to_the_url_and_can_be_replaced() -> None:
    title = ET.fromstring(qr.svg(URL)).find(f"{SVG_NS}title")
    assert title is not None
    assert title.text == URL
    other = ET.fromstring(qr.svg(URL, title="Remote login link")).find(f"{SVG_NS}title")
    assert other is not None
    assert other.text == "Remote login link"
    assert URL not in qr.svg(URL, title="Remote login link")


def test_svg_escapes_the_url_in_its_title() -> None:
    url = "http://example.test/?a=1&b=<2>"
    root = ET.fromstring(qr.svg(url))  # parses: & and < are escaped
    title = root.find(f"{SVG_NS}title")
    assert title is not None
    assert title.text == url


@pytest.mark.parametrize("url", [URL, "http://127.0.0.1:1/"])
def test_terminal_prints_block_characters(url: str) -> None:
    out = io.StringIO()
    qr.terminal(url, out)
    text = out.getvalue()
    assert re.search("[█▀▄]", text)
    lines = [line for line in text.splitlines() if line.strip()]
    # compact: two modules per character row.
    assert len(lines) <= (qr.make(url).symbol_size(border=2)[1] + 1) // 2 + 1
