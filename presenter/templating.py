"""Jinja2 rendering of our pages and of the snippets injected into HTML decks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape


def json_for_script(value: Any) -> Markup:
    """JSON safe to place inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def breakable_url(url: str) -> Markup:
    """A URL that wraps only after a ``/`` (never mid-word), for text people read."""
    return Markup("/<wbr>").join(escape(part) for part in url.split("/"))


def make_environment(templates: Path) -> jinja2.Environment:
    """A Jinja2 environment with autoescape on and our ``script_json`` filter."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["script_json"] = json_for_script
    env.filters["breakable_url"] = breakable_url
    return env
