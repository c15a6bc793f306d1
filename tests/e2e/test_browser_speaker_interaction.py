"""Audience interaction on the presenter's side: the speaker view moderates questions,
runs the slide's poll and sees the room's reactions and presence; the phone remote
answers questions. The audience is played by plain WebSocket clients, so every test
sees exactly the frames an audience socket gets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.interaction_support import Frame, FrameSocket, poll_deck, sent, serve_with, vote_now
from tests.e2e.support import TIMEOUT_MS, Deployment, Pages, wait_indices, wait_js, wait_text
from tests.helpers import ServerProcess

pytestmark = pytest.mark.browser

CURRENT = "presenterLive.current.getIndices()"

# A deck of our own: a poll on the second slide whose results the audience
# sees only once the speaker reveals them.
POLL_DECK = poll_deck("Poll deck", vote_now("Blue"), "## Thanks\n")

QUIET_DECK = """\
---
title: Quiet deck
interaction: false
---

# No questions here
"""

# What a socket's `welcome` means for the Q&A switches until a `qa` frame comes.
QA_DEFAULTS: Frame = {"open": True, "moderated": False, "showPinned": False, "showReactions": False}


class Audience(FrameSocket):
    """An audience socket that keeps every frame it got, in order."""

    def __init__(self, server: ServerProcess, deck: str) -> None:
        super().__init__(server.ws(deck) + "?as=audience")

    def barrier(self) -> int:
        """Everything the server sent this socket so far has arrived; returns the frame count.

        An upvote of an unknown question is answered at once with ``not_found``;
        a flush of question frames the presenter has seen already went out before it.
        """
        start = len(self.frames)
        self.send({"type": "upvote", "id": "q-no-such-question", "on": True})
        self.wait(lambda f: f["type"] == "error" and f.get("for") == "upvote", start)
        return len(self.frames)

    def questions(self) -> dict[str, Frame]:
        """The questions this socket may see now, from its `questions` frames."""
        seen: dict[str, Frame] = {}
        for frame in self.frames:
            if frame["type"] != "questions":
                continue
            if frame.get("all"):
                seen.clear()
            for question in frame.get("questions", []):
                seen[question["id"]] = question
            for gone in frame.get("removed", []):
                seen.pop(gone, None)
        return seen

    def ask(self, text: str, ref: str, name: str | None = None) -> Frame:
        """Ask; returns the stored question from ``asked``."""
        start = len(self.frames)
        msg: Frame = {"type": "ask", "text": text, "ref": ref}
        if name is not None:
            msg["name"] = name
        self.send(msg)
        answer = self.wait(
            lambda f: (
                (f["type"] == "asked" and f.get("ref") == ref)
                or (f["type"] == "error" and f.get("ref") == ref)
            ),
            start,
        )
        assert answer["type"] == "asked", answer
        return answer["question"]  # type: ignore[no-any-return]


@pytest.fixture
def audiences(server: ServerProcess) -> Iterator[Callable[..., Audience]]:
    opened: list[Audience] = []

    def open_one(deck: str = "md") -> Audience:
        found = Audience(server, deck)
        opened.append(found)
        return found

    try:
        yield open_one
    finally:
        for one in opened:
            one.close()


@pytest.fixture
def server(deployment: Deployment) -> ServerProcess:
    """The test decks plus ours (``poll``, ``quiet``), served."""
    return serve_with(deployment, {"poll/slides.md": POLL_DECK, "quiet/slides.md": QUIET_DECK})


def row(page: Page, qid: str, within: str = "#qa-panel") -> str:
    return f"{within} .qa-question[data-id='{qid}']"


def wait_row(page: Page, qid: str, check: str = "true", within: str = "#qa-panel") -> None:
    """Wait until the question's row exists and ``check`` (JS, ``r`` is the row) holds."""
    wait_js(
        page,
        f"([s]) => {{ const r = document.querySelector(s); return !!r && ({check}); }}",
        [row(page, qid, within)],
    )


def wait_order(page: Page, rows: str, ids: list[str]) -> None:
    """Wait until the rows at ``rows`` are the questions ``ids``, in this order."""
    wait_js(
        page,
        "([s, ids]) => JSON.stringify([...document.querySelectorAll(s)].map((r) => r.dataset.id))"
        " === JSON.stringify(ids)",
        [rows, ids],
    )


