"""Questions, upvotes, polls, reactions and presence over real sockets (docs/protocol.md)."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import LiveServer
from tests.helpers import SECRET

from .conftest import MakeServer
from .support import (
    TIMEOUT,
    afetch,
    apost_state,
    authenticate,
    bearer,
    presenter_cookie,
    recv,
    recv_match,
    recv_type,
    save,
    send,
    state,
    state_sentinel,
)

POLL_DECK = """\
---
title: Polls
---

# Welcome

---

## Colour

```poll
Which colour?
- Red
- Green
- Blue
hideResults: true
```

---

## Tools

```poll
Which tools do you use?
- Vim
- Emacs
- VS Code
multiple: true
id: tools
```
"""


def page_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="presenter-config">(.*?)</script>', html)
    assert found, html[:500]
    value: dict[str, Any] = json.loads(found.group(1))
    return value


def poll_deck(root: Path, name: str = "polls", text: str = POLL_DECK) -> dict[str, Path]:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "slides.md").write_text(text, encoding="utf-8")
    return {name: folder}


def url(server: LiveServer, deck: str, audience: bool = True) -> str:
    return f"ws://127.0.0.1:{server.port}/decks/{deck}/ws" + ("?as=audience" if audience else "")


async def open_socket(
    stack: AsyncExitStack, server: LiveServer, deck: str, cookie: str | None = None
) -> ClientConnection:
    headers = {"Cookie": cookie} if cookie else None
    ws = await stack.enter_async_context(
        connect(url(server, deck), additional_headers=headers, open_timeout=TIMEOUT)
    )
    assert (await recv(ws))["type"] == "welcome"
    return ws


async def open_presenter(stack: AsyncExitStack, server: LiveServer, deck: str) -> ClientConnection:
    ws = await open_socket(stack, server, deck)
    await authenticate(ws)
    return ws


def of_type(kind: str, **fields: Any) -> Any:
    return lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in fields.items())


def has_question(text: str) -> Any:
    return lambda f: f.get("type") == "questions" and any(q["text"] == text for q in f["questions"])


def question_in(frame: dict[str, Any], text: str) -> dict[str, Any]:
    return next(q for q in frame["questions"] if q["text"] == text)


async def ask(ws: ClientConnection, text: str, ref: str, **extra: Any) -> dict[str, Any]:
    await send(ws, {"type": "ask", "text": text, "ref": ref, **extra})
    return await recv_match(ws, lambda f: f.get("type") in ("asked", "error"), what="asked")


async def voter_cookie(server: LiveServer, deck: str) -> str:
    page = await afetch(server, "GET", f"/decks/{deck}/")
    assert page.status == 200
    cookie = page.cookie("presenter_voter")
    assert cookie is not None, page.cookies
    return cookie


@pytest.fixture
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as opened:
        yield opened


@pytest.fixture
async def polls_server(make_server: MakeServer, tmp_path: Path) -> LiveServer:
    return await make_server(decks=poll_deck(tmp_path / "decks"))


# --- questions ----------------------------------------------------------------------


async def test_a_question_reaches_everyone_and_the_asker_gets_it_acknowledged(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    presenter = await open_presenter(stack, live_server, "md")
    asker = await open_socket(stack, live_server, "md")
    other = await open_socket(stack, live_server, "md")
    answer = await ask(asker, "  How\ndoes it\tscale?\x07  ", "r1", name=" Ada\u202e ")
    assert answer["type"] == "asked", answer
    assert answer["ref"] == "r1"
    question = answer["question"]
    assert question["text"] == "How does it scale?"
    assert question["name"] == "Ada"
    assert question["votes"] == 0 and question["answered"] is False
    assert question["status"] == "visible"
    seen = await recv_match(other, has_question("How does it scale?"))
    assert seen["all"] is False
    shown = question_in(seen, "How does it scale?")
    assert "status" not in shown and "asker" not in shown
    assert shown["id"] == question["id"]
    for_presenter = await recv_match(presenter, has_question("How does it scale?"))
    assert question_in(for_presenter, "How does it scale?")["status"] == "visible"


async def test_asking_again_with_the_same_ref_makes_one_question(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    asker = await open_socket(stack, live_server, "md")
    first = await ask(asker, "Once?", "same")
    again = await ask(asker, "Once?", "same")
    assert first["question"]["id"] == again["question"]["id"]
    exported = await afetch(live_server, "GET", "/decks/md/api/questions", headers=bearer())
    assert [q["text"] for q in exported.json()["questions"]] == ["Once?"]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"text": "x" * 281, "ref": "a"}, "too_long"),
        ({"text": "   \n\t ", "ref": "a"}, "empty"),
        ({"text": "ok", "ref": "a", "name": "n" * 41}, "too_long"),
        ({"text": 5, "ref": "a"}, "bad_message"),
        ({"text": "ok"}, "bad_message"),
        ({"text": "ok", "ref": "r" * 41}, "bad_message"),
        ({"text": "ok", "ref": "a", "name": ["x"]}, "bad_message"),
    ],
)
async def test_a_bad_question_is_refused_with_its_code(
    live_server: LiveServer, stack: AsyncExitStack, message: dict[str, Any], code: str
) -> None:
    asker = await open_socket(stack, live_server, "md")
    await send(asker, {"type": "ask", **message})
    error = await recv_type(asker, "error")
    assert error["code"] == code, error
    assert error["for"] == "ask"
    # Nothing was stored, and the socket still works.
    assert (await ask(asker, "Still here?", "b"))["type"] == "asked"
    exported = await afetch(live_server, "GET", "/decks/md/api/questions", headers=bearer())
    assert [q["text"] for q in exported.json()["questions"]] == ["Still here?"]


async def test_exactly_280_characters_is_accepted(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    asker = await open_socket(stack, live_server, "md")
    answer = await ask(asker, " " + "é" * 280 + " ", "long")
    assert answer["type"] == "asked", answer
    assert len(answer["question"]["text"]) == 280


async def test_upvotes_count_once_per_voter_and_can_be_withdrawn(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    cookie = await voter_cookie(live_server, "md")
    asker = await open_socket(stack, live_server, "md")
    qid = (await ask(asker, "Upvote me", "u"))["question"]["id"]
    # Two tabs of one browser: one voter.
    tab1 = await open_socket(stack, live_server, "md", cookie)
    tab2 = await open_socket(stack, live_server, "md", cookie)
    for ws in (tab1, tab2, tab1):
        await send(ws, {"type": "upvote", "id": qid, "on": True})
        assert await recv_type(ws, "upvoted") == {"type": "upvoted", "id": qid, "on": True}
    counted = await recv_match(
        asker,
        lambda f: (
            f.get("type") == "questions"
            and any(q["id"] == qid and q["votes"] == 1 for q in f["questions"])
        ),
        what="one vote",
    )
    assert counted["all"] is False
    other = await open_socket(stack, live_server, "md")
    await send(other, {"type": "upvote", "id": qid, "on": True})
    await recv_type(other, "upvoted")
    await send(tab2, {"type": "upvote", "id": qid, "on": False})
    await recv_type(tab2, "upvoted")
    exported = await afetch(live_server, "GET", "/decks/md/api/questions", headers=bearer())
    assert exported.json()["questions"][0]["votes"] == 1  # the other voter's
    # A late joiner learns what this browser voted for.
    again = await open_socket(stack, live_server, "md", cookie)
    listing = await recv_type(again, "questions")
    assert listing["all"] is True
    assert listing["upvoted"] == []
    third = await open_socket(stack, live_server, "md")
    assert (await recv_type(third, "questions"))["questions"][0]["votes"] == 1


async def test_an_unknown_question_or_poll_is_not_found(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    ws = await open_socket(stack, live_server, "md")
    await send(ws, {"type": "upvote", "id": "qnope", "on": True})
    error = await recv_type(ws, "error")
    assert (error["code"], error["for"], error["id"]) == ("not_found", "upvote", "qnope")
    presenter = await open_presenter(stack, live_server, "md")
    await send(presenter, {"type": "moderate", "id": "qnope", "action": "approve"})
    error = await recv_type(presenter, "error")
    assert (error["code"], error["for"], error["id"]) == ("not_found", "moderate", "qnope")
    await send(presenter, {"type": "poll", "poll": "nope", "action": "open"})
    error = await recv_type(presenter, "error")
    assert (error["code"], error["poll"]) == ("not_found", "nope")


async def test_moderated_questions_wait_for_approval(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    presenter = await open_presenter(stack, live_server, "md")
    await send(presenter, {"type": "questions", "moderated": True})
    settings = await recv_type(presenter, "qa")
    assert settings["moderated"] is True
    cookie = await voter_cookie(live_server, "md")
    asker = await open_socket(stack, live_server, "md", cookie)
    other = await open_socket(stack, live_server, "md")
    answer = await ask(asker, "Wait for me", "m")
    assert answer["question"]["status"] == "pending"
    qid = answer["question"]["id"]
    pending = await recv_match(presenter, has_question("Wait for me"))
    assert question_in(pending, "Wait for me")["status"] == "pending"
    # The other audience socket gets nothing about it (the state posted next comes first).
    await state_sentinel(live_server, state(indexh=1), other, ignore=of_type("qa"))
    # Its asker sees it, marked as theirs, after a reconnect too; a stranger does not.
    again = await open_socket(stack, live_server, "md", cookie)
    own = await recv_type(again, "questions")
    assert [q["id"] for q in own["questions"]] == [qid] and own["mine"] == [qid]
    stranger = await open_socket(stack, live_server, "md")
    assert (await recv_type(stranger, "questions"))["questions"] == []
    await send(presenter, {"type": "moderate", "id": qid, "action": "approve"})
    approved = await recv_match(other, has_question("Wait for me"))
    assert question_in(approved, "Wait for me")["id"] == qid
    # Hiding takes it away from the audience.
    await send(presenter, {"type": "moderate", "id": qid, "action": "hide"})
    removed = await recv_match(other, lambda f: f.get("type") == "questions" and f["removed"])
    assert removed["removed"] == [qid]
    late = await open_socket(stack, live_server, "md")
    listing = await recv_type(late, "questions")
    assert listing["questions"] == []


async def test_answered_and_pinned_questions(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    presenter = await open_presenter(stack, live_server, "md")
    audience = await open_socket(stack, live_server, "md")
    qid = (await ask(audience, "Pin me", "p"))["question"]["id"]
    await send(presenter, {"type": "moderate", "id": qid, "action": "answer"})
    answered = await recv_match(
        audience,
        lambda f: (
            f.get("type") == "questions"
            and any(q["id"] == qid and q["answered"] for q in f["questions"])
        ),
    )
    assert answered["all"] is False
    await send(presenter, {"type": "moderate", "id": qid, "action": "pin"})
    pinned = await recv_match(presenter, lambda f: f.get("type") == "qa" and f["pinned"])
    assert pinned["pinned"]["id"] == qid
    # Not shown to the audience until the presenter says so.
    hidden = await recv_type(audience, "qa")
    assert hidden["pinned"] is None
    await send(presenter, {"type": "questions", "showPinned": True})
    shown = await recv_match(audience, lambda f: f.get("type") == "qa" and f["pinned"])
    assert shown["pinned"]["text"] == "Pin me"
    assert shown["showPinned"] is True
    await send(presenter, {"type": "moderate", "id": qid, "action": "unpin"})
    unpinned = await recv_match(audience, lambda f: f.get("type") == "qa" and not f["pinned"])
    assert unpinned["pinned"] is None


async def test_closed_questions_refuse_asking_and_upvoting(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    presenter = await open_presenter(stack, live_server, "md")
    audience = await open_socket(stack, live_server, "md")
    qid = (await ask(audience, "Before closing", "c"))["question"]["id"]
    await send(presenter, {"type": "questions", "open": False})
    closed = await recv_match(audience, lambda f: f.get("type") == "qa")
    assert closed["open"] is False
    assert (await ask(audience, "After closing", "d"))["code"] == "closed"
    await send(audience, {"type": "upvote", "id": qid, "on": True})
    assert (await recv_type(audience, "error"))["code"] == "closed"
    await send(presenter, {"type": "questions", "open": True})
    await recv_match(audience, lambda f: f.get("type") == "qa" and f["open"])
    assert (await ask(audience, "Reopened", "e"))["type"] == "asked"


@pytest.mark.parametrize(
    "message",
    [
        {"type": "moderate", "id": "q1", "action": "hide"},
        {"type": "questions", "open": False},
        {"type": "poll", "poll": "which-colour", "action": "open"},
    ],
)
async def test_the_audience_cannot_moderate(
    live_server: LiveServer, stack: AsyncExitStack, message: dict[str, Any]
) -> None:
    audience = await open_socket(stack, live_server, "md")
    await send(audience, message)
    error = await recv_type(audience, "error")
    assert error["code"] == "forbidden"
    assert error["for"] == message["type"]


@pytest.mark.parametrize(
    "message",
    [
        {"type": "moderate", "id": "q1", "action": "explode"},
        {"type": "questions"},
        {"type": "questions", "open": "yes"},
        {"type": "poll", "poll": "x", "action": "explode"},
        {"type": "react", "emoji": "💩"},
        {"type": "upvote", "id": "q1", "on": 1},
        {"type": "vote", "poll": "x"},
        {"type": "mode", "following": None},
    ],
)
async def test_malformed_interaction_messages_are_bad_messages(
    live_server: LiveServer, stack: AsyncExitStack, message: dict[str, Any]
) -> None:
    presenter = await open_presenter(stack, live_server, "md")
    await send(presenter, message)
    error = await recv_type(presenter, "error")
    assert error["code"] == "bad_message", error
    assert error["for"] == message["type"]


async def test_questions_survive_a_restart(
    make_server: MakeServer, tmp_path: Path, deck_root: Path
) -> None:
    state_dir = tmp_path / "kept"
    first = await make_server(state_dir=state_dir)
    async with AsyncExitStack() as stack:
        audience = await open_socket(stack, first, "md")
        qid = (await ask(audience, "Still there after a restart?", "k"))["question"]["id"]
        await send(audience, {"type": "upvote", "id": qid, "on": True})
        await recv_type(audience, "upvoted")
    await first.server.stop()
    second = await make_server(state_dir=state_dir)
    async with AsyncExitStack() as stack:
        late = await open_socket(stack, second, "md")
        listing = await recv_type(late, "questions")
        assert [(q["text"], q["votes"]) for q in listing["questions"]] == [
            ("Still there after a restart?", 1)
        ]


# --- polls --------------------------------------------------------------------------


async def test_a_poll_opens_takes_one_vote_per_voter_and_reveals_results(
    polls_server: LiveServer, stack: AsyncExitStack
) -> None:
    presenter = await open_presenter(stack, polls_server, "polls")
    initial = await recv_match(presenter, of_type("poll", poll="which-colour"))
    assert initial["status"] == "ready" and initial["counts"] == [0, 0, 0]
    alice = await open_socket(stack, polls_server, "polls")
    bob = await open_socket(stack, polls_server, "polls")
    for ws in (alice, bob):
        seen = await recv_match(ws, of_type("poll", poll="which-colour"))
        assert seen["counts"] is None and seen["hideResults"] is True
        assert seen["options"] == ["Red", "Green", "Blue"]
    await send(alice, {"type": "vote", "poll": "which-colour", "choices": [0]})
    assert (await recv_type(alice, "error"))["code"] == "closed"
    await send(presenter, {"type": "poll", "poll": "which-colour", "action": "open"})
    opened = await recv_match(alice, of_type("poll", poll="which-colour", status="open"))
    assert opened["counts"] is None
    await send(alice, {"type": "vote", "poll": "which-colour", "choices": [0]})
    assert await recv_type(alice, "voted") == {
        "type": "voted",
        "poll": "which-colour",
        "choices": [0],
    }
    await send(alice, {"type": "vote", "poll": "which-colour", "choices": [2]})  # changed mind
    await recv_type(alice, "voted")
    await send(bob, {"type": "vote", "poll": "which-colour", "choices": [2]})
    await recv_type(bob, "voted")
    counted = await recv_match(
        presenter, of_type("poll", poll="which-colour", counts=[0, 0, 2], voters=2)
    )
    assert counted["status"] == "open"
    await send(presenter, {"type": "poll", "poll": "which-colour", "action": "reveal"})
    revealed = await recv_match(bob, of_type("poll", poll="which-colour", revealed=True))
    assert revealed["counts"] == [0, 0, 2]
    await send(presenter, {"type": "poll", "poll": "which-colour", "action": "close"})
    await recv_match(bob, of_type("poll", poll="which-colour", status="closed"))
    await send(bob, {"type": "vote", "poll": "which-colour", "choices": [1]})
    assert (await recv_type(bob, "error"))["code"] == "closed"
    # A late joiner gets the results and its own choice.
    exported = await afetch(polls_server, "GET", "/decks/polls/api/polls", headers=bearer())
    colour = next(p for p in exported.json()["polls"] if p["poll"] == "which-colour")
    assert colour["counts"] == [0, 0, 2] and colour["voters"] == 2


async def tools_quiet_until(
    server: LiveServer, audience: ClientConnection, value: dict[str, Any]
) -> None:
    """Post the state ``value`` as a sentinel: it is the next frame ``audience`` gets but
    for the states posted before it and the other poll's frames, so the poll ``tools``
    sent nothing meanwhile."""
    await state_sentinel(
        server,
        value,
        audience,
        deck="polls",
        ignore=lambda f: (
            (f.get("type") == "state" and f["state"] != value) or f.get("poll") == "which-colour"
        ),
    )


async def test_a_poll_opens_when_the_presenter_reaches_its_slide(
    polls_server: LiveServer, stack: AsyncExitStack
) -> None:
    audience = await open_socket(stack, polls_server, "polls")
    await recv_match(audience, of_type("poll", poll="tools", status="ready"))
    resp = await apost_state(polls_server, state(indexh=2), deck="polls")
    assert resp.status == 200
    await recv_match(audience, of_type("poll", poll="tools", status="open"))
    # Closed by the presenter, it stays closed when the slide is reached again.
    presenter = await open_presenter(stack, polls_server, "polls")
    await send(presenter, {"type": "poll", "poll": "tools", "action": "close"})
    await recv_match(audience, of_type("poll", poll="tools", status="closed"))
    for h in (1, 2):
        await apost_state(polls_server, state(indexh=h), deck="polls")
    await tools_quiet_until(polls_server, audience, state(indexh=0))
    # Reset while on its slide, it waits: a blackout there is not reaching the slide.
    await apost_state(polls_server, state(indexh=2), deck="polls")
    await send(presenter, {"type": "poll", "poll": "tools", "action": "reset"})
    await recv_match(audience, of_type("poll", poll="tools", status="ready"))
    await apost_state(polls_server, state(indexh=2, paused=True), deck="polls")
    await tools_quiet_until(polls_server, audience, state(indexh=2, indexf=0))
    # Reached again, it opens.
    await apost_state(polls_server, state(indexh=1), deck="polls")
    await apost_state(polls_server, state(indexh=2), deck="polls")
    await recv_match(audience, of_type("poll", poll="tools", status="open"))


async def tools_open(
    stack: AsyncExitStack, server: LiveServer, cookie: str | None = None
) -> tuple[ClientConnection, ClientConnection]:
    """A presenter who opened the "tools" poll, and an audience socket that saw it open."""
    presenter = await open_presenter(stack, server, "polls")
    await send(presenter, {"type": "poll", "poll": "tools", "action": "open"})
    voter = await open_socket(stack, server, "polls", cookie)
    await recv_match(voter, of_type("poll", poll="tools", status="open"))
    return presenter, voter


async def test_a_multiple_choice_poll_and_its_choices(
    polls_server: LiveServer, stack: AsyncExitStack
) -> None:
    presenter, voter = await tools_open(stack, polls_server)
    for choices in ([0, 0], [3], [-1], ["0"], [True], "0", [0.0]):
        await send(voter, {"type": "vote", "poll": "tools", "choices": choices})
        error = await recv_type(voter, "error")
        assert (error["code"], error["poll"]) == ("bad_message", "tools"), choices
    # Bad votes took tokens from that socket's bucket: go on with a fresh one.
    voter = await open_socket(stack, polls_server, "polls")
    await send(voter, {"type": "vote", "poll": "tools", "choices": [2, 0]})
    assert (await recv_type(voter, "voted"))["choices"] == [0, 2]
    shown = await recv_match(voter, of_type("poll", poll="tools", counts=[1, 0, 1]))
    assert shown["voters"] == 1  # results are not hidden for this poll
    await send(voter, {"type": "vote", "poll": "tools", "choices": []})  # withdrawn
    await recv_type(voter, "voted")
    await recv_match(voter, of_type("poll", poll="tools", counts=[0, 0, 0], voters=0))
    await send(voter, {"type": "vote", "poll": "nope", "choices": [0]})
    assert (await recv_type(voter, "error"))["code"] == "not_found"
    single = {"type": "vote", "poll": "which-colour", "choices": [0, 1]}
    await send(presenter, {"type": "poll", "poll": "which-colour", "action": "open"})
    await send(voter, single)
    assert (await recv_type(voter, "error"))["code"] == "bad_message"


async def test_resetting_a_poll_drops_its_votes(
    polls_server: LiveServer, stack: AsyncExitStack
) -> None:
    presenter, voter = await tools_open(stack, polls_server)
    await send(voter, {"type": "vote", "poll": "tools", "choices": [1]})
    await recv_type(voter, "voted")
    await recv_match(presenter, of_type("poll", poll="tools", voters=1))
    await send(presenter, {"type": "poll", "poll": "tools", "action": "reset"})
    reset = await recv_match(voter, of_type("poll", poll="tools", status="ready"))
    assert reset["counts"] == [0, 0, 0] and reset["voters"] == 0
    late = await open_socket(stack, polls_server, "polls")
    again = await recv_match(late, of_type("poll", poll="tools"))
    assert again["mine"] == [] and again["voters"] == 0


async def test_a_late_joiner_gets_its_own_vote_back(
    polls_server: LiveServer, stack: AsyncExitStack
) -> None:
    cookie = await voter_cookie(polls_server, "polls")
    _, first = await tools_open(stack, polls_server, cookie)
    await send(first, {"type": "vote", "poll": "tools", "choices": [1, 2]})
    await recv_type(first, "voted")
    again = await open_socket(stack, polls_server, "polls", cookie)
    poll = await recv_match(again, of_type("poll", poll="tools"))
    assert poll["mine"] == [1, 2]


# --- reactions and presence ---------------------------------------------------------


async def test_reactions_are_added_up_for_presenters(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    presenter = await open_presenter(stack, live_server, "md")
    audience = await open_socket(stack, live_server, "md")
    watcher = await open_socket(stack, live_server, "md")
    for emoji in ("👍", "👍", "❤", "👏"):
        await send(audience, {"type": "react", "emoji": emoji})
    total: dict[str, int] = {}
    while total != {"👍": 2, "❤️": 1, "👏": 1}:
        frame = await recv_type(presenter, "reactions")
        for emoji, n in frame["counts"].items():
            total[emoji] = total.get(emoji, 0) + n
        assert all(total.get(e, 0) <= n for e, n in {"👍": 2, "❤️": 1, "👏": 1}.items()), total
    # The audience sees no reactions unless the presenter shows them.
    await state_sentinel(live_server, state(indexh=2), watcher)
    await send(presenter, {"type": "questions", "showReactions": True})
    await recv_type(watcher, "qa")
    await send(audience, {"type": "react", "emoji": "😮"})
    shown = await recv_type(watcher, "reactions")
    assert shown["counts"] == {"😮": 1}


async def test_presence_counts_who_follows_and_who_browses(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    presenter = await open_presenter(stack, live_server, "md")
    browsing = await open_socket(stack, live_server, "md")
    await open_socket(stack, live_server, "md")
    await recv_match(presenter, of_type("presence", audience=2, following=2, browsing=0))
    await send(browsing, {"type": "mode", "following": False})
    await recv_match(presenter, of_type("presence", audience=2, following=1, browsing=1))
    await send(browsing, {"type": "mode", "following": True})
    await recv_match(presenter, of_type("presence", audience=2, following=2, browsing=0))


# --- limits -------------------------------------------------------------------------


async def test_a_flood_from_one_socket_is_rate_limited_and_others_are_not_delayed(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    flooder = await open_socket(stack, live_server, "md")
    bystander = await open_socket(stack, live_server, "md")
    began = time.monotonic()
    for n in range(1000):
        await flooder.send(f'{{"type":"ask","text":"spam {n}","ref":"s{n}"}}')
    await state_sentinel(
        live_server, state(indexh=3), bystander, ignore=lambda f: f.get("type") == "questions"
    )
    accepted = limited = 0
    while accepted + limited < 1000:
        frame = await recv_match(flooder, lambda f: f.get("type") in ("asked", "error"))
        if frame["type"] == "asked":
            accepted += 1
        else:
            assert frame["code"] == "rate_limited", frame
            limited += 1
    # The bucket holds 10 and refills at 5 a second while the flood is read.
    assert 10 <= accepted <= 10 + math.ceil(5 * (time.monotonic() - began)), accepted
    exported = await afetch(live_server, "GET", "/decks/md/api/questions", headers=bearer())
    assert len(exported.json()["questions"]) == accepted


async def test_interaction_can_be_turned_off_for_a_deck(
    make_server: MakeServer, tmp_path: Path, stack: AsyncExitStack
) -> None:
    decks = poll_deck(tmp_path / "decks", "quiet", "---\ninteraction: false\n---\n# Quiet\n")
    server = await make_server(decks=decks)
    audience = await open_socket(stack, server, "quiet")
    await send(audience, {"type": "ask", "text": "Anyone?", "ref": "a"})
    error = await recv_type(audience, "error")
    assert (error["code"], error["for"]) == ("disabled", "ask")
    page = await afetch(server, "GET", "/decks/quiet/")
    assert page_config(page.text)["interaction"]["enabled"] is False
    assert page.cookie("presenter_voter") is None


async def test_interaction_can_be_turned_off_for_every_deck(
    make_server: MakeServer, stack: AsyncExitStack
) -> None:
    server = await make_server(interaction=False)
    audience = await open_socket(stack, server, "md")
    await send(audience, {"type": "react", "emoji": "👍"})
    assert (await recv_type(audience, "error"))["code"] == "disabled"
    page = await afetch(server, "GET", "/decks/md/")
    assert page_config(page.text)["interaction"]["enabled"] is False


async def test_the_page_config_lists_the_polls(polls_server: LiveServer) -> None:
    page = await afetch(polls_server, "GET", "/decks/polls/")
    interaction = page_config(page.text)["interaction"]
    assert interaction["enabled"] is True
    assert interaction["reactions"] == ["👍", "👏", "😂", "😮", "❤️", "❓"]
    assert [(p["id"], p["slide"]) for p in interaction["polls"]] == [
        ("which-colour", {"h": 1, "v": 0}),
        ("tools", {"h": 2, "v": 0}),
    ]
    assert interaction["polls"][1]["multiple"] is True
    # The block became the element pages draw the poll in.
    assert 'data-poll="which-colour"' in page.text
    assert "hideResults: true" not in page.text


# --- exports ------------------------------------------------------------------------


async def test_exports_are_for_presenters_only(
    polls_server: LiveServer, stack: AsyncExitStack
) -> None:
    for path in ("/decks/polls/api/questions", "/decks/polls/api/polls"):
        assert (await afetch(polls_server, "GET", path)).status == 403
        wrong = await afetch(polls_server, "GET", path, headers=bearer("wrong-token-123456"))
        assert wrong.status == 403
        assert (await afetch(polls_server, "GET", path, headers=bearer())).status == 200
    cookie = await presenter_cookie(polls_server, deck="polls")
    resp = await afetch(
        polls_server, "GET", "/decks/polls/api/questions", headers={"Cookie": cookie}
    )
    assert resp.status == 200
    assert resp.json() == {"deck": "polls", "questions": []}


async def test_csv_exports_keep_audience_text_inert(
    polls_server: LiveServer, stack: AsyncExitStack
) -> None:
    audience = await open_socket(stack, polls_server, "polls")
    await ask(audience, '=HYPERLINK("http://evil")', "x", name="@admin")
    await ask(audience, "Plain, with a comma", "y")
    resp = await afetch(
        polls_server, "GET", "/decks/polls/api/questions?format=csv", headers=bearer()
    )
    assert resp.status == 200
    assert resp.header("Content-Type") == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["question"] for r in rows] == ['\'=HYPERLINK("http://evil")', "Plain, with a comma"]
    assert rows[0]["name"] == "'@admin"
    polls = await afetch(polls_server, "GET", "/decks/polls/api/polls?format=csv", headers=bearer())
    table = list(csv.DictReader(io.StringIO(polls.text)))
    assert [(r["poll"], r["option"], r["votes"]) for r in table][:3] == [
        ("which-colour", "Red", "0"),
        ("which-colour", "Green", "0"),
        ("which-colour", "Blue", "0"),
    ]
    assert SECRET not in resp.text


# --- voters and decks that change ---------------------------------------------------


async def test_the_voter_cookie_is_http_only_and_a_forged_one_is_not_a_voter(
    live_server: LiveServer, stack: AsyncExitStack
) -> None:
    page = await afetch(live_server, "GET", "/decks/md/")
    header = page.set_cookie_header("presenter_voter")
    assert header is not None
    assert "httponly" in header.lower() and "samesite=lax" in header.lower()
    # The page's own cookie is kept: a second visit gets no new one.
    again = await afetch(
        live_server, "GET", "/decks/md/", headers={"Cookie": page.cookie("presenter_voter") or ""}
    )
    assert again.cookie("presenter_voter") is None
    asker = await open_socket(stack, live_server, "md")
    qid = (await ask(asker, "Forge me", "f"))["question"]["id"]
    for _ in range(2):  # an unsigned id does not make two sockets one voter
        forged = await open_socket(stack, live_server, "md", "presenter_voter=vforged")
        await send(forged, {"type": "upvote", "id": qid, "on": True})
        await recv_type(forged, "upvoted")
    exported = await afetch(live_server, "GET", "/decks/md/api/questions", headers=bearer())
    assert exported.json()["questions"][0]["votes"] == 2


async def test_a_deck_edit_brings_its_new_polls_to_open_pages(
    make_server: MakeServer, tmp_path: Path, stack: AsyncExitStack
) -> None:
    decks = poll_deck(tmp_path / "decks", "live", "# No poll yet\n")
    server = await make_server(decks=decks, watch=True)
    audience = await open_socket(stack, server, "live")
    save(decks["live"] / "slides.md", "# Now\n\n```poll\nNew poll?\n- yes\n- no\n```\n")
    await recv_type(audience, "reload")
    poll = await recv_match(audience, of_type("poll", poll="new-poll"))
    assert poll["status"] == "ready" and poll["options"] == ["yes", "no"]
    api = await afetch(server, "GET", "/decks/live/api/deck")
    assert [p["id"] for p in api.json()["polls"]] == ["new-poll"]
