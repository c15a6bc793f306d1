"""/vendor serves the npm packages pages use, and nothing else of node_modules;
themes come with their fonts from this server."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer

from .support import afetch


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/katex/dist/katex.min.js",
        "/vendor/mermaid/dist/mermaid.min.js",
        "/vendor/reveal.js-menu/menu.js",
        "/vendor/reveal.js-menu/menu.css",
        "/vendor/katex/dist/contrib/auto-render.min.js",
        "/vendor/highlight.js/styles/github.css",
        "/vendor/@fontsource/lato/400.css",
    ],
)
async def test_what_pages_use_is_served(live_server: LiveServer, path: str) -> None:
    resp = await afetch(live_server, "GET", path)
    assert resp.status == 200, path
    assert resp.header("X-Content-Type-Options") == "nosniff"
    assert len(resp.body) > 100


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/katex/package.json",
        "/vendor/reveal.js/dist/reveal.js",
        "/vendor/.package-lock.json",
        "/vendor/katex/dist/../package.json",
        "/vendor/katex/dist/%2e%2e/package.json",
        "/vendor/commander/package.json",
        "/vendor/mermaid/package.json",
        "/vendor/reveal.js-menu/package.json",
        "/vendor/reveal.js-menu/gulpfile.js",
        "/vendor/mermaid/dist/mermaid.core.mjs",
    ],
)
async def test_nothing_else_of_node_modules_is(live_server: LiveServer, path: str) -> None:
    assert (await afetch(live_server, "GET", path)).status == 404, path


async def test_themes_import_their_fonts_from_this_server(live_server: LiveServer) -> None:
    resp = await afetch(live_server, "GET", "/reveal/theme/simple.css")
    assert resp.status == 200
    assert resp.header("Content-Type") == "text/css; charset=utf-8"
    assert "googleapis" not in resp.text
    assert '@import url("/vendor/@fontsource/news-cycle/400.css");' in resp.text
    assert (await afetch(live_server, "GET", "/reveal/theme/nope.css")).status == 404