def carries(frame: Frame, qid: str, **fields: Any) -> bool:
    """Whether ``frame`` is a `questions` frame carrying question ``qid`` with ``fields``."""
    return frame["type"] == "questions" and any(
        q["id"] == qid and all(q.get(k) == v for k, v in fields.items())
        for q in frame.get("questions", [])
    )


def shown(page: Page, selector: str) -> None:
    """Wait until the element at ``selector`` exists and is not hidden."""
    wait_js(
        page, "(s) => { const e = document.querySelector(s); return !!e && !e.hidden; }", selector
    )


def open_questions(speaker: Page) -> None:
    speaker.click("#tab-qa")
    assert speaker.locator("#qa-panel").is_visible()
    assert speaker.locator("#notes").is_hidden()


def set_switch(speaker: Page, audience: Audience, box: str, key: str, value: bool) -> None:
    """Set a Q&A switch in the speaker view; the audience's `qa` frame confirms it."""
    # Enabled once the first `qa` frame said how things are.
    wait_js(speaker, "(s) => !document.querySelector(s).disabled", box)
    if speaker.is_checked(box) != value:
        start = len(audience.frames)
        speaker.click(box)
        audience.wait(lambda f: f["type"] == "qa" and f[key] is value, start)
    else:
        # No change to make: the audience has the same (a welcome means the defaults
        # until a `qa` frame says otherwise).
        audience.barrier()
        latest = [f for f in audience.frames if f["type"] == "qa"]
        settings = latest[-1] if latest else QA_DEFAULTS
        assert settings[key] is value, (box, settings)
    wait_js(speaker, "([s, v]) => document.querySelector(s).checked === v", [box, value])


def questions_open(
    server: ServerProcess, pages: Pages, audiences: Callable[..., Audience]
) -> tuple[Page, Audience, Audience]:
    """The speaker view on its Q&A tab, questions open and not moderated; two audience
    sockets, one to ask and one to vote (which saw the switches set)."""
    speaker = pages.presenter(server)
    asker = audiences()
    voter = audiences()
    open_questions(speaker)
    set_switch(speaker, voter, "#qa-open", "open", True)
    set_switch(speaker, voter, "#qa-moderated", "moderated", False)
    return speaker, asker, voter


