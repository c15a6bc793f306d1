"""Math in Markdown decks: keep TeX intact through the Markdown renderer.

reveal.js's markdown plugin (marked) reads ``\\(`` as an escaped ``(``, ``\\\\``
as one backslash and ``a_1 ... b_1`` as emphasis, so KaTeX would get broken
TeX. Every ASCII punctuation character inside a math span is escaped with a
backslash, which Markdown turns back into the character itself: what reaches
the page, and KaTeX, is exactly what the author wrote.
"""

from __future__ import annotations

import re

# Display math ($$...$$, \[...\]) and inline math (\(...\), $...$ on one line,
# not "$5 and $10": no space just inside the dollars).
_MATH = re.compile(
    r"\$\$.+?\$\$"
    r"|\\\[.+?\\\]"
    r"|\\\(.+?\\\)"
    r"|(?<![\\$\w])\$(?=[^\s$])[^$\n]*?(?<=[^\s\\])\$(?![\w$])",
    re.DOTALL,
)
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1", re.DOTALL)
_ESCAPED_DOLLAR = re.compile(r"(?<!\\)\\\$")
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def protect_math(markdown: str, code: list[tuple[int, int]]) -> str:
    """``markdown`` with its math spans escaped for a Markdown renderer.

    ``code`` holds the character ranges of code blocks (math there is code);
    inline code spans are left alone too. A ``\\$`` outside them is a dollar
    sign, not math: KaTeX, which pairs every two dollars of a paragraph, gets
    it in an element of its own.
    """
    if "$" not in markdown and "\\(" not in markdown and "\\[" not in markdown:
        return markdown
    skip = list(code) + [m.span() for m in _CODE_SPAN.finditer(markdown)]

    def free(start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in skip)

    edits: list[tuple[int, int, str]] = []
    for match in _MATH.finditer(markdown):
        if free(*match.span()):
            edits.append((*match.span(), _PUNCTUATION.sub(r"\\\1", match.group())))
    taken = [(a, b) for a, b, _ in edits]
    for dollar in _ESCAPED_DOLLAR.finditer(markdown):
        start, end = dollar.span()
        if free(start, end) and not any(a <= start < b for a, b in taken):
            edits.append((start, end, '<span class="presenter-dollar">$</span>'))
    out = []
    last = 0
    for start, end, text in sorted(edits):
        out.append(markdown[last:start])
        out.append(text)
        last = end
    out.append(markdown[last:])
    return "".join(out)
