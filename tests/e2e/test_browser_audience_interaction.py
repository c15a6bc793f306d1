"""Audience interaction on the audience page: phones ask and upvote questions, vote in
polls drawn on the slides, tap reactions; what strangers typed is shown as typed and
never runs. The presenter is played by a plain WebSocket client signed in with the
token, so every test drives the server exactly as the speaker view would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.interaction_support import (
    Frame,
    FrameSocket,
    poll,
    poll_deck,
    sent,
    serve_with,
    vote_now,
)
from tests.e2e.support import (
    PHONE,
    Deployment,
    Pages,
    wait_indices,
    wait_js,
    wait_text,
)
from tests.helpers import SECRET, ServerProcess

pytestmark = pytest.mark.browser

# Our own deck: a single-choice poll whose results wait for the presenter, a
# multiple-choice poll shown as votes come in, and an option written to look
# like markup (a deck author's text is text too).
TALK_DECK = poll_deck(
    "Talk deck",
    vote_now("<img src=x onerror=window.__xss=1>"),
    "## Pick several\n\n"
    + poll("Which languages?", ["Python", "JavaScript", "Rust"], id="langs", multiple="true"),
    "## Thanks\n",
)

QUIET_DECK = """\
---
title: Quiet deck
interaction: false
revealOptions:
  transition: none
---

# No questions here

---

## A poll anyway

```poll
Tea or coffee?
- Tea
- Coffee
id: drink
```
"""

# Records Content-Security-Policy violations before any script of the page runs.
CSP_RECORDER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""

XSS_PAYLOADS = [
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    '"><svg onload=window.__xss=1>',
    "'><svg/onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    "javascript:window.__xss=1",
    '<a href="javascript:window.__xss=1">click me</a>',
    '<iframe src="javascript:window.__xss=1"></iframe>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "<body onload=window.__xss=1>",
    "<details open ontoggle=window.__xss=1>",
    "<video><source onerror=window.__xss=1></video>",
    "<audio src=x onerror=window.__xss=1>",
    "<input autofocus onfocus=window.__xss=1>",
    "<select autofocus onfocus=window.__xss=1>",
    "<textarea autofocus onfocus=window.__xss=1>",
    "<marquee onstart=window.__xss=1>",
    '<object data="javascript:window.__xss=1">',
    '<embed src="javascript:window.__xss=1">',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "<style>@import 'javascript:window.__xss=1';</style>",
    "<link rel=stylesheet href=x onerror=window.__xss=1>",
    '<meta http-equiv=refresh content="0;url=javascript:window.__xss=1">',
    '<base href="javascript:window.__xss=1//">',
    '<form action="javascript:window.__xss=1"><button>go</button></form>',
    "<isindex action=javascript:window.__xss=1 type=image>",
    '<img src="x" onerror="&#119;indow.__xss=1">',
    "&lt;img src=x onerror=window.__xss=1&gt;",
    "&#60;script&#62;window.__xss=1&#60;/script&#62;",
    "%3Cscript%3Ewindow.__xss=1%3C/script%3E",
    "\\u003cscript\\u003ewindow.__xss=1\\u003c/script\\u003e",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "<IMG SRC=x OnErRoR=window.__xss=1>",
    "<img src=x onerror=\u0061lert(1)>",
    "\uff1cscript\uff1ewindow.__xss=1\uff1c/script\uff1e",
    "\u202egnp.exe <img src=x onerror=window.__xss=1>",
    "zero\u200bwidth <b\u200b>bold</b>",
    "combining a\u0301\u0301\u0301\u0301 <i>i</i>",
    "emoji 👩‍💻🏳️‍🌈 <img src=x onerror=window.__xss=1>",
    "RTL \u05e9\u05dc\u05d5\u05dd <script>1</script>",
    "{{ 7*7 }} ${7*7} <%= 7*7 %> #{7*7}",
    "{% raw %}{{ config }}{% endraw %}",
    "<!-- comment --> <![CDATA[ x ]]>",
    "</textarea><script>window.__xss=1</script>",
    "</li></ol><img src=x onerror=window.__xss=1>",
    "</span></p><svg onload=window.__xss=1>",
    "' OR '1'='1'; DROP TABLE questions; --",
    '"; window.__xss=1; var x="',
    "`${window.__xss=1}`",
    "data:text/html,<script>window.__xss=1</script>",
    "<a href=//evil.example>link</a> &amp; &quot; &#x27;",
    "<template><img src=x onerror=window.__xss=1></template>",
    '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">',
    '<div style="background:url(javascript:window.__xss=1)">css</div>',
    "x" * 270 + "<b>end</b>",
]

XSS_NAMES = [
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    '"><svg onload=window.__xss=1>',
    "javascript:window.__xss=1",
    "\u202eevil <b>name</b>",
    "Ada &amp; <i>Grace</i>",
]


class Presenter(FrameSocket):
    """A presenter's WebSocket: signed in with the token, keeps every frame it got."""

    def __init__(self, server: ServerProcess, deck: str) -> None:
        super().__init__(server.ws(deck))
        start = len(self.frames)
        self.send({"type": "auth", "token": SECRET})
        self.wait(lambda f: f["type"] == "welcome", start)

    def poll(self, poll: str, action: str) -> Frame:
        """Act on a poll; returns the `poll` frame that shows it done."""
        status = {"open": "open", "close": "closed", "reset": "ready"}.get(action)
        start = len(self.frames)
        self.send({"type": "poll", "poll": poll, "action": action})
        return self.wait(
            lambda f: (
                (
                    f["type"] == "poll"
                    and f["poll"] == poll
                    and (status is None or f["status"] == status)
                    and (action != "reveal" or f.get("revealed") is True)
                )
                or (f["type"] == "error" and f.get("poll") == poll)
            ),
            start,
        )

    def settings(self, **switches: bool) -> Frame:
        """Set Q&A switches; returns the `qa` frame that says they are set."""
        start = len(self.frames)
        self.send({"type": "questions", **switches})
        return self.wait(
            lambda f: f["type"] == "qa" and all(f.get(k) == v for k, v in switches.items()), start
        )

    def moderate(self, qid: str, action: str) -> None:
        self.send({"type": "moderate", "id": qid, "action": action})

    def go(self, h: int) -> None:
        state = {"indexh": h, "indexv": 0, "indexf": None, "paused": False, "overview": False}
        self.send({"type": "state", "state": state})


