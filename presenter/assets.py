"""Where our templates, static files and the bundled reveal.js live.

An installed wheel carries them under ``presenter/_assets``; a source
checkout has them at the top of the repository (reveal.js and the other npm
packages in ``node_modules`` after ``npm ci``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent


# What /vendor/ serves of the npm packages (nothing else of node_modules).
VENDOR = (
    "katex/dist/",
    "mermaid/dist/mermaid.min.js",
    "reveal.js-menu/menu.js",
    "reveal.js-menu/menu.css",
    "reveal.js-menu/font-awesome/",
    "reveal.js-plugins/chalkboard/plugin.js",
    "reveal.js-plugins/chalkboard/style.css",
    "reveal.js-plugins/chalkboard/img/",
    "reveal.js-plugins/customcontrols/plugin.js",
    "reveal.js-plugins/customcontrols/style.css",
    "highlight.js/styles/",
    "@fontsource/lato/",
    "@fontsource/montserrat/",
    "@fontsource/news-cycle/",
    "@fontsource/open-sans/",
    "@fontsource/quicksand/",
    "@fontsource/ubuntu/",
)


@dataclass(frozen=True)
class Assets:
    """Folders of front-end files. ``vendor`` holds the npm packages of
    :data:`VENDOR` (KaTeX, highlight.js's themes, theme fonts)."""

    templates: Path
    static: Path
    reveal: Path
    vendor: Path

    def missing(self) -> str | None:
        """A one-line explanation when reveal.js is not installed, else ``None``."""
        if not (self.reveal / "reveal.js").is_file():
            return (
                f"reveal.js is missing ({self.reveal}): run `npm ci` in the presenter "
                "checkout (or `make install`), then start again"
            )
        return None


def find_assets() -> Assets:
    """Locate the asset folders for this installation."""
    bundled = _PACKAGE / "_assets"
    if (bundled / "templates").is_dir():
        return Assets(
            bundled / "templates",
            bundled / "static",
            bundled / "reveal" / "dist",
            bundled / "vendor",
        )
    return Assets(
        _REPO / "templates",
        _REPO / "static",
        _REPO / "node_modules" / "reveal.js" / "dist",
        _REPO / "node_modules",
    )