def test_a_question_appears_live_and_the_speaker_moderates_it(
    server: ServerProcess, pages: Pages, audiences: Callable[..., Audience]
) -> None:
    speaker, asker, other = questions_open(server, pages, audiences)

    # Unmoderated: the question is on the speaker's list at once, with its name and no votes.
    first = asker.ask("How does it scale?", "r1", name="Ada")
    wait_row(speaker, first["id"])
    assert speaker.inner_text(row(speaker, first["id"]) + " .qa-text") == "How does it scale?"
    assert "Ada" in speaker.inner_text(row(speaker, first["id"]) + " .qa-name")
    assert speaker.inner_text(row(speaker, first["id"]) + " .qa-votes").strip() == "0"
    assert speaker.text_content(row(speaker, first["id"]) + " .qa-status").strip() == "visible"
    # Audience text is text: markup in a question is shown, never parsed.
    tricky = asker.ask("<img src=x onerror=alert(1)> <b>bold</b>?", "r-markup")
    wait_row(speaker, tricky["id"])
    assert speaker.locator(row(speaker, tricky["id"])).locator("img, b").count() == 0
    assert "<b>bold</b>" in speaker.inner_text(row(speaker, tricky["id"]) + " .qa-text")
    assert "Anonymous" in speaker.inner_text(row(speaker, tricky["id"]) + " .qa-name")

    # An upvote shows up as the new count.
    other.send({"type": "upvote", "id": first["id"], "on": True})
    wait_row(speaker, first["id"], "r.querySelector('.qa-votes').textContent.trim() === '1'")

    # Moderated: a new question waits for the speaker, and the other audience socket
    # does not get it until it is approved.
    set_switch(speaker, other, "#qa-moderated", "moderated", True)
    waiting = asker.ask("Is it moderated?", "r2")
    assert waiting["status"] == "pending"
    wait_row(speaker, waiting["id"], "r.dataset.status === 'pending'")
    assert speaker.text_content(row(speaker, waiting["id"]) + " .qa-status").strip() == "pending"
    wait_text(speaker, "#qa-pending", "1")
    assert speaker.locator("#qa-pending").is_visible()
    assert speaker.locator(row(speaker, waiting["id"]) + " [data-action=pin]").count() == 0
    seen_before = other.barrier()
    assert waiting["id"] not in other.questions()
    assert all(
        q["id"] != waiting["id"]
        for f in other.frames[:seen_before]
        if f["type"] == "questions"
        for q in f.get("questions", [])
    )

    speaker.click(row(speaker, waiting["id"]) + " [data-action=approve]")
    other.wait(lambda f: carries(f, waiting["id"]), seen_before)
    wait_row(speaker, waiting["id"], "r.dataset.status === 'visible'")
    wait_js(speaker, "() => document.getElementById('qa-pending').hidden")

    # Pin: marked in the speaker view, on audience screens only with "show pinned".
    set_switch(speaker, other, "#qa-show-pinned", "showPinned", False)
    speaker.click(row(speaker, first["id"]) + " [data-action=pin]")
    wait_row(
        speaker, first["id"], "r.matches('.pinned') && !!r.querySelector('[data-action=unpin]')"
    )
    assert speaker.locator(row(speaker, first["id"]) + " .qa-pinned").is_visible()
    mark = other.barrier()
    assert all(f["pinned"] is None for f in other.frames[:mark] if f["type"] == "qa")
    set_switch(speaker, other, "#qa-show-pinned", "showPinned", True)
    shown = other.wait(lambda f: f["type"] == "qa" and f["showPinned"] is True, mark)
    assert shown["pinned"] and shown["pinned"]["id"] == first["id"], shown

    # Answered: the audience gets the mark, the button turns into "Not answered".
    start = len(other.frames)
    speaker.click(row(speaker, first["id"]) + " [data-action=answer]")
    other.wait(lambda f: carries(f, first["id"], answered=True), start)
    wait_row(
        speaker,
        first["id"],
        "r.matches('.answered') && !!r.querySelector('[data-action=unanswer]')",
    )
    assert speaker.locator(row(speaker, first["id"]) + " .qa-answered").is_visible()

    # Hide: gone from the audience, still on the speaker's list as hidden, shown again with Show.
    start = len(other.frames)
    speaker.click(row(speaker, waiting["id"]) + " [data-action=hide]")
    other.wait(lambda f: f["type"] == "questions" and waiting["id"] in f.get("removed", []), start)
    assert waiting["id"] not in other.questions()
    wait_row(speaker, waiting["id"], "r.dataset.status === 'hidden'")
    show = speaker.locator(row(speaker, waiting["id"]) + " [data-action=approve]")
    assert show.inner_text().strip() == "Show"
    # Every click went out as one `moderate` frame, nothing else.
    moderated = sent(speaker, "moderate")
    assert [m["action"] for m in moderated] == ["approve", "pin", "answer", "hide"], moderated


def test_sorting_by_votes_or_time(
    server: ServerProcess, pages: Pages, audiences: Callable[..., Audience]
) -> None:
    speaker, asker, voter = questions_open(server, pages, audiences)
    older = asker.ask("Older question", "s1")
    newer = asker.ask("Newer question", "s2")
    voter.send({"type": "upvote", "id": older["id"], "on": True})
    wait_row(speaker, older["id"], "r.querySelector('.qa-votes').textContent.trim() === '1'")
    speaker.click("#qa-sort-votes")
    wait_order(speaker, "#qa-list .qa-question", [older["id"], newer["id"]])
    speaker.click("#qa-sort-time")
    wait_order(speaker, "#qa-list .qa-question", [newer["id"], older["id"]])


