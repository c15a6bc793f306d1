"""Theme fonts from this server: reveal.js themes that import Google Fonts get
the same fonts from the npm ``@fontsource`` packages instead, so slides look
the same on a network with no way out."""

from __future__ import annotations

import re
from collections.abc import Callable

# Google Fonts family -> @fontsource package, for every family reveal.js's themes import.
FONTSOURCE = {
    "Lato": "lato",
    "Montserrat": "montserrat",
    "News Cycle": "news-cycle",
    "Open Sans": "open-sans",
    "Quicksand": "quicksand",
    "Ubuntu": "ubuntu",
}

_GOOGLE_IMPORT = re.compile(
    r"""@import\s+(?:url\()?\s*["']?(https?://fonts\.googleapis\.com/css2?\?[^"')\s;]*)["']?\s*\)?\s*;"""
)
_FAMILY = re.compile(r"family=([^&]+)")


def local_font_imports(css: str, base: str, exists: Callable[[str], bool]) -> str:
    """``css`` with each Google Fonts ``@import`` replaced by imports of the same
    family and weights from ``base`` (``/vendor/@fontsource``).

    ``exists(path)`` says whether ``<package>/<file>.css`` is installed; weights
    that are not, and families with no package, are dropped rather than
    fetched from the internet (the browser then falls back to the theme's
    next font).
    """

    def replace(match: re.Match[str]) -> str:
        imports = []
        for family_spec in _FAMILY.findall(match.group(1).replace("%2C", ",")):
            for family, weights in _families(family_spec):
                package = FONTSOURCE.get(family)
                if package is None:
                    continue
                for weight in weights:
                    path = f"{package}/{weight}.css"
                    if exists(path):
                        imports.append(f'@import url("{base}/{path}");')
        return "\n".join(imports)

    return _GOOGLE_IMPORT.sub(replace, css)


def _families(spec: str) -> list[tuple[str, list[str]]]:
    # "Lato:400,700,400italic" (css) or "Open+Sans:ital,wght@0,400;1,700" (css2).
    found = []
    for part in spec.split("|"):
        name, _, styles = part.partition(":")
        family = name.replace("+", " ").strip()
        weights = []
        if "@" in styles:
            axes, _, values = styles.partition("@")
            names = axes.split(",")
            for value in values.split(";"):
                fields = dict(zip(names, value.split(","), strict=False))
                italic = fields.get("ital") == "1"
                weight = fields.get("wght", "400")
                weights.append(f"{weight}-italic" if italic else weight)
        else:
            for style in styles.split(",") if styles else ["400"]:
                style = style.strip().lower()
                if style.endswith("italic"):
                    italic, weight = True, style.removesuffix("italic")
                elif style.endswith("i") and style[:-1].isdigit():
                    italic, weight = True, style[:-1]
                else:
                    italic, weight = False, style
                if weight in ("", "regular"):
                    weight = "400"
                weights.append(f"{weight}-italic" if italic else weight)
        found.append((family, weights))
    return found