class Socket(FrameSocket):
    """A bare audience socket (a voter of its own) to ask questions quickly."""

    def __init__(self, server: ServerProcess, deck: str) -> None:
        super().__init__(server.ws(deck) + "?as=audience")

    def ask_all(self, asks: list[Frame]) -> list[Frame]:
        """Send every ask, then collect the stored questions (in the order sent)."""
        start = len(self.frames)
        for msg in asks:
            self.send(msg)
        stored: list[Frame] = []
        for msg in asks:
            answer = self.wait(
                lambda f, ref=msg["ref"]: (
                    (f["type"] == "asked" and f["ref"] == ref)
                    or (f["type"] == "error" and f.get("for") == "ask")
                ),
                start,
            )
            assert answer["type"] == "asked", f"ask refused: {answer}"
            stored.append(answer["question"])
        return stored

    def react(self, emoji: str, times: int) -> None:
        for _ in range(times):
            self.send({"type": "react", "emoji": emoji})


@pytest.fixture
def server(deployment: Deployment) -> ServerProcess:
    """The test decks plus ours (``talk``, ``quiet``, ``handpoll``), served."""
    return serve_with(
        deployment,
        {
            "talk/slides.md": TALK_DECK,
            "quiet/slides.md": QUIET_DECK,
            "handpoll/index.html": HTML_POLL_DECK,
        },
    )


@pytest.fixture
def presenter(server: ServerProcess) -> Iterator[Presenter]:
    found = Presenter(server, "talk")
    try:
        yield found
    finally:
        found.close()


def phone(pages: Pages, server: ServerProcess, deck: str = "talk") -> Page:
    """An audience page on a 390x844 phone, live, with a CSP violation recorder."""
    opened = pages.new(f"phone {deck} {len(pages.opened)}", PHONE, mobile=True)
    opened.context.add_init_script(CSP_RECORDER)
    opened.page.goto(f"{server.base}/decks/{deck}/")
    wait_js(opened.page, "window.presenterLive && window.presenterLive.following")
    wait_js(
        opened.page, "document.getElementById('presenter-connection').dataset.status === 'live'"
    )
    return opened.page


def console_of(pages: Pages, page: Page) -> list[str]:
    return next(o.console for o in pages.opened if o.page is page)


def open_panel(page: Page) -> None:
    page.click("#presenter-qa-button")
    assert page.locator("#presenter-qa-panel").is_visible()


def question_row(qid: str) -> str:
    return f"#presenter-qa-panel .presenter-question[data-id='{qid}']"


def wait_votes(page: Page, qid: str, votes: int) -> None:
    wait_js(
        page,
        """([s, n]) => {
          const el = document.querySelector(s + ' .presenter-question-votes');
          return !!el && el.textContent === String(n);
        }""",
        [question_row(qid), votes],
    )


def poll_selector(poll: str) -> str:
    return f".reveal .slides .presenter-poll[data-poll='{poll}']"