def test_the_switches_and_the_exports(
    server: ServerProcess, pages: Pages, audiences: Callable[..., Audience]
) -> None:
    speaker = pages.presenter(server)
    asker = audiences()
    open_questions(speaker)
    set_switch(speaker, asker, "#qa-open", "open", True)
    asked = asker.ask("Before closing", "e1", name="Grace")
    wait_row(speaker, asked["id"])

    # Closed: the audience cannot ask.
    set_switch(speaker, asker, "#qa-open", "open", False)
    wait_text(speaker, "#qa-summary", "1 question")
    start = len(asker.frames)
    asker.send({"type": "ask", "text": "Too late?", "ref": "e2"})
    refused = asker.wait(lambda f: f["type"] == "error" and f.get("ref") == "e2", start)
    assert refused["code"] == "closed", refused
    set_switch(speaker, asker, "#qa-show-reactions", "showReactions", True)
    assert sent(speaker, "questions") == [
        {"type": "questions", "open": False},
        {"type": "questions", "showReactions": True},
    ]

    # The export links work with the speaker's login (JSON and CSV).
    links = speaker.eval_on_selector_all(
        ".qa-export a", "(links) => links.map((a) => a.getAttribute('href'))"
    )
    assert links == [
        "/decks/md/api/questions",
        "/decks/md/api/questions?format=csv",
        "/decks/md/api/polls",
        "/decks/md/api/polls?format=csv",
    ]
    exported = speaker.request.get(f"{server.base}{links[0]}")
    assert exported.ok and "Before closing" in exported.text()
    csv = speaker.request.get(f"{server.base}{links[1]}")
    assert csv.ok and "Grace" in csv.text()


def test_a_poll_opens_on_its_slide_and_the_speaker_runs_it(
    server: ServerProcess, pages: Pages, audiences: Callable[..., Audience]
) -> None:
    speaker = pages.presenter(server, "poll")
    first = audiences("poll")
    second = audiences("poll")
    ready = first.wait(lambda f: f["type"] == "poll" and f["poll"] == "colour")
    assert ready["status"] == "ready", ready
    assert ready["counts"] is None  # hidden from the audience until revealed
    # Not on its slide: no controls, nothing opened.
    assert speaker.locator("#poll-controls").is_hidden()
    assert sent(speaker, "poll") == []

    # The speaker reaches the slide: the poll opens by itself, once.
    speaker.click("#next")
    wait_indices(speaker, 1, 0, expr=CURRENT)
    first.wait(lambda f: f["type"] == "poll" and f["status"] == "open")
    control = "#poll-controls .poll-control[data-poll='colour']"
    wait_js(speaker, "(s) => document.querySelector(s)?.dataset.status === 'open'", control)
    assert speaker.locator("#poll-controls").is_visible()
    assert "Which colour?" in speaker.inner_text(control + " .poll-question")
    assert [m["action"] for m in sent(speaker, "poll")] == ["open"]
    assert speaker.locator(control + " [data-poll-action=open]").is_hidden()
    assert speaker.locator(control + " [data-poll-action=close]").is_visible()
    assert speaker.locator(control + " [data-poll-action=reveal]").is_visible()

    # Votes come in: the speaker's chart counts them, the audience still sees no counts.
    start = len(first.frames)
    first.send({"type": "vote", "poll": "colour", "choices": [1]})
    second.send({"type": "vote", "poll": "colour", "choices": [1]})
    first.wait(lambda f: f["type"] == "voted", start)
    bar = control + " .presenter-poll-bar[data-index='1']"
    wait_js(speaker, "(s) => document.querySelector(s)?.dataset.count === '2'", bar)
    wait_text(speaker, control + " .poll-voters", "2 voters")
    counted = first.wait(lambda f: f["type"] == "poll" and f["voters"] == 2, start)
    assert counted["counts"] is None, counted

    # Reveal: the audience gets the counts.
    start = len(first.frames)
    speaker.click(control + " [data-poll-action=reveal]")
    revealed = first.wait(lambda f: f["type"] == "poll" and f["revealed"] is True, start)
    assert revealed["counts"] == [0, 2, 0], revealed
    shown(speaker, control + " [data-poll-action=conceal]")

    # Away and back: not opened a second time.
    speaker.click("#next")
    wait_indices(speaker, 2, 0, expr=CURRENT)
    wait_js(speaker, "() => document.getElementById('poll-controls').hidden")
    speaker.click("#prev")
    wait_indices(speaker, 1, 0, expr=CURRENT)
    assert speaker.locator(control).is_visible()

    # Close: voting stops.
    start = len(first.frames)
    speaker.click(control + " [data-poll-action=close]")
    first.wait(lambda f: f["type"] == "poll" and f["status"] == "closed", start)
    wait_js(speaker, "(s) => document.querySelector(s)?.dataset.status === 'closed'", control)
    start = len(first.frames)
    first.send({"type": "vote", "poll": "colour", "choices": [0]})
    refused = first.wait(lambda f: f["type"] == "error" and f.get("for") == "vote", start)
    assert refused["code"] == "closed", refused
    assert [m["action"] for m in sent(speaker, "poll")] == ["open", "reveal", "close"]

    # Reset asks first; declined, nothing is sent.
    speaker.once("dialog", lambda dialog: dialog.dismiss())
    speaker.click(control + " [data-poll-action=reset]")
    assert [m["action"] for m in sent(speaker, "poll")] == ["open", "reveal", "close"]
    speaker.once("dialog", lambda dialog: dialog.accept())
    start = len(first.frames)
    speaker.click(control + " [data-poll-action=reset]")
    reset = first.wait(lambda f: f["type"] == "poll" and f["status"] == "ready", start)
    assert reset["voters"] == 0, reset
    wait_js(speaker, "(s) => document.querySelector(s)?.dataset.status === 'ready'", control)
    # A reset poll stays closed while the speaker stands on its slide.
    assert [m["action"] for m in sent(speaker, "poll")] == ["open", "reveal", "close", "reset"]


