"""``presenter new NAME``: a starter deck that serves as it is and shows what a
deck can do (notes, fragments, code steps, math, a diagram, a poll)."""

from __future__ import annotations

from pathlib import Path

SLIDES = """\
---
title: {title}
description: A new talk.
theme: black
plugins: [math, mermaid, zoom, search, notes]
css: style.css
revealOptions:
  transition: slide
  slideNumber: true
---

# {title}

Your name · the date

Note:
Speaker notes start with "Note:". Only the speaker view shows them:
open the presenter link that `presenter serve` prints.

---

## What this talk is about

- A first point <!-- .element: class="fragment" -->
- A second one <!-- .element: class="fragment" -->
- And the conclusion <!-- .element: class="fragment" -->

Note:
Each point appears on the next key press, on every screen at once.

---

## Some code

```python [1|2-3]
def greet(name):
    message = f"Hello, {{name}}!"
    return message
```

Note:
The numbers after the language step through the lines.

---

## A formula

The mean of $n$ values is

$$
\\bar{{x}} = \\frac{{1}}{{n}} \\sum_{{i=1}}^{{n}} x_i
$$

---

## A diagram

```mermaid
graph LR
  Idea --> Slides --> Talk --> Questions
```

---

## A question for the room

```poll
How did you get here today?
- On foot
- By bike
- By public transport
- By car
```

Note:
The poll opens when you reach this slide; the room votes on their phones.

----

## Below: a vertical slide

Press ↓ to get here, ↑ to go back.

---

# Thank you

Questions? Tap **Questions** at the bottom left of your screen.
"""

STYLE = """\
/* This deck's own styles (front matter: css: style.css). */
.reveal h1 {
  letter-spacing: 0.02em;
}
"""


class StarterError(Exception):
    """The deck cannot be written; the message says why."""


def write_starter(folder: Path) -> list[Path]:
    """Write a starter deck into ``folder`` (created; it must not exist yet).

    Returns the files written.

    Raises:
        StarterError: ``folder`` exists, or cannot be created.
    """
    if folder.exists():
        raise StarterError(f"{folder} already exists: pick a new name")
    title = folder.name.replace("-", " ").replace("_", " ").strip().capitalize() or "My talk"
    try:
        folder.mkdir(parents=True)
        slides = folder / "slides.md"
        slides.write_text(SLIDES.format(title=title), encoding="utf-8")
        style = folder / "style.css"
        style.write_text(STYLE, encoding="utf-8")
    except OSError as exc:
        raise StarterError(f"cannot write {folder} ({exc.strerror or exc})") from None
    return [slides, style]
