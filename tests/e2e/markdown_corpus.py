"""Small whole ``slides.md`` texts for the Markdown parity test (test_markdown_parity.py).

Each deck is rendered twice in Chromium: by presenter (the server splits the
deck and cuts the notes, reveal.js's markdown plugin renders each slide) and by
reveal.js's markdown plugin fed the whole text the way reveal-md does. The two
must agree, slide by slide, except for the decks in ``DELIBERATE``.

The names are folder names (deck ids). Texts avoid runs of blank lines at the
start of a slide and double spaces in the CRLF deck: reveal.js's plugin strips
"indentation" found there from the whole template, a quirk of how the reference
page hands it the text, not something either side decides.
"""

from __future__ import annotations

CORPUS: dict[str, str] = {
    # --- Splitting -----------------------------------------------------------
    "basic": """\
# Hello

A first paragraph.

---

## Second

Some *emphasis*, **strong** and `code`.

---

### Third

The end.
""",
    "vertical": """\
# Top

Intro

----

## Down one

----

## Down two

---

# Next top

----

## Next down
""",
    "front-matter-separators": """\
---
title: Custom separators
separator: "^NEXT$"
verticalSeparator: "^DOWN$"
---

# One

NEXT

# Two

DOWN

# Two below

NEXT

# Three

---

Still three: the default separator is only a rule here.
""",
    "comment-separators": """\
---
separator: "<!--s-->"
verticalSeparator: "<!--v-->"
---

# Slide one

<!--s-->

# Slide two

<!--v-->

# Two, below
""",
    "dashes-twice": """\
# Before

---
---

# Middle

---

---

# After
""",
    "empty-slides": """\
# One

---

---

# Three

---
""",
    "trailing-separators": """\
# A

----

# A below

----
""",
    "setext-and-rules": """\
Big title
=========

Sub title
---------

Above the rule

---
Below the rule

***

___
""",
    # --- Notes ---------------------------------------------------------------
    "notes": """\
# Notes

Visible text.

Note:
Only the speaker reads this.

---

## Same line

Note: notes on the marker line.
""",
    "notes-case": """\
# Lowercase

notes: lowercase marker

---

# Uppercase

NOTE: upper case marker

---

# Plural

Notes: plural marker
""",
    "notes-markdown": """\
# Rich notes

Content

Note:
- first **bold** point
- second point with `code`

A paragraph with a [link](https://example.com).
""",
    "notes-separator-custom": """\
---
notesSeparator: "^Speaker:"
---

# Custom notes

Note: this line stays on the slide.

Speaker:
Hidden from the audience.

---

# Second

speaker: case does not matter
""",
    "vertical-notes": """\
# Stack

Note: top note

----

## Below

Note: below note

---

# Flat

Note: flat note
""",
    "aside-notes": """\
# Aside

Shown.

<aside class="notes">
Aside notes, for the speaker.
</aside>

---

## After the aside

<aside class="notes"><p>Second <b>aside</b></p></aside>

More text.
""",
    "data-notes": """\
<!-- .slide: data-notes="Notes in an attribute" -->
# Data notes

Visible.

---

<!-- .slide: class="plain" data-notes="More attribute notes" -->
## With a class
""",
    "slide-after-note": """\
# Styled from the notes

Visible.

Note:
Speaker text.

<!-- .slide: class="from-notes" data-background="#222222" -->
""",
    "inline-triple-backticks": """\
# Inline

```<b>x</b>``` is inline code

---

# Next

Note: hidden note
""",
    "unclosed-fence": """\
# Open fence

```python
print("never closed")

---

# After the separator

Note: a note after an unclosed fence
""",
    # --- Slide and element attributes ---------------------------------------
    "slide-attributes": """\
# Start

---

<!-- .slide: data-background="#ff0000" -->
## Red background

---

<!-- .slide: class="dark centered" data-transition="zoom" -->
## Classes and transition

---

<!-- .slide: data-background-image="img/bg.png" data-background-size="cover" -->
## Image background

---

<!-- .slide: data-auto-animate -->
## Animate

---

<!-- .slide: data-auto-animate -->
## Animate

Moved
""",
    "element-attributes": """\
## Elements <!-- .element: class="title" -->

A paragraph <!-- .element: class="lead" -->

- one <!-- .element: class="fragment" -->
- two <!-- .element: class="fragment highlight-red" -->

![Logo](img/logo.png) <!-- .element: width="200" class="logo" -->

Colon-less <!-- .element class="bare" -->
""",
    "element-after-list": """\
## List then comment

- alpha
- beta
<!-- .element: class="fragment" -->

---

## Blank line before

- alpha
- beta

<!-- .element: class="boxed" -->
""",
    "fragments": """\
# Start

---

## Fragments

- three <!-- .element: class="fragment" data-fragment-index="3" -->
- one <!-- .element: class="fragment" data-fragment-index="1" -->
- two <!-- .element: class="fragment" data-fragment-index="2" -->

<p class="fragment fade-up">HTML fragment</p>
""",
    "slide-in-indented-code": """\
## Code shows a comment

    <!-- .slide: class="not-applied" -->
    code line

Text.
""",
    "comments-in-code": """\
## Comments in code

```html
<p>x</p> <!-- .element: class="nope" -->
<!-- .slide: class="nope" -->
```

Text.
""",
    "html-comments": """\
## Comments

<!-- just a comment -->

Text <!-- inline comment --> continues.

Line one<br>Line two <!-- .element: class="after-br" -->
""",
    # --- Code ------------------------------------------------------------------
    "code-fences": """\
## Python

```python
def hello():
    return "world"
```

---

## No language

```
plain text
  indented
```

---

## Tilde fence

~~~js
const x = 1;
~~~
""",
    "code-line-steps": """\
## Steps

```js [1|2-3]
let a = 1;
let b = 2;
let c = 3;
```

---

## Numbers only

```python []
x = 1
y = 2
```

---

## Offset

```c [3: 1|2]
int a;
int b;
```
""",
    "indented-code": """\
## Indented code

Text before.

    indented code
    second line

Text after.
""",
    "slide-opens-indented": """\
# First

---

    code opens this slide
    second line

After the code.
""",
    "code-in-list": """\
## Code in a list

- Step one:

  ```bash
  echo hi
  ```

- Step two
""",
    # --- Markdown features -----------------------------------------------------
    "tables": """\
## Table

| Name | Value |
|------|------:|
| a    | 1     |
| b    | 2     |
""",
    "blockquote-emphasis": """\
## Quote

> A quote with *emphasis* and **strong**
> over two lines.
>
> > Nested.

Some _under_ and __double__ emphasis, ***both***.
""",
    "links-images": """\
## Links

[Example](https://example.com "Title") and [relative](other.html).

![Alt text](img/x.png)

![With title](img/y.png "Picture")

<img src="img/z.png" alt="raw">
""",
    "raw-html": """\
<div class="box" id="box">
  <p>Inside a div</p>
  <span>and a span</span>
</div>

Paragraph with <b>inline</b> <em class="x">HTML</em>.
""",
    "entities": """\
## Entities &amp; symbols

&copy; 2024 &mdash; 5 &lt; 6 &gt; 4, &#169; &#x263A; AT&T

Escaped \\*not emphasis\\*
""",
    "headings": """\
Just a paragraph, no heading.

---

#### Small heading only

---

<h2 class="raw">Raw <em>HTML</em> heading</h2>

---

## A *styled* `code` [link](https://example.com) heading

---

#### Minor

### Third level after
""",
    "lists": """\
## Lists

1. first
2. second
   - nested a
   - nested b
3. third

* star list

+ plus list
""",
    "task-lists": """\
## Tasks

- [ ] todo
- [x] done
- plain item
""",
    "autolinks": """\
## Autolinks

Visit https://example.com/page or www.example.org today.

Mail someone@example.com or <https://angle.example.com>.
""",
    "strikethrough": """\
## Strike

~single~ and ~~double~~ tildes.
""",
    "smartypants": """\
---
revealOptions:
  markdown:
    smartypants: true
---

## Smart "quotes"

"Double" and 'single' quotes -- en dash --- em dash... ellipsis.
""",
    "animate-lists": """\
---
revealOptions:
  transition: fade
  markdown:
    animateLists: true
---

## Animated list

- one
- two
- three

1. first
2. second
""",
    "crlf": (
        "---\n"
        "title: Windows line endings\n"
        "---\n"
        "# CRLF deck\n"
        "\n"
        "Line one\n"
        "\n"
        "Note:\n"
        "CRLF notes\n"
        "\n"
        "---\n"
        "\n"
        "## Second\n"
        "\n"
        "----\n"
        "\n"
        '<!-- .slide: class="crlf" -->\n'
        "## Below\n"
    ).replace("\n", "\r\n"),
    # --- Notes however reveal.js finds them -----------------------------------
    # Indented, "Note:" is no marker for reveal.js either (its pattern wants
    # the line's start): issue cases 3 and 4.
    "note-in-indented-code": """\
# Indented code

    Note: this is code
    more code

After the code.
""",
    "note-in-list-fence": """\
# A list

1. Item

    ```
    Note: this is code
    ```

2. Next item
""",
    "aside-nested": """\
# Nested aside

Visible

<aside class="notes">outer <aside>inner</aside> hidden tail</aside>
""",
    "aside-unclosed": """\
# Unclosed aside

Visible

<aside class="notes">
never closed, all notes

---

# Next slide
""",
    "fence-closer-extra": """\
# marked closes here

```
code
```~
Note: a note to reveal.js
```
code in the notes
```
""",
    "data-notes-no-space": """\
<!-- .slide: class="dark"data-notes="notes without a space before them" -->
# Attributes run together

Visible
""",
    "aside-with-quoted-angle": """\
# An aside with a > in an attribute

Visible

<aside title="a>b" class="notes">the notes</aside>
""",
    # --- Deliberate differences (see DELIBERATE) -------------------------------
    "diff-unclosed-fence-note": """\
# Unclosed fence

~~~
code
Note: a note to reveal.js
""",
    "diff-data-notes-single-quotes": """\
<!-- .slide: data-notes='in single quotes' -->
# Single-quoted notes

Visible
""",
    "diff-separator-in-fence": """\
# Code with a separator

```markdown
# In the code

---

# Still the code
```

After the code.
""",
    "diff-note-in-fence": """\
# Code with a note marker

```text
Note: this is code, not a note
more code
```

Visible after the code.
""",
    "diff-separator-in-indented-code": """\
---
separator: "<!--s-->"
---

# How to split

    Put <!--s--> between slides.

<!--s-->

# Second
""",
    "diff-separator-in-list-fence": """\
---
verticalSeparator: "<!--v-->"
---

# Steps

1. Write a slide, then:

   ```html
   <!--v-->
   ```

2. Write the slide below.
""",
    "diff-two-notes": """\
# Two markers

Visible.

Note: first notes

Note: second notes
""",
    "diff-separator-trailing-space": "# Before\n\n---  \n\n# After\n",
    "diff-multiline-slide-comment": """\
<!-- .slide: data-background="#000000"
     class="dark" -->
# Two lines of attributes
""",
}