def test_reactions_and_presence_in_the_speaker_view(
    server: ServerProcess, pages: Pages, audiences: Callable[..., Audience]
) -> None:
    speaker = pages.presenter(server)
    browsing = audiences()
    audiences()
    wait_text(speaker, "#presence", "2 watching · 0 browsing")
    browsing.send({"type": "mode", "following": False})
    wait_text(speaker, "#presence", "2 watching · 1 browsing")
    assert speaker.inner_text("#audience-count").strip() == "2"

    for _ in range(3):
        browsing.send({"type": "react", "emoji": "👍"})
    browsing.send({"type": "react", "emoji": "👏"})
    tally = "#reaction-tally .reaction[data-emoji='👍'] .reaction-count"
    wait_js(speaker, "(s) => document.querySelector(s)?.textContent === '3'", tally)
    assert speaker.locator("#reaction-tally").is_visible()
    wait_text(speaker, "#reaction-tally .reaction[data-emoji='👏'] .reaction-count", "1")


def test_the_remote_lists_the_top_questions_and_answers_one(
    server: ServerProcess, pages: Pages, audiences: Callable[..., Audience]
) -> None:
    speaker, asker, voter = questions_open(server, pages, audiences)
    remote = pages.remote(server)
    low = asker.ask("Fewer votes", "m1")
    top = asker.ask("More votes", "m2")
    voter.send({"type": "upvote", "id": top["id"], "on": True})

    remote.click("#qa-toggle")
    assert remote.locator("#remote-qa").is_visible()
    assert remote.locator("#notes").is_hidden()
    wait_order(remote, "#remote-qa .qa-question", [top["id"], low["id"]])
    assert remote.inner_text(row(remote, top["id"], "#remote-qa") + " .qa-text") == "More votes"

    start = len(voter.frames)
    remote.click(row(remote, top["id"], "#remote-qa") + " [data-action=answer]")
    voter.wait(lambda f: carries(f, top["id"], answered=True), start)
    wait_row(remote, top["id"], "!!r.querySelector('[data-action=unanswer]')", within="#remote-qa")
    # The speaker view agrees.
    wait_row(speaker, top["id"], "r.classList.contains('answered')")

    # Hide from the phone: gone from the audience.
    start = len(voter.frames)
    remote.click(row(remote, low["id"], "#remote-qa") + " [data-action=hide]")
    voter.wait(lambda f: f["type"] == "questions" and low["id"] in f.get("removed", []), start)

    # Back to the notes with the same button.
    remote.click("#qa-toggle")
    assert remote.locator("#notes").is_visible()


