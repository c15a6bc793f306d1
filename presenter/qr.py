"""QR codes, drawn on the server with segno: no third-party service sees the URL."""

from __future__ import annotations

import io
from typing import TextIO

import segno


def make(url: str) -> segno.QRCode:
    """The QR code for ``url`` (error correction M, smallest version that fits)."""
    return segno.make(url, error="m", micro=False)


def svg(url: str, title: str = "") -> str:
    """An SVG document that scales to its container (it has a viewBox, no fixed size)."""
    out = io.BytesIO()
    make(url).save(
        out,
        kind="svg",
        scale=1,
        border=2,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        title=title or url,
        dark="#000",
        light="#fff",
    )
    return out.getvalue().decode("utf-8")


def terminal(url: str, out: TextIO) -> None:
    """Print the QR code with block characters (for ``presenter serve`` on a TTY)."""
    make(url).terminal(out=out, compact=True, border=2)