def poll_state(page: Page, poll: str) -> Frame:
    """What the poll widget shows: status text, options (label, enabled, pressed), bars."""
    return page.evaluate(  # type: ignore[no-any-return]
        """(s) => {
          const box = document.querySelector(s);
          if (!box) return null;
          return {
            status: box.dataset.status,
            text: box.querySelector('.presenter-poll-status').textContent,
            question: box.querySelector('.presenter-poll-question').textContent,
            options: [...box.querySelectorAll('button.presenter-poll-option')].map((b) => ({
              index: Number(b.dataset.index),
              label: b.querySelector('.presenter-poll-option-label').textContent,
              enabled: !b.disabled,
              pressed: b.getAttribute('aria-pressed') === 'true',
            })),
            counts: [...box.querySelectorAll('.presenter-poll-bar')]
              .map((b) => Number(b.dataset.count)),
          };
        }""",
        poll_selector(poll),
    )


def wait_poll(page: Page, poll: str, check: str) -> Frame:
    """Wait until ``check`` (JS over ``p``, the poll_state) holds; returns the state."""
    wait_js(
        page,
        f"""([s]) => {{
          const box = document.querySelector(s);
          if (!box || !box.querySelector('.presenter-poll-status')) return false;
          const p = {{
            status: box.dataset.status,
            text: box.querySelector('.presenter-poll-status').textContent,
            enabled: [...box.querySelectorAll('button.presenter-poll-option')]
              .map((b) => !b.disabled),
            pressed: [...box.querySelectorAll('button.presenter-poll-option')]
              .map((b) => b.getAttribute('aria-pressed') === 'true'),
            counts: [...box.querySelectorAll('.presenter-poll-bar')]
              .map((b) => Number(b.dataset.count)),
          }};
          return {check};
        }}""",
        [poll_selector(poll)],
    )
    return poll_state(page, poll)


def phone_on_open_poll(pages: Pages, server: ServerProcess, presenter: Presenter) -> Page:
    """A phone that joins once the presenter reached the ``colour`` poll's slide (it is open)."""
    presenter.go(1)
    presenter.wait(
        lambda f: f["type"] == "poll" and f["poll"] == "colour" and f["status"] == "open"
    )
    page = phone(pages, server)
    wait_poll(page, "colour", "p.status === 'open'")
    return page


