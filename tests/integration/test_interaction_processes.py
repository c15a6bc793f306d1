"""Questions, votes, reactions and presence across processes (Redis) and ``kill -9``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.helpers import SECRET, running_server, start_server
from tests.redis_support import RedisServer

from .support import TIMEOUT, afetch, authenticate, bearer, recv, recv_match, recv_type, send
from .test_interaction import POLL_DECK, of_type
from .test_redis_shared import servers


@contextlib.asynccontextmanager
async def audience(url: str) -> AsyncIterator[ClientConnection]:
    async with connect(url + "?as=audience", open_timeout=TIMEOUT, max_queue=None) as ws:
        assert (await recv(ws))["type"] == "welcome"
        yield ws


@contextlib.asynccontextmanager
async def presenter(url: str) -> AsyncIterator[ClientConnection]:
    async with connect(url, open_timeout=TIMEOUT, max_queue=None) as ws:
        await recv(ws)
        await authenticate(ws)
        yield ws


def add_poll_deck(deck_root: Path) -> None:
    (deck_root / "polls").mkdir()
    (deck_root / "polls" / "slides.md").write_text(POLL_DECK, encoding="utf-8")


async def test_two_processes_share_questions_votes_reactions_and_presence(
    deck_root: Path, tmp_path: Path, redis_server: RedisServer
) -> None:
    add_poll_deck(deck_root)
    with servers(deck_root, tmp_path, redis_server) as (first, second):
        async with (
            presenter(first.ws("polls")) as speaker,
            audience(second.ws("polls")) as phone,
            audience(first.ws("polls")) as neighbour,
        ):
            # Presence on the first process counts the phone on the second.
            await recv_match(speaker, of_type("presence", audience=2, following=2))
            await send(phone, {"type": "mode", "following": False})
            await recv_match(speaker, of_type("presence", audience=2, following=1, browsing=1))
            # A question asked on the second reaches sockets of the first.
            await send(phone, {"type": "ask", "text": "Across processes?", "ref": "x"})
            qid = (await recv_type(phone, "asked"))["question"]["id"]
            seen = await recv_match(neighbour, lambda f: f.get("type") == "questions")
            assert [q["id"] for q in seen["questions"]] == [qid]
            # A poll opened on the first takes a vote on the second, counted once.
            await send(speaker, {"type": "poll", "poll": "tools", "action": "open"})
            await recv_match(phone, of_type("poll", poll="tools", status="open"))
            for _ in range(2):
                await send(phone, {"type": "vote", "poll": "tools", "choices": [1]})
                await recv_type(phone, "voted")
            await recv_match(speaker, of_type("poll", poll="tools", counts=[0, 1, 0], voters=1))
            # Reactions on the second reach the presenter on the first.
            await send(phone, {"type": "react", "emoji": "👏"})
            taps = await recv_type(speaker, "reactions")
            assert taps["counts"] == {"👏": 1}
            # Both processes export the same.
            for server in (first, second):
                exported = await afetch(server, "GET", "/decks/polls/api/polls", headers=bearer())
                tools = next(p for p in exported.json()["polls"] if p["poll"] == "tools")
                assert (tools["counts"], tools["voters"]) == ([0, 1, 0], 1)


def test_kill_9_during_a_poll_loses_no_acknowledged_vote(deck_root: Path, tmp_path: Path) -> None:
    add_poll_deck(deck_root)
    state_dir = tmp_path / "state"
    server = start_server(deck_root, "--state-dir", str(state_dir), "--no-watch")
    voters, killed_after = 80, 40

    async def run() -> int:
        async with contextlib.AsyncExitStack() as stack:
            speaker = await stack.enter_async_context(presenter(server.ws("polls")))
            await send(speaker, {"type": "poll", "poll": "which-colour", "action": "open"})
            await recv_match(speaker, of_type("poll", poll="which-colour", status="open"))
            sockets = [
                await stack.enter_async_context(audience(server.ws("polls"))) for _ in range(voters)
            ]
            await asyncio.gather(
                *(
                    send(ws, {"type": "vote", "poll": "which-colour", "choices": [0]})
                    for ws in sockets
                )
            )
            acknowledged = 0
            for ws in sockets[:killed_after]:
                await recv_type(ws, "voted")
                acknowledged += 1
            server.stop(kill=True)  # mid-poll: later votes may or may not be stored
            return acknowledged

    try:
        acknowledged = asyncio.run(run())
    finally:
        server.stop(kill=True)
        server.log_path.unlink(missing_ok=True)
    assert server.process.returncode == -9
    with running_server(deck_root, "--state-dir", str(state_dir), "--no-watch") as again:

        async def export() -> dict[str, Any]:
            resp = await afetch(again, "GET", "/decks/polls/api/polls", headers=bearer())
            assert resp.status == 200
            found: dict[str, Any] = next(
                p for p in resp.json()["polls"] if p["poll"] == "which-colour"
            )
            return found

        colour = asyncio.run(export())
    assert acknowledged <= colour["voters"] <= voters
    assert colour["counts"] == [colour["voters"], 0, 0]  # one vote each, none counted twice
    assert colour["status"] == "open"
    assert SECRET not in json.dumps(colour)