# Decks where presenter differs from reveal.js's plugin on purpose (the test
# asserts that they still differ, so this list cannot go stale).
DELIBERATE: dict[str, tuple[str, frozenset[str]]] = {
    # Separators and notes markers inside code are code: reveal.js splits there.
    "diff-separator-in-fence": (
        "a --- line inside a closed fence does not split the slide",
        frozenset({"shape"}),
    ),
    "diff-note-in-fence": (
        "a Note: line inside a closed fence does not start the notes",
        frozenset({"text", "elements", "code", "notes"}),
    ),
    "diff-separator-in-indented-code": (
        "a custom separator inside indented code does not split",
        frozenset({"shape"}),
    ),
    "diff-separator-in-list-fence": (
        "a custom separator in a fence in a list item does not split",
        frozenset({"shape"}),
    ),
    # reveal.js shows a slide with two notes markers whole, markers included.
    "diff-two-notes": (
        "two notes markers: the notes start at the first",
        frozenset({"text", "elements", "notes"}),
    ),
    # reveal-md's separator must end the line; ours may be followed by spaces.
    "diff-separator-trailing-space": (
        "a --- line ending in spaces still separates slides",
        frozenset({"shape"}),
    ),
    # reveal.js applies the first line of a .slide: comment only.
    "diff-multiline-slide-comment": (
        "every line of a multi-line .slide: comment applies",
        frozenset({"section"}),
    ),
    # reveal.js cuts the notes, then its parser's unclosed fence takes the notes'
    # HTML as code: the audience sees them. Here they are notes, as the marker says.
    "diff-unclosed-fence-note": (
        "a Note: line after a fence that never closes starts the notes",
        frozenset({"text", "elements", "code", "notes"}),
    ),
    # reveal.js reads data-notes in double quotes only; any notation is a note here.
    "diff-data-notes-single-quotes": (
        "data-notes in single quotes in a .slide: comment is a note",
        frozenset({"notes"}),
    ),
}
"""Deck -> (why, what differs: ``shape`` or fields of a slide). Everything else
must still match, and at least one of the named things must differ."""