def test_two_phones_ask_see_and_upvote_each_others_questions(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    ada = phone(pages, server)
    bob = phone(pages, server)
    # After welcome the page says it follows (a new socket counts as following anyway).
    wait_js(ada, "window.__e2e.sent.some((s) => JSON.parse(s).type === 'mode')")
    assert sent(ada, "mode")[0] == {"type": "mode", "following": True}

    open_panel(ada)
    ada.fill("#presenter-qa-name", "Ada")
    ada.fill("#presenter-qa-text", "  How does it\nscale?  ")
    assert ada.text_content(".presenter-qa-counter") == "18/280"
    ada.click("#presenter-qa-submit")
    wait_js(
        ada, "document.querySelectorAll('#presenter-qa-panel .presenter-question').length === 1"
    )
    qid = ada.get_attribute("#presenter-qa-panel .presenter-question", "data-id")
    assert qid
    row = question_row(qid)
    assert ada.text_content(f"{row} .presenter-question-text") == "How does it scale?"
    assert ada.text_content(f"{row} .presenter-question-name") == "Ada"
    assert ada.locator(f"{row} .presenter-badge.yours").count() == 1
    # The form is emptied once the server has it; the name is remembered.
    wait_js(ada, "document.getElementById('presenter-qa-text').value === ''")
    assert ada.evaluate("localStorage.getItem('presenter-qa-name')") == "Ada"
    asks = sent(ada, "ask")
    assert len(asks) == 1
    assert asks[0]["name"] == "Ada" and asks[0]["text"] == "How does it scale?"
    assert 1 <= len(asks[0]["ref"]) <= 40

    # Bob's button counts the question before he opens the panel.
    wait_text(bob, "#presenter-qa-button .presenter-qa-count", "1")
    open_panel(bob)
    wait_text(bob, f"{row} .presenter-question-text", "How does it scale?")
    assert bob.text_content(f"{row} .presenter-question-name") == "Ada"
    assert bob.locator(f"{row} .presenter-badge.yours").count() == 0

    bob.click(f"{row} .presenter-upvote")
    wait_votes(bob, qid, 1)
    wait_votes(ada, qid, 1)
    wait_js(
        bob,
        "(s) => document.querySelector(s).getAttribute('aria-pressed') === 'true'",
        f"{row} .presenter-upvote",
    )
    assert ada.get_attribute(f"{row} .presenter-upvote", "aria-pressed") == "false"
    # A second tap withdraws the upvote, on both phones.
    bob.click(f"{row} .presenter-upvote")
    wait_votes(bob, qid, 0)
    wait_votes(ada, qid, 0)
    assert sent(bob, "upvote") == [
        {"type": "upvote", "id": qid, "on": True},
        {"type": "upvote", "id": qid, "on": False},
    ]

    # Bob asks without a name (Enter sends). With Bob's upvote back on Ada's question,
    # hers leads the top list and his the newest.
    bob.fill("#presenter-qa-name", "")
    bob.fill("#presenter-qa-text", "Is it open source?")
    bob.press("#presenter-qa-text", "Enter")
    wait_js(
        ada, "document.querySelectorAll('#presenter-qa-panel .presenter-question').length === 2"
    )
    second = bob.evaluate(
        "(id) => [...document.querySelectorAll('.presenter-question')].map((q) => q.dataset.id)"
        ".find((x) => x !== id)",
        qid,
    )
    assert "name" not in sent(bob, "ask")[0]
    assert ada.text_content(f"{question_row(second)} .presenter-question-name") == "Anonymous"
    bob.click(f"{row} .presenter-upvote")
    wait_votes(ada, qid, 1)
    order = (
        "() => [...document.querySelectorAll('#presenter-qa-panel .presenter-question')]"
        ".map((q) => q.dataset.id).join()"
    )
    wait_js(ada, f"({order})() === {json.dumps(qid + ',' + second)}")
    ada.click("#presenter-qa-panel [data-sort='new']")
    wait_js(ada, f"({order})() === {json.dumps(second + ',' + qid)}")
    assert ada.get_attribute("#presenter-qa-panel [data-sort='new']", "aria-pressed") == "true"
    # An answered mark shows on both phones.
    presenter.moderate(qid, "answer")
    wait_js(ada, "(s) => !!document.querySelector(s)", f"{row}.answered .presenter-badge.answered")
    wait_js(bob, "(s) => !!document.querySelector(s)", f"{row}.answered .presenter-badge.answered")


def test_the_ask_form_counts_refuses_and_closes(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    page = phone(pages, server)
    open_panel(page)
    page.fill("#presenter-qa-text", "é" * 280)
    assert page.text_content(".presenter-qa-counter") == "280/280"
    assert page.is_enabled("#presenter-qa-submit")
    page.fill("#presenter-qa-text", "😀" * 281)
    assert page.text_content(".presenter-qa-counter") == "281/280"
    assert page.locator(".presenter-qa-counter.over").count() == 1
    assert page.is_disabled("#presenter-qa-submit")
    page.fill("#presenter-qa-text", "   ")
    assert page.is_disabled("#presenter-qa-submit")
    page.fill("#presenter-qa-text", "Fine question")
    page.fill("#presenter-qa-name", "n" * 41)
    assert page.is_disabled("#presenter-qa-submit")
    page.fill("#presenter-qa-name", "n" * 40)
    assert page.is_enabled("#presenter-qa-submit")

    presenter.settings(open=False)
    wait_js(page, "document.getElementById('presenter-qa-text').disabled")
    assert page.is_visible(".presenter-qa-closed")
    assert page.text_content(".presenter-qa-closed") == "Questions are closed"
    assert page.is_disabled("#presenter-qa-submit")
    # Whatever gets through anyway (another tab, say) is answered, and the panel says so.
    page.evaluate("presenterLive.connection.send({type: 'ask', text: 'sneaky', ref: 'sneak1'})")
    wait_text(page, ".presenter-qa-error", "Questions are closed")

    presenter.settings(open=True)
    wait_js(page, "!document.getElementById('presenter-qa-text').disabled")
    assert page.is_hidden(".presenter-qa-closed")
    page.click("#presenter-qa-submit")
    wait_text(page, "#presenter-qa-panel .presenter-question-text", "Fine question")


def test_a_question_awaiting_approval_shows_only_to_its_author_until_approved(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    presenter.settings(moderated=True)
    ada = phone(pages, server)
    bob = phone(pages, server)
    open_panel(ada)
    open_panel(bob)
    ada.fill("#presenter-qa-text", "Moderate me")
    ada.click("#presenter-qa-submit")
    wait_text(ada, "#presenter-qa-panel .presenter-badge.awaiting", "Awaiting approval")
    wait_text(ada, ".presenter-qa-note", "approves")
    qid = ada.get_attribute("#presenter-qa-panel .presenter-question", "data-id")
    assert ada.is_disabled(f"{question_row(qid)} .presenter-upvote")
    presenter.wait(
        lambda f: f["type"] == "questions" and any(q["id"] == qid for q in f["questions"])
    )
    assert bob.locator(".presenter-question").count() == 0

    presenter.moderate(qid, "approve")
    wait_text(bob, f"{question_row(qid)} .presenter-question-text", "Moderate me")
    wait_js(
        ada, "(s) => !document.querySelector(s)", f"{question_row(qid)} .presenter-badge.awaiting"
    )


def test_polls_on_slides_open_vote_reveal_and_close(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    ada = phone(pages, server)
    bob = phone(pages, server)
    # Browsing ahead of the presenter, the phones see the poll not yet open.
    for page in (ada, bob):
        page.evaluate("Reveal.slide(1)")
        state = wait_poll(page, "colour", "p.status === 'ready'")
        assert state["question"] == "Which colour?"
        # The deck author's markup-looking option is text too.
        assert [o["label"] for o in state["options"]] == [
            "Red",
            "Green",
            "<img src=x onerror=window.__xss=1>",
        ]
        assert state["text"] == "Poll opens soon"
        assert not any(o["enabled"] for o in state["options"])

    # The presenter reaching its slide opens it; the phones go back to live.
    presenter.go(1)
    for page in (ada, bob):
        wait_poll(page, "colour", "p.status === 'open' && p.enabled.every(Boolean)")
        page.click("#back-to-live")
        wait_js(page, "presenterLive.following")
    # Ada votes with the keyboard: Space presses the option, and reveal.js does not step.
    ada.focus(f"{poll_selector('colour')} button.presenter-poll-option[data-index='1']")
    ada.keyboard.press(" ")
    bob.click(f"{poll_selector('colour')} button.presenter-poll-option[data-index='2']")
    wait_poll(
        ada,
        "colour",
        "p.pressed.join() === 'false,true,false' && p.text.startsWith('Your vote is in')",
    )
    wait_poll(bob, "colour", "p.pressed.join() === 'false,false,true'")
    assert ada.evaluate("presenterLive.following") is True
    assert ada.evaluate("Reveal.getIndices().h") == 1
    # Results are hidden from the audience until revealed: no bars, but the voters.
    wait_poll(ada, "colour", "p.text.includes('2 voters') && p.counts.length === 0")
    assert "results later" in poll_state(ada, "colour")["text"]
    assert sent(ada, "vote") == [{"type": "vote", "poll": "colour", "choices": [1]}]

    # Ada changes her mind; it replaces her vote.
    ada.click(f"{poll_selector('colour')} button.presenter-poll-option[data-index='0']")
    wait_poll(ada, "colour", "p.pressed.join() === 'true,false,false'")

    presenter.poll("colour", "reveal")
    for page in (ada, bob):
        wait_poll(page, "colour", "p.counts.join() === '1,0,1'")
    presenter.poll("colour", "close")
    for page in (ada, bob):
        state = wait_poll(page, "colour", "p.status === 'closed'")
        assert not any(o["enabled"] for o in state["options"])
        assert state["counts"] == [1, 0, 1]
        assert state["text"].startswith("Poll closed")
    assert ada.evaluate("window.__xss") is None
    # A reset drops every vote: no choice marked any more, no counts.
    presenter.poll("colour", "reset")
    for page in (ada, bob):
        wait_poll(page, "colour", "p.pressed.every((x) => !x) && p.counts.length === 0")

    # A multiple-choice poll shows results as they come in.
    presenter.go(2)
    wait_indices(ada, 2)
    wait_poll(ada, "langs", "p.status === 'open'")
    ada.click(f"{poll_selector('langs')} button.presenter-poll-option[data-index='0']")
    wait_poll(ada, "langs", "p.counts.join() === '1,0,0'")
    ada.click(f"{poll_selector('langs')} button.presenter-poll-option[data-index='2']")
    wait_poll(ada, "langs", "p.counts.join() === '1,0,1' && p.pressed.join() === 'true,false,true'")
    wait_indices(bob, 2)
    bob.click(f"{poll_selector('langs')} button.presenter-poll-option[data-index='2']")
    for page in (ada, bob):
        wait_poll(page, "langs", "p.counts.join() === '1,0,2' && p.text.includes('2 voters')")
    # Taking back the last choice withdraws the vote.
    bob.click(f"{poll_selector('langs')} button.presenter-poll-option[data-index='2']")
    wait_poll(ada, "langs", "p.counts.join() === '1,0,1'")
    assert sent(bob, "vote")[-1] == {"type": "vote", "poll": "langs", "choices": []}


def test_a_reopened_page_shows_its_own_vote(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    page = phone_on_open_poll(pages, server, presenter)
    page.click(f"{poll_selector('colour')} button.presenter-poll-option[data-index='1']")
    wait_poll(page, "colour", "p.text.startsWith('Your vote is in')")
    page.reload()
    wait_js(page, "window.presenterLive && window.presenterLive.following")
    # The voter cookie makes the reloaded page the same voter, with its choice.
    wait_poll(page, "colour", "p.status === 'open' && p.pressed.join() === 'false,true,false'")


def test_what_the_audience_types_is_shown_as_typed_and_never_runs(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    viewer = phone(pages, server)
    asker = phone(pages, server)
    asks = [
        {
            "type": "ask",
            "text": text,
            "ref": f"x{i}",
            **({"name": XSS_NAMES[i % len(XSS_NAMES)]} if i % 3 == 0 else {}),
        }
        for i, text in enumerate(XSS_PAYLOADS)
    ]
    assert len(asks) >= 50
    # Several sockets, each within the server's burst, so none is rate limited.
    stored: list[Frame] = []
    for start in range(0, len(asks), 8):
        socket = Socket(server, "talk")
        try:
            stored += socket.ask_all(asks[start : start + 8])
        finally:
            socket.close()
    # And two through the page's own form, with markup-looking names.
    open_panel(asker)
    for text, name in (
        ("<img src=x onerror=window.__xss=1> via the form", "<script>window.__xss=1</script>"),
        ('"><svg onload=window.__xss=1> again', "\u202eemaN"),
    ):
        asker.fill("#presenter-qa-name", name)
        asker.fill("#presenter-qa-text", text)
        asker.click("#presenter-qa-submit")
        wait_js(asker, "document.getElementById('presenter-qa-text').value === ''")
    total = len(stored) + 2

    open_panel(viewer)
    wait_js(viewer, f"document.querySelectorAll('.presenter-question').length === {total}")
    shown = viewer.evaluate(
        """() => Object.fromEntries(
          [...document.querySelectorAll('.presenter-question')].map((q) => [
          q.dataset.id,
          [q.querySelector('.presenter-question-text').textContent,
           q.querySelector('.presenter-question-name').textContent],
        ]))"""
    )
    for question in stored:
        text, name = shown[question["id"]]
        assert text == question["text"]
        assert name == (question.get("name") or "Anonymous")
    form_texts = {text for text, _ in shown.values()}
    assert "<img src=x onerror=window.__xss=1> via the form" in form_texts
    assert "<script>window.__xss=1</script>" in {name for _, name in shown.values()}

    # A pinned payload shows over the slide as text too.
    payload = next(q for q in stored if q["text"] == '"><svg onload=window.__xss=1>')
    presenter.settings(showPinned=True)
    presenter.moderate(payload["id"], "pin")
    for page in (viewer, asker):
        wait_text(page, "#presenter-pinned .presenter-pinned-text", '"><svg onload=window.__xss=1>')
        assert page.is_visible("#presenter-pinned")

    for page in (viewer, asker):
        # Nothing the audience wrote became an element.
        assert (
            page.evaluate(
                """() => document.querySelectorAll(
              '#presenter-qa-panel img, #presenter-qa-panel script, #presenter-qa-panel svg, '
              + '#presenter-qa-panel iframe, #presenter-qa-panel a, #presenter-qa-panel b, '
              + '#presenter-qa-panel i, #presenter-pinned *:not(span)').length"""
            )
            == 0
        )
        assert page.evaluate("window.__xss") is None
        assert page.evaluate("window.__csp") == []
        csp = [line for line in console_of(pages, page) if "Content Security Policy" in line]
        assert csp == []

    presenter.moderate(payload["id"], "unpin")
    wait_js(viewer, "document.getElementById('presenter-pinned').hidden")


def test_reactions_reach_the_presenter_and_float_only_while_shown(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    page = phone(pages, server)
    emojis = page.evaluate(
        "[...document.querySelectorAll('#presenter-reactions button[data-emoji]')]"
        ".map((b) => b.dataset.emoji)"
    )
    assert emojis == ["👍", "👏", "😂", "😮", "❤️", "❓"]

    start = len(presenter.frames)
    page.click("#presenter-reactions button[data-emoji='👏']")
    presenter.wait(lambda f: f["type"] == "reactions" and f["counts"].get("👏", 0) >= 1, start)
    assert page.locator(".presenter-float").count() == 0

    presenter.settings(showReactions=True)
    wait_js(page, "!document.querySelector('.presenter-floats').hidden")
    # Twenty taps at once: the page sends only what its own bucket allows.
    before = len(sent(page, "react"))
    page.evaluate(
        """() => { const b = document.querySelector("#presenter-reactions button[data-emoji='👍']");
                   for (let i = 0; i < 20; i += 1) b.click(); }"""
    )
    wait_js(page, "document.querySelectorAll('.presenter-float').length > 0")
    taps = len(sent(page, "react")) - before
    assert 1 <= taps <= 6

    # Many people tapping: a few elements stand for them, never more than 30.
    sockets = [Socket(server, "talk") for _ in range(5)]
    try:
        for socket, emoji in zip(sockets, ["👍", "👏", "😂", "😮", "❤️"], strict=True):
            socket.react(emoji, 10)
        wait_js(page, "document.querySelector('.presenter-float-count') !== null")
        peak = page.evaluate(
            """() => new Promise((resolve) => {
              let most = 0;
              const started = performance.now();
              const look = () => {
                most = Math.max(most, document.querySelectorAll('.presenter-float').length);
                if (performance.now() - started > 1500) resolve(most);
                else requestAnimationFrame(look);
              };
              look();
            })"""
        )
        assert 1 <= peak <= 30
    finally:
        for socket in sockets:
            socket.close()

    presenter.settings(showReactions=False)
    wait_js(page, "document.querySelectorAll('.presenter-float').length === 0")


def test_leaving_and_returning_to_live_is_reported(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    page = phone(pages, server)
    wait_js(page, "window.__e2e.sent.some((s) => JSON.parse(s).type === 'mode')")
    start = len(presenter.frames)
    page.evaluate("Reveal.next()")
    wait_js(page, "!presenterLive.following")
    wait_js(page, "window.__e2e.sent.map(JSON.parse).filter((m) => m.type === 'mode').length === 2")
    assert sent(page, "mode")[-1] == {"type": "mode", "following": False}
    presenter.wait(lambda f: f["type"] == "presence" and f.get("browsing") == 1, start)
    page.click("#back-to-live")
    wait_js(page, "window.__e2e.sent.map(JSON.parse).filter((m) => m.type === 'mode').length === 3")
    assert sent(page, "mode")[-1] == {"type": "mode", "following": True}
    presenter.wait(lambda f: f["type"] == "presence" and f.get("browsing") == 0, start)


def test_polls_are_drawn_again_after_a_live_reload(
    server: ServerProcess, deployment: Deployment, pages: Pages, presenter: Presenter
) -> None:
    page = phone_on_open_poll(pages, server, presenter)
    deck = Path(deployment.decks) / "talk" / "slides.md"
    deck.write_text(TALK_DECK.replace("## Vote now", "## Vote now, edited"), encoding="utf-8")
    wait_text(page, ".reveal .slides section.present h2", "Vote now, edited")
    wait_poll(page, "colour", "p.status === 'open' && p.enabled.every(Boolean)")
    page.click(f"{poll_selector('colour')} button.presenter-poll-option[data-index='0']")
    wait_poll(page, "colour", "p.pressed.join() === 'true,false,false'")


def test_a_deck_without_interaction_has_no_controls_but_shows_its_polls(
    server: ServerProcess, pages: Pages
) -> None:
    page = phone(pages, server, "quiet")
    assert page.locator("#presenter-qa-button").count() == 0
    assert page.locator("#presenter-qa-panel").count() == 0
    assert page.locator("#presenter-reactions").count() == 0
    assert page.locator("#presenter-pinned").count() == 0
    page.evaluate("Reveal.slide(1)")
    state = wait_poll(page, "drink", "p.enabled.length === 2")
    assert state["question"] == "Tea or coffee?"
    assert [o["label"] for o in state["options"]] == ["Tea", "Coffee"]
    assert not any(o["enabled"] for o in state["options"])
    assert sent(page, "mode") == []


def test_the_speaker_views_frames_show_polls_display_only(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    opened = pages.new("embed")
    page = opened.page
    page.goto(f"{server.base}/decks/talk/?view=embed")
    wait_js(page, "window.presenterReady && window.presenterPolls")
    page.evaluate("presenterReady.then((R) => R.slide(1))")
    wait_poll(page, "colour", "p.enabled.length === 3")
    assert page.locator("#presenter-qa-button").count() == 0
    frame = {
        "type": "poll",
        "poll": "colour",
        "status": "open",
        "revealed": False,
        "question": "Which colour?",
        "options": ["Red", "Green", "Blue"],
        "multiple": False,
        "hideResults": True,
        "counts": [3, 1, 0],
        "voters": 4,
    }
    page.evaluate("(f) => presenterPolls.update(f)", frame)
    state = wait_poll(page, "colour", "p.counts.join() === '3,1,0'")
    assert not any(o["enabled"] for o in state["options"])
    assert state["text"] == "Voting is open · 4 voters"
    percents = page.evaluate(
        "(s) => [...document.querySelectorAll(s + ' .presenter-poll-bar')]"
        ".map((b) => b.dataset.percent)",
        poll_selector("colour"),
    )
    assert percents == ["75", "25", "0"]


def test_a_question_asked_offline_goes_out_after_reconnecting(
    server: ServerProcess, deployment: Deployment, pages: Pages
) -> None:
    page = phone(pages, server)
    open_panel(page)
    server.stop()
    wait_js(page, "document.getElementById('presenter-connection').dataset.status !== 'live'")
    page.fill("#presenter-qa-text", "Asked in a tunnel")
    page.click("#presenter-qa-submit")
    wait_text(page, ".presenter-qa-note", "Offline")
    assert page.is_disabled("#presenter-qa-submit")

    deployment.start(port=server.port)
    wait_text(page, "#presenter-qa-panel .presenter-question-text", "Asked in a tunnel")
    wait_js(page, "document.getElementById('presenter-qa-text').value === ''")
    assert page.is_hidden(".presenter-qa-note")
    assert page.locator("#presenter-qa-panel .presenter-question").count() == 1
    assert [a["text"] for a in sent(page, "ask")] == ["Asked in a tunnel"]


def test_a_refused_question_is_retried_with_the_same_ref(
    server: ServerProcess, pages: Pages, presenter: Presenter
) -> None:
    page = phone(pages, server)
    open_panel(page)
    page.fill("#presenter-qa-text", "Not too fast")
    # Empty the socket's bucket (5 a second, bursts of 10), then ask at once.
    page.evaluate(
        """() => {
          const tap = {type: 'react', emoji: '👍'};
          for (let i = 0; i < 11; i += 1) presenterLive.connection.send(tap);
          document.getElementById('presenter-qa-submit').click();
        }"""
    )
    wait_text(page, ".presenter-qa-error", "Slow down")
    assert page.input_value("#presenter-qa-text") == "Not too fast"
    # Asking again (once the bucket has a token) sends the same ref: one question.
    clicked = """() => {
      const button = document.getElementById('presenter-qa-submit');
      if (!button.disabled) button.click();
      return document.querySelectorAll('#presenter-qa-panel .presenter-question').length > 0;
    }"""
    wait_js(page, clicked)
    refs = {a["ref"] for a in sent(page, "ask")}
    assert len(sent(page, "ask")) >= 2
    assert len(refs) == 1
    wait_js(page, "document.getElementById('presenter-qa-text').value === ''")
    presenter.wait(
        lambda f: (
            f["type"] == "questions"
            and any(q["text"] == "Not too fast" for q in f.get("questions", []))
        )
    )
    ids = {
        q["id"]
        for f in presenter.frames
        if f["type"] == "questions"
        for q in f.get("questions", [])
        if q["text"] == "Not too fast"
    }
    assert len(ids) == 1


HTML_POLL_DECK = """\
<!doctype html>
<html>
<head><title>HTML poll</title><link rel="stylesheet" href="dist/reveal.css"></head>
<body>
  <div class="reveal"><div class="slides">
    <section><h2>Pick</h2>
      <div data-poll="which-colour" data-multiple>
        <p>Which colours?</p>
        <ul><li>Red</li><li>Green</li><li>Blue</li></ul>
      </div>
    </section>
  </div></div>
  <script src="dist/reveal.js"></script>
  <script>Reveal.initialize({ transition: 'none' });</script>
</body>
</html>
"""


def test_an_html_decks_poll_is_drawn_from_its_element_and_takes_votes(
    server: ServerProcess, pages: Pages
) -> None:
    presenter = Presenter(server, "handpoll")
    try:
        page = phone(pages, server, "handpoll")
        state = wait_poll(page, "which-colour", "p.enabled.length === 3")
        assert state["question"] == "Which colours?"
        assert [o["label"] for o in state["options"]] == ["Red", "Green", "Blue"]
        # The author's list is drawn over, not shown twice.
        assert page.locator(f"{poll_selector('which-colour')} ul").count() == 0
        presenter.poll("which-colour", "open")
        wait_poll(page, "which-colour", "p.status === 'open' && p.enabled.every(Boolean)")
        for index in ("0", "2"):
            page.click(
                f"{poll_selector('which-colour')} .presenter-poll-option[data-index='{index}']"
            )
        wait_poll(page, "which-colour", "p.counts.join() === '1,0,1'")
        assert sent(page, "vote")[-1] == {"type": "vote", "poll": "which-colour", "choices": [0, 2]}
    finally:
        presenter.close()


def test_a_welcome_starts_the_page_over_from_what_the_server_has(
    server: ServerProcess, deployment: Deployment, pages: Pages, presenter: Presenter
) -> None:
    page = phone(pages, server)
    open_panel(page)
    page.fill("#presenter-qa-text", "Will this survive?")
    page.click("#presenter-qa-submit")
    wait_text(page, "#presenter-qa-panel .presenter-question-text", "Will this survive?")
    presenter.settings(open=False)
    wait_js(page, "document.getElementById('presenter-qa-text').disabled")
    presenter.close()

    # The same port, but a server that knows nothing of it (another state dir):
    # its welcome and the frames after it are all the page goes by.
    server.stop()
    deployment.state_dir = deployment.state_dir.parent / "elsewhere"
    deployment.start(port=server.port)
    wait_js(
        page, "document.querySelectorAll('#presenter-qa-panel .presenter-question').length === 0"
    )
    wait_js(page, "!document.getElementById('presenter-qa-text').disabled")
    assert page.is_hidden("#presenter-qa-button .presenter-qa-count")
    assert page.is_visible(".presenter-qa-empty")