def test_the_remote_runs_the_poll_of_its_slide(
    server: ServerProcess, pages: Pages, audiences: Callable[..., Audience]
) -> None:
    remote = pages.remote(server, "poll")
    audience = audiences("poll")
    assert remote.locator("#poll-controls").is_hidden()
    remote.click("#next")
    wait_indices(remote, 1, 0, expr=CURRENT)
    control = "#poll-controls .poll-control[data-poll='colour']"
    wait_js(remote, "(s) => !!document.querySelector(s)", control)
    assert remote.locator("#poll-controls").is_visible()
    # Reaching the slide opened the poll (the server opens a poll never opened).
    audience.wait(lambda f: f["type"] == "poll" and f["status"] == "open")
    wait_js(remote, "(s) => document.querySelector(s)?.dataset.status === 'open'", control)
    assert remote.locator(control + " [data-poll-action=open]").is_hidden()
    start = len(audience.frames)
    remote.click(control + " [data-poll-action=close]")
    audience.wait(lambda f: f["type"] == "poll" and f["status"] == "closed", start)
    wait_js(remote, "(s) => document.querySelector(s)?.dataset.status === 'closed'", control)
    start = len(audience.frames)
    remote.click(control + " [data-poll-action=open]")
    audience.wait(lambda f: f["type"] == "poll" and f["status"] == "open", start)
    start = len(audience.frames)
    remote.click(control + " [data-poll-action=reveal]")
    revealed = audience.wait(lambda f: f["type"] == "poll" and f["revealed"] is True, start)
    assert revealed["counts"] == [0, 0, 0], revealed
    shown(remote, control + " [data-poll-action=conceal]")
    # Resetting a poll is left to the speaker view.
    assert remote.locator(control + " [data-poll-action=reset]").count() == 0
    assert [m["action"] for m in sent(remote, "poll")] == ["close", "open", "reveal"]


def test_interaction_off_shows_none_of_it(server: ServerProcess, pages: Pages) -> None:
    speaker = pages.presenter(server, "quiet")
    for selector in ("#qa-panel", "#poll-controls", "#reaction-tally", "#tab-qa"):
        assert speaker.locator(selector).count() == 0, selector
    assert speaker.locator("#notes").is_visible()
    remote = pages.remote(server, "quiet")
    for selector in ("#remote-qa", "#qa-toggle", "#poll-controls"):
        assert remote.locator(selector).count() == 0, selector


def test_after_a_restart_the_speaker_view_has_the_questions_once(
    deployment: Deployment, server: ServerProcess, pages: Pages
) -> None:
    speaker = pages.presenter(server)
    asker = Audience(server, "md")
    try:
        asked = asker.ask("Still there after a restart?", "k1")
    finally:
        asker.close()
    open_questions(speaker)
    wait_row(speaker, asked["id"])
    mark = speaker.evaluate("window.__e2e.statuses.length")
    server.stop()
    restarted = deployment.start(port=server.port)
    wait_js(
        speaker,
        "(m) => { const s = window.__e2e.statuses.slice(m);"
        " return s.includes('offline') && s[s.length - 1] === 'live'; }",
        mark,
        timeout=3 * TIMEOUT_MS,
    )
    # The welcome starts the list afresh and the greeting fills it: one row, not two.
    wait_row(speaker, asked["id"])
    assert speaker.locator("#qa-list .qa-question").count() == 1
    later = Audience(restarted, "md")
    try:
        fresh = later.ask("And a new one?", "k2")
        wait_row(speaker, fresh["id"])
        assert speaker.locator("#qa-list .qa-question").count() == 2
    finally:
        later.close()


def test_a_poll_moved_by_an_edit_is_found_on_its_new_slide(
    deployment: Deployment, server: ServerProcess, pages: Pages
) -> None:
    speaker = pages.presenter(server, "poll")
    wait_text(speaker, "#slide-number", "1 / 3")
    path = Path(deployment.decks) / "poll" / "slides.md"
    moved = POLL_DECK.replace("## Vote now", "## Inserted first\n\n---\n\n## Vote now", 1)
    tmp = path.with_name(".slides.md.saving")
    tmp.write_text(moved, encoding="utf-8")
    tmp.replace(path)
    wait_text(speaker, "#slide-number", "1 / 4")
    speaker.click("#next")
    wait_indices(speaker, 1, 0, expr=CURRENT)
    wait_text(speaker, "#outline button.current", "Inserted first")
    assert speaker.locator("#poll-controls").is_hidden()
    assert sent(speaker, "poll") == []
    speaker.click("#next")
    wait_indices(speaker, 2, 0, expr=CURRENT)
    control = "#poll-controls .poll-control[data-poll='colour']"
    wait_js(speaker, "(s) => document.querySelector(s)?.dataset.status === 'open'", control)
    assert [m["action"] for m in sent(speaker, "poll")] == ["open"]
