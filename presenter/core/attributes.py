"""Parse the attribute lists of reveal-md's ``.slide:`` / ``.element:`` comments."""

from __future__ import annotations

import re
from html.parser import HTMLParser

ELEMENT_COMMENT = re.compile(r"^\s*\.element:\s*(.*?)\s*$", re.DOTALL)


class _AttrReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = attrs


def parse_attributes(text: str) -> list[tuple[str, str]]:
    """Read ``data-x="1" class='a b' hidden`` into ``[(name, value), ...]``.

    Bare attributes get the value ``""``. Text that is not an attribute list
    gives an empty list rather than an error: a comment the author mistyped
    stays a comment.
    """
    reader = _AttrReader()
    reader.feed(f"<x {text}>")
    reader.close()
    return [(name, value or "") for name, value in reader.attrs]
