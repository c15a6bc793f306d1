"""Decks for the export tests: the usual two, and one with pictures, a theme
of its own (with an ``@import`` and a font) and files nothing refers to."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.helpers import write_decks

PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SECRETS = (b"SECRET-NOTE", b"SECRET-HTML-NOTE", b"SECRET-DATA-NOTE", b"OUTSIDE-SECRET")

PICTURE_DECK = """\
---
title: Pictures
theme: look/mine.css
---

# A picture

![a pixel](img/pixel.png)

Note: SECRET-NOTE-PICTURE

---

<!-- .slide: data-background-image="img/back.png" -->

## A background

<img src="img/inline.png" alt="inline">
"""
MINE_CSS = """\
@import "more.css";
@font-face { font-family: Mine; src: url(fonts/mine.woff2) format("woff2"); }
.reveal { font-family: Mine, sans-serif; }
"""
MORE_CSS = """.reveal h2 { background: url("../img/texture.png?v=2#x"); }\n"""


MATH_DECK = """\
---
title: Math
plugins: [math, zoom, search, mermaid]
highlightTheme: github
---

# Sums $a_1 + b_1$

$$
\\frac{a}{b}
$$

```mermaid
graph LR
  Sum --> Fraction
```

```python
print("hi")
```
"""


def write_math(root: Path) -> Path:
    """A deck using math (KaTeX, loaded by reveal.js's plugin), a Mermaid diagram,
    zoom and search."""
    (root / "math").mkdir(parents=True)
    (root / "math" / "slides.md").write_text(MATH_DECK, encoding="utf-8")
    return root / "math"


def write_all(root: Path) -> Path:
    """The test decks (``md``, ``html``) and ``pic``: images, a theme of its own
    with an ``@import`` and a font, and files nothing refers to."""
    write_decks(root)
    pic = root / "pic"
    (pic / "img").mkdir(parents=True)
    (pic / "look" / "fonts").mkdir(parents=True)
    (pic / "slides.md").write_text(PICTURE_DECK, encoding="utf-8")
    for name in ("pixel.png", "back.png", "inline.png", "texture.png", "unused.png"):
        (pic / "img" / name).write_bytes(PIXEL_PNG)
    (pic / "look" / "mine.css").write_text(MINE_CSS, encoding="utf-8")
    (pic / "look" / "more.css").write_text(MORE_CSS, encoding="utf-8")
    (pic / "look" / "fonts" / "mine.woff2").write_bytes(b"wOF2 not really a font")
    return root
