"""The pure rules of audience interaction: cleaning, ids, polls, tallies, limits, parsing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from presenter.core import protocol
from presenter.core.decks import markdown_deck
from presenter.core.errors import DeckError, ProtocolError
from presenter.core.htmldeck import render_html_deck
from presenter.core.markdown import render_markdown
from presenter.core.polls import (
    PollSpec,
    PollState,
    PollSyntaxError,
    parse_block,
    parse_choices,
    slug,
    tally,
    unique_ids,
)
from presenter.core.questions import QaSettings, Question, clean_text, question_id
from presenter.core.ratelimit import TokenBucket

# --- cleaning -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  hello  ", "hello"),
        ("a\nb\r\nc\td", "a b  c d"),
        ("bell\x07 and null\x00", "bell and null"),
        ("right\u202eleft", "rightleft"),
        ("isolate\u2066d\u2069", "isolated"),
        ("emoji 👩‍👩‍👧 stays", "emoji 👩‍👩‍👧 stays"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("<b>tags</b> are text", "<b>tags</b> are text"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw, 280, "a question") == clean


def test_clean_text_counts_characters_after_cleaning() -> None:
    assert clean_text("x" * 280 + "\x00\x00", 280, "q") == "x" * 280
    with pytest.raises(ProtocolError) as raised:
        clean_text("x" * 281, 280, "q")
    assert raised.value.code == "too_long"
    with pytest.raises(ProtocolError) as raised:
        clean_text("x" * 100_000, 280, "q")
    assert raised.value.code == "too_long"
    with pytest.raises(ProtocolError) as raised:
        clean_text(None, 280, "q")
    assert raised.value.code == "bad_message"


def test_question_ids_are_the_same_on_a_retry_and_differ_between_voters() -> None:
    assert question_id("va", "r1") == question_id("va", "r1")
    assert question_id("va", "r1") != question_id("vb", "r1")
    assert question_id("va", "r1") != question_id("va", "r2")
    # The separator keeps ("a b", "c") and ("a", "b c") apart.
    assert question_id("va", "bc") != question_id("vab", "c")


# --- questions ----------------------------------------------------------------------


def question(**fields: Any) -> Question:
    values: dict[str, Any] = {
        "id": "q1",
        "text": "Why?",
        "name": "",
        "at": 1,
        "asker": "va",
        "status": "visible",
    }
    values.update(fields)
    return Question(**values)


def test_who_sees_a_question() -> None:
    assert question().visible_to("vb")
    assert question(status="pending").visible_to("va")
    assert not question(status="pending").visible_to("vb")
    assert not question(status="hidden").visible_to("va")


def test_moderation_moves_a_question_between_states() -> None:
    pending = question(status="pending")
    assert pending.moderated("approve").status == "visible"
    assert pending.moderated("hide").status == "hidden"
    assert pending.moderated("hide").moderated("approve").status == "visible"
    assert question().moderated("answer").answered
    assert not question(answered=True).moderated("unanswer").answered
    assert question().moderated("pin") == question()


def test_the_audience_never_sees_the_asker_or_the_status() -> None:
    view = question(asker="vsecret").view(3, presenter=False)
    assert view == {"id": "q1", "text": "Why?", "name": "", "votes": 3, "answered": False, "at": 1}
    assert question().view(0, presenter=True)["status"] == "visible"
    assert "vsecret" not in json.dumps(question(asker="vsecret").view(0, presenter=True))


def test_stored_questions_read_back_and_damaged_ones_do_not() -> None:
    stored = question(status="pending", answered=True, name="Ada").to_json()
    assert Question.from_json(stored) == question(status="pending", answered=True, name="Ada")
    assert Question.from_json({"id": "q"}) is None
    assert Question.from_json({**stored, "status": "deleted"}) is None
    assert Question.from_json({**stored, "at": "soon"}) is None


def test_qa_settings_round_trip_and_defaults() -> None:
    settings = QaSettings(moderated=True, pinned="q1").switched({"showPinned": True})
    assert QaSettings.from_json(settings.to_json()) == settings
    assert QaSettings.from_json({"open": "yes", "pinned": 5}) == QaSettings()
    assert QaSettings.from_json(None) == QaSettings()


# --- polls --------------------------------------------------------------------------


def test_a_poll_block_is_a_question_options_and_settings() -> None:
    spec = parse_block("Best editor?\n- Vim\n- Emacs\n* Nano\nmultiple: true\nhideResults: true\n")
    assert spec == PollSpec("best-editor", "Best editor?", ("Vim", "Emacs", "Nano"), True, True)
    assert parse_block("Q?\n- a\n- b\nid: mine\n").id == "mine"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "- a\n- b\n",  # no question
        "Q?\n- only one\n",
        "Q?\n" + "".join(f"- {n}\n" for n in range(13)),
        "Q?\n- a\n- b\nmultiple: maybe\n",
        "Q?\n- a\n- b\nid: Not An Id\n",
        "Q?\nanother line\n- a\n- b\n",
        "Q?\n- a\n- \n",
    ],
)
def test_a_poll_that_cannot_work_is_an_error(body: str) -> None:
    with pytest.raises(PollSyntaxError):
        parse_block(body)


def test_poll_ids_are_made_unique_in_order() -> None:
    specs = [PollSpec(slug("Why?"), "Why?", ("a", "b")) for _ in range(3)]
    assert [s.id for s in unique_ids(specs)] == ["why", "why-2", "why-3"]
    with pytest.raises(PollSyntaxError):
        unique_ids([PollSpec("x", "Q", ("a", "b")), PollSpec("x", "Q", ("a", "b"))], {"x"})
    assert slug("  !!! ") == "poll"


def test_choices_are_checked_against_the_poll() -> None:
    single = PollSpec("p", "Q", ("a", "b", "c"))
    multiple = PollSpec("p", "Q", ("a", "b", "c"), multiple=True)
    assert parse_choices(single, [2]) == (2,)
    assert parse_choices(single, []) == ()
    assert parse_choices(multiple, [2, 0]) == (0, 2)
    for bad in ([0, 1], [3], [-1], [True], [1.0], ["1"], "1", None, [0, 0]):
        spec = multiple if bad == [0, 0] else single
        with pytest.raises(ProtocolError) as raised:
            parse_choices(spec, bad)
        assert raised.value.code == "bad_message"


def test_poll_state_moves_and_reset_starts_a_new_round() -> None:
    state = PollState().after("open").after("reveal")
    assert (state.status, state.revealed, state.round) == ("open", True, 0)
    closed = state.after("close").after("conceal")
    assert (closed.status, closed.revealed) == ("closed", False)
    assert closed.after("reset") == PollState(round=1)
    assert PollState.from_json(closed.to_json()) == closed
    assert PollState.from_json({"status": "gone"}) == PollState()


def test_tally_counts_each_ballot_once() -> None:
    spec = PollSpec("p", "Q", ("a", "b", "c"), multiple=True)
    assert tally(spec, {"v1": (0, 2), "v2": (2,), "v3": ()}) == [1, 0, 2]


# --- the token bucket ---------------------------------------------------------------


def test_a_bucket_takes_a_burst_then_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(lambda: now[0], rate=5.0, burst=10)
    assert [bucket.take() for _ in range(11)] == [True] * 10 + [False]
    now[0] += 0.2  # one token back
    assert bucket.take() and not bucket.take()
    now[0] += 100.0  # never more than the burst
    assert sum(bucket.take() for _ in range(20)) == 10


# --- parsing messages ---------------------------------------------------------------


def parse(value: dict[str, Any]) -> protocol.ClientMessage:
    return protocol.parse_client_message(json.dumps(value))


def test_interaction_messages_parse() -> None:
    assert parse({"type": "ask", "text": " Hi ", "ref": "r"}) == protocol.AskMessage("Hi", "", "r")
    assert parse({"type": "upvote", "id": "q1", "on": False}) == protocol.UpvoteMessage("q1", False)
    assert parse({"type": "react", "emoji": "❤"}) == protocol.ReactMessage("❤️")
    assert parse({"type": "mode", "following": False}) == protocol.ModeMessage(False)
    assert parse({"type": "poll", "poll": "p", "action": "reveal"}) == protocol.PollMessage(
        "p", "reveal"
    )
    assert parse({"type": "questions", "moderated": True}) == protocol.QuestionsMessage(
        {"moderated": True}
    )


def test_an_error_names_the_message_it_answers() -> None:
    with pytest.raises(ProtocolError) as raised:
        parse({"type": "ask", "text": "", "ref": "r9"})
    assert raised.value.code == "empty"
    assert raised.value.about == {"for": "ask", "ref": "r9"}
    frame = json.loads(protocol.error("empty", "x", raised.value.about).text)
    assert frame == {"type": "error", "code": "empty", "message": "x", "for": "ask", "ref": "r9"}


# --- polls in decks -----------------------------------------------------------------


def test_a_markdown_poll_becomes_an_element_and_keeps_later_lines() -> None:
    text = "# A\n\n```poll\nQ?\n- a\n- b\n```\n\n---\n\n# B\n\n~~~poll\nQ?\n- c\n- d\n~~~\n"
    rendered = render_markdown(text, Path("slides.md"))
    assert [(p.id, p.h, p.v) for p in rendered.polls] == [("q", 0, 0), ("q-2", 1, 0)]
    assert 'data-poll="q"' in rendered.slides_html
    assert 'data-poll="q-2"' in rendered.slides_html
    assert "- a" not in rendered.slides_html
    # Inside another code block a poll is only code.
    code = render_markdown("````md\n```poll\nQ?\n- a\n- b\n```\n````\n", Path("slides.md"))
    assert code.polls == ()


def test_a_broken_poll_is_a_deck_error() -> None:
    with pytest.raises(DeckError) as raised:
        render_markdown("# A\n\n---\n\n```poll\nQ?\n- lonely\n```\n", Path("slides.md"))
    assert "slide 2.1" in str(raised.value)


def test_interaction_can_be_turned_off_in_front_matter() -> None:
    off = markdown_deck("d", Path("d"), "---\ninteraction: false\n---\n# A\n", Path("slides.md"))
    assert off.interaction is False
    with pytest.raises(DeckError):
        markdown_deck("d", Path("d"), "---\ninteraction: maybe\n---\n# A\n", Path("slides.md"))


def test_html_polls_are_read_from_data_poll_markup() -> None:
    page = (
        '<div class="reveal"><div class="slides"><section><h1>Hi</h1></section>'
        "<section><section><h2>V</h2></section><section>"
        '<div data-poll="lunch" data-multiple data-hide-results><p>Lunch &amp; more?</p>'
        "<ul><li>Pizza</li><li>Salad</li></ul></div></section></section></div></div>"
    )
    rendered = render_html_deck(page)
    assert rendered.polls == (
        PollSpec("lunch", "Lunch & more?", ("Pizza", "Salad"), True, True, 1, 1),
    )
    with pytest.raises(PollSyntaxError):
        render_html_deck(
            '<div class="reveal"><div class="slides"><section>'
            "<div data-poll><p>Q?</p></div></section></div></div>"
        )
