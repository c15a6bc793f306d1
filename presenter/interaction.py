"""The audience talks back: questions, upvotes, polls and reactions.

Every change is stored through the backend before it is acknowledged, and
reaches memory the way every process hears it (the backend's item and record
listeners), so one process or several on Redis behave alike. Frames to the
sockets are not sent per vote: changes mark a deck dirty, and at most every
``flush_interval`` seconds the deck's changes go out, one frame per kind.

Stored as items (see :meth:`presenter.backend.Backend.put_item`):

* ``q`` / question id: a question;
* ``up`` / ``"<question id> <voter>"``: an upvote;
* ``vote:<poll>:<round>`` / voter: a ballot ``{"choices": [...]}``.

and as records (the newest value wins, numbered): ``qa`` (the question
switches and the pinned question), ``poll:<poll>`` (a poll's
:class:`~presenter.core.polls.PollState`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from presenter.backend import Backend
from presenter.core import protocol
from presenter.core.decks import Deck
from presenter.core.errors import ProtocolError, Unavailable
from presenter.core.frames import Frame
from presenter.core.polls import PollSpec, PollState, parse_choices, tally
from presenter.core.protocol import Role
from presenter.core.questions import QaSettings, Question, Status, question_id
from presenter.core.session import Event, Item, Record
from presenter.core.state import SlideState
from presenter.hub import Hub

log = logging.getLogger("presenter.interaction")

QA = "qa"
QUESTIONS = "q"
UPVOTES = "up"
MAX_QUESTIONS = 2000  # per deck: a hostile audience cannot fill memory
MAX_QUESTIONS_PER_VOTER = 20
REACTIONS_EVENT = "reactions"
OFF = "questions, polls and reactions are off here"
AUDIENCE_COUNTS = 0.75  # seconds between poll counts sent to the audience, at most


class Member(Protocol):
    """What the interaction layer needs of a live socket."""

    deck: str
    role: Role
    voter: str

    def send(self, frame: Frame) -> None:
        """Send one message to this client; never raises."""


def poll_kind(poll: str) -> str:
    """The record kind holding a poll's state."""
    return f"poll:{poll}"


def ballot_coll(poll: str, round_: int) -> str:
    """The item collection holding a poll's ballots of one round."""
    return f"vote:{poll}:{round_}"


@dataclass
class DeckTalk:
    """What one deck's audience said, as this process last heard it."""

    qa: QaSettings = QaSettings()  # noqa: RUF009 (immutable)
    qa_seq: int = 0
    questions: dict[str, Question] = field(default_factory=dict)
    upvotes: dict[str, set[str]] = field(default_factory=dict)  # question -> voters
    polls: dict[str, PollState] = field(default_factory=dict)
    poll_seqs: dict[str, int] = field(default_factory=dict)
    ballots: dict[tuple[str, int], dict[str, tuple[int, ...]]] = field(default_factory=dict)
    # What the next flush sends.
    dirty_questions: set[str] = field(default_factory=set)
    dirty_polls: set[str] = field(default_factory=set)
    dirty_qa: bool = False
    # Questions the audience was last told about as visible.
    shown: set[str] = field(default_factory=set)
    # Each poll's state the audience was last sent, and when (loop time).
    audience_polls: dict[str, tuple[PollState, float]] = field(default_factory=dict)
    audience_owed: set[str] = field(default_factory=set)  # counts not sent yet
    presenter_rounds: dict[str, int] = field(default_factory=dict)  # as last sent

    def votes(self, question: str) -> int:
        return len(self.upvotes.get(question, ()))

    def ballots_of(self, poll: str) -> dict[str, tuple[int, ...]]:
        state = self.polls.get(poll, PollState())
        return self.ballots.get((poll, state.round), {})


class Interaction:
    """Questions, polls and reactions of every deck this process serves.

    Args:
        backend: where everything is stored and shared (the live state's).
        hub: this process's sockets.
        decks: the deck of an id, as it is served now (``None`` when unknown).
        enabled: ``False`` turns interaction off for every deck (``--no-interaction``).
        flush_interval: seconds between frames of one deck at most.
        clock: wall-clock seconds (a question's time).
    """

    def __init__(
        self,
        backend: Backend,
        hub: Hub,
        decks: Callable[[str], Deck | None],
        enabled: bool = True,
        flush_interval: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._backend = backend
        self._hub = hub
        self._decks = decks
        self._enabled = enabled
        self._interval = flush_interval
        self._clock = clock
        self._talk: dict[str, DeckTalk] = {}
        self._loading: dict[str, asyncio.Future[DeckTalk]] = {}
        self._reading: dict[str, list[Record | Item]] = {}
        self._rereading: dict[str, list[Item]] = {}
        self._due: dict[str, asyncio.TimerHandle] = {}
        self._publish_due: dict[str, asyncio.TimerHandle] = {}
        self._tapped: dict[str, dict[str, int]] = {}  # this process's, to publish
        self._reactions: dict[str, dict[str, int]] = {}  # every process's, to send
        self.origin = f"{id(self):x}-{time.monotonic_ns():x}"

    # --- what the deck allows -----------------------------------------------------

    def enabled(self, deck: str) -> bool:
        """Whether ``deck`` takes questions, votes and reactions."""
        found = self._decks(deck)
        return self._enabled and found is not None and found.interaction

    def specs(self, deck: str) -> dict[str, PollSpec]:
        """The deck's polls by id."""
        found = self._decks(deck)
        return {spec.id: spec for spec in found.polls} if found is not None else {}

    def page_config(self, deck: Deck) -> dict[str, Any]:
        """What pages are told in their config (``interaction``)."""
        return {
            "enabled": self._enabled and deck.interaction,
            "reactions": list(protocol.REACTIONS),
            "polls": [spec.to_json() for spec in deck.polls],
        }

    def deck_reloaded(self, deck: str) -> None:
        """The deck's files changed: its pages get every poll again (they may be new)."""
        talk = self._talk.get(deck)
        if talk is not None and self.enabled(deck):
            for poll in self.specs(deck):
                self._mark(deck, talk, poll=poll)

    async def slide_moved(self, deck: str, before: SlideState, state: SlideState) -> None:
        """The presenter reached a slide: a poll on it that was never opened (or
        was reset) opens. A change on the same slide (a fragment, a blackout) is
        not reaching it, so a poll reset there stays as it is.

        Raises:
            Unavailable: it could not be stored.
        """
        here = (state.indexh, state.indexv)
        if (before.indexh, before.indexv) == here or not self.enabled(deck):
            return
        talk = await self.load(deck)
        for spec in self.specs(deck).values():
            at = (spec.h, spec.v) == (state.indexh, state.indexv)
            if at and talk.polls.get(spec.id, PollState()).status == "ready":
                await self._work_poll(deck, talk, protocol.PollMessage(spec.id, "open"))

    # --- loading ------------------------------------------------------------------

    async def load(self, deck: str) -> DeckTalk:
        """The deck's questions and polls, read from the backend once.

        Raises:
            Unavailable: the backend cannot be read (tried again next time).
        """
        talk = self._talk.get(deck)
        if talk is not None:
            return talk
        loading = self._loading.get(deck)
        if loading is None:
            loading = asyncio.ensure_future(self._read(deck))
            self._loading[deck] = loading
            loading.add_done_callback(lambda _: self._loading.pop(deck, None))
        return await asyncio.shield(loading)

    async def _read(self, deck: str) -> DeckTalk:
        # What is heard while reading is applied after what was read.
        heard: list[Record | Item] = []
        self._reading[deck] = heard
        try:
            talk = await self._read_stored(deck)
        finally:
            self._reading.pop(deck, None)
        self._talk[deck] = talk
        for later in heard:
            if isinstance(later, Item):
                self._apply_item(talk, later)
            else:
                self.heard_record(later)
        talk.shown = {q.id for q in talk.questions.values() if q.status == "visible"}
        talk.dirty_questions.clear()
        talk.dirty_polls.clear()
        talk.dirty_qa = False
        return talk

    async def _read_stored(self, deck: str) -> DeckTalk:
        talk = DeckTalk()
        record = await self._backend.load(deck, QA)
        if record is not None:
            talk.qa, talk.qa_seq = QaSettings.from_json(record.value), record.seq
        for poll in self.specs(deck):
            stored = await self._backend.load(deck, poll_kind(poll))
            if stored is not None:
                talk.polls[poll] = PollState.from_json(stored.value)
                talk.poll_seqs[poll] = stored.seq
        for item in await self._backend.load_items(deck):
            self._apply_item(talk, item)
        return talk

    async def start(self, decks: list[str]) -> None:
        """Read every deck's questions and polls before serving; unreadable now, later."""
        for deck in decks:
            with contextlib.suppress(Unavailable):
                await self.load(deck)

    def stop(self) -> None:
        """Cancel pending flushes."""
        for handle in [*self._due.values(), *self._publish_due.values()]:
            handle.cancel()
        self._due.clear()
        self._publish_due.clear()

    # --- a socket arrives ---------------------------------------------------------

    def greet(self, member: Member) -> None:
        """Send a socket that just got its ``welcome`` the deck's questions and polls."""
        if not self.enabled(member.deck):
            return
        talk = self._talk.get(member.deck)
        if talk is not None:
            self._send_greeting(member, talk)
            return
        task = asyncio.ensure_future(self._greet_later(member))
        task.add_done_callback(_log_failure)

    async def _greet_later(self, member: Member) -> None:
        try:
            talk = await self.load(member.deck)
        except Unavailable:
            member.send(protocol.error("unavailable", "questions and polls cannot be read now"))
            return
        self._send_greeting(member, talk)

    def _send_greeting(self, member: Member, talk: DeckTalk) -> None:
        # A welcome resets a page to the defaults (questions open, none asked,
        # polls not opened): only what differs is sent, so a deck nobody
        # interacted with costs a socket nothing more than its welcome.
        presenter = member.role == "presenter"
        if talk.qa_seq > 0:
            member.send(self._qa_frame(talk, presenter))
        if talk.questions:
            voter = member.voter
            # Askers see the status of their own questions (awaiting approval).
            shown = [
                q.view(talk.votes(q.id), presenter or q.asker == voter)
                for q in talk.questions.values()
                if presenter or q.visible_to(voter)
            ]
            mine = [q.id for q in talk.questions.values() if q.asker == voter]
            upvoted = [qid for qid, voters in talk.upvotes.items() if voter in voters]
            member.send(protocol.questions(True, shown, mine=mine, upvoted=upvoted))
        for spec in self.specs(member.deck).values():
            mine_choices = talk.ballots_of(spec.id).get(member.voter, ())
            member.send(self._poll_frame(talk, spec, presenter, mine_choices))

    # --- messages -----------------------------------------------------------------

    async def handle(self, member: Member, message: protocol.InteractionMessage) -> None:
        """Act on one interaction message from ``member``; replies go to it.
        Reactions go through :meth:`react` (they never wait) and ``mode`` to the
        hub; either one here does nothing.

        Raises:
            ProtocolError: the message is refused (its code and message go back).
            Unavailable: it could not be stored; nothing changed.
        """
        deck = member.deck
        about = describe(message)
        if not self.enabled(deck):
            raise ProtocolError("disabled", OFF, about)
        presenter = member.role == "presenter"
        if (
            isinstance(
                message,
                protocol.ModerateMessage | protocol.QuestionsMessage | protocol.PollMessage,
            )
            and not presenter
        ):
            raise ProtocolError("forbidden", "only a presenter can do that", about)
        talk = await self.load(deck)
        try:
            await self._dispatch(member, talk, message)
        except ProtocolError as exc:
            raise ProtocolError(exc.code, exc.message, about) from None

    async def _dispatch(
        self, member: Member, talk: DeckTalk, message: protocol.InteractionMessage
    ) -> None:
        if isinstance(message, protocol.AskMessage):
            await self._ask(member, talk, message)
        elif isinstance(message, protocol.UpvoteMessage):
            await self._upvote(member, talk, message)
        elif isinstance(message, protocol.VoteMessage):
            await self._vote(member, talk, message)
        elif isinstance(message, protocol.ModerateMessage):
            await self._moderate(member.deck, talk, message)
        elif isinstance(message, protocol.QuestionsMessage):
            await self._set_qa(member.deck, talk, talk.qa.switched(message.changes))
        elif isinstance(message, protocol.PollMessage):
            await self._work_poll(member.deck, talk, message)

    async def _ask(self, member: Member, talk: DeckTalk, message: protocol.AskMessage) -> None:
        qid = question_id(member.voter, message.ref)
        known = talk.questions.get(qid)
        if known is None:
            if not talk.qa.open:
                raise ProtocolError("closed", "questions are closed")
            if len(talk.questions) >= MAX_QUESTIONS:
                raise ProtocolError("closed", "this talk has taken all the questions it can")
            own = sum(1 for q in talk.questions.values() if q.asker == member.voter)
            if own >= MAX_QUESTIONS_PER_VOTER:
                raise ProtocolError("too_many", f"at most {MAX_QUESTIONS_PER_VOTER} questions each")
            waits = talk.qa.moderated and member.role != "presenter"
            status: Status = "pending" if waits else "visible"
            known = Question(
                qid,
                message.text,
                message.name,
                int(self._clock() * 1000),
                member.voter,
                status,
            )
            await self._backend.put_item(member.deck, QUESTIONS, qid, known.to_json())
        view = known.view(talk.votes(qid), presenter=True)
        member.send(protocol.asked(message.ref, view))

    async def _upvote(
        self, member: Member, talk: DeckTalk, message: protocol.UpvoteMessage
    ) -> None:
        question = talk.questions.get(message.id)
        if question is None or (
            member.role != "presenter" and not question.visible_to(member.voter)
        ):
            raise ProtocolError("not_found", "no such question")
        if not talk.qa.open:
            raise ProtocolError("closed", "questions are closed")
        value: dict[str, Any] | None = {} if message.on else None
        await self._backend.put_item(member.deck, UPVOTES, f"{message.id} {member.voter}", value)
        member.send(protocol.upvoted(message.id, message.on))

    async def _vote(self, member: Member, talk: DeckTalk, message: protocol.VoteMessage) -> None:
        spec = self.specs(member.deck).get(message.poll)
        if spec is None:
            raise ProtocolError("not_found", "no such poll")
        choices = parse_choices(spec, message.choices)
        state = talk.polls.get(spec.id, PollState())
        if state.status != "open":
            raise ProtocolError("closed", "this poll is not open")
        value = {"choices": list(choices)} if choices else None
        await self._backend.put_item(
            member.deck, ballot_coll(spec.id, state.round), member.voter, value
        )
        member.send(protocol.voted(spec.id, choices))

    async def _moderate(self, deck: str, talk: DeckTalk, message: protocol.ModerateMessage) -> None:
        question = talk.questions.get(message.id)
        if question is None:
            raise ProtocolError("not_found", "no such question")
        if message.action in ("pin", "unpin"):
            pinned = message.id if message.action == "pin" else None
            if message.action == "unpin" and talk.qa.pinned != message.id:
                return
            settings = QaSettings(
                talk.qa.open,
                talk.qa.moderated,
                talk.qa.show_pinned,
                talk.qa.show_reactions,
                pinned,
            )
            await self._set_qa(deck, talk, settings)
            return
        changed = question.moderated(message.action)
        if changed != question:
            await self._backend.put_item(deck, QUESTIONS, question.id, changed.to_json())

    async def _set_qa(self, deck: str, talk: DeckTalk, settings: QaSettings) -> None:
        if settings == talk.qa:
            self._mark(deck, talk, qa=True)  # the sender still hears where things stand
            return
        record, _ = await self._backend.apply(deck, QA, settings.to_json(), talk.qa_seq)
        self.heard_record(record)

    async def _work_poll(self, deck: str, talk: DeckTalk, message: protocol.PollMessage) -> None:
        spec = self.specs(deck).get(message.poll)
        if spec is None:
            raise ProtocolError("not_found", "no such poll")
        before = talk.polls.get(spec.id, PollState())
        after = before.after(message.action)
        if after == before:
            return
        seen = talk.poll_seqs.get(spec.id, 0)
        record, _ = await self._backend.apply(deck, poll_kind(spec.id), after.to_json(), seen)
        self.heard_record(record)

    # --- reactions ----------------------------------------------------------------

    def react(self, member: Member, emoji: str) -> None:
        """A reaction from ``member`` (one of :data:`protocol.REACTIONS`); never waits.

        Raises:
            ProtocolError: ``disabled`` when interaction is off for the deck.
        """
        if not self.enabled(member.deck):
            raise ProtocolError(
                "disabled", "questions, polls and reactions are off here", {"for": "react"}
            )
        self._tap(member.deck, emoji)

    def _tap(self, deck: str, emoji: str) -> None:
        tapped = self._tapped.setdefault(deck, {})
        tapped[emoji] = tapped.get(emoji, 0) + 1
        if deck not in self._publish_due:
            loop = asyncio.get_running_loop()
            # Half the flush interval: taps pass two timers on their way (this
            # one, then the flush of every process that hears them).
            self._publish_due[deck] = loop.call_later(self._interval / 2, self._publish_taps, deck)

    def _publish_taps(self, deck: str) -> None:
        self._publish_due.pop(deck, None)
        counts = self._tapped.pop(deck, None)
        if counts:
            event = Event(deck, REACTIONS_EVENT, counts, self.origin)
            task = asyncio.ensure_future(self._backend.publish(event))
            task.add_done_callback(_log_failure)

    # --- what every process hears -------------------------------------------------

    def heard_record(self, record: Record) -> None:
        """A ``qa`` or ``poll:`` record from the backend (any process)."""
        talk = self._talk.get(record.deck)
        if talk is None:
            if record.deck in self._reading:
                self._reading[record.deck].append(record)
            return  # else read whole when the deck is first used
        if record.kind == QA:
            if record.seq <= talk.qa_seq:
                return
            talk.qa, talk.qa_seq = QaSettings.from_json(record.value), record.seq
            self._mark(record.deck, talk, qa=True)
        elif record.kind.startswith("poll:"):
            poll = record.kind[len("poll:") :]
            if record.seq <= talk.poll_seqs.get(poll, 0):
                return
            before = talk.polls.get(poll, PollState())
            after = PollState.from_json(record.value)
            talk.polls[poll], talk.poll_seqs[poll] = after, record.seq
            if after.round != before.round:
                talk.ballots = {k: v for k, v in talk.ballots.items() if k[0] != poll}
            self._mark(record.deck, talk, poll=poll)

    def heard_item(self, item: Item) -> None:
        """A stored item from the backend (any process)."""
        talk = self._talk.get(item.deck)
        if talk is None:
            if item.deck in self._reading:
                self._reading[item.deck].append(item)
            return
        if item.deck in self._rereading:
            self._rereading[item.deck].append(item)
        self._apply_item(talk, item)
        self._schedule(item.deck)

    def backend_status(self, up: bool) -> None:
        """The backend is reachable again (``up``): what other processes stored
        while this one could not hear them is read anew."""
        if up:
            task = asyncio.ensure_future(self._reread())
            task.add_done_callback(_log_failure)

    async def _reread(self) -> None:
        for deck, talk in list(self._talk.items()):
            heard: list[Item] = []
            self._rereading[deck] = heard
            try:
                fresh = await self._read_stored(deck)
            except Unavailable:
                continue  # gone again: the next "up" reads it
            finally:
                self._rereading.pop(deck, None)
            self._take_fresh(deck, talk, fresh)
            for item in heard:  # heard while reading, maybe after what was read
                self._apply_item(talk, item)
            self._schedule(deck)

    def _take_fresh(self, deck: str, talk: DeckTalk, fresh: DeckTalk) -> None:
        """Make ``talk`` what was just read (``fresh``), marking what differs."""
        for qid in talk.questions.keys() | fresh.questions.keys():
            same = talk.questions.get(qid) == fresh.questions.get(qid)
            if not same or talk.upvotes.get(qid, set()) != fresh.upvotes.get(qid, set()):
                talk.dirty_questions.add(qid)
        talk.questions, talk.upvotes = fresh.questions, fresh.upvotes
        for key in talk.ballots.keys() | fresh.ballots.keys():
            if talk.ballots.get(key) != fresh.ballots.get(key):
                talk.dirty_polls.add(key[0])
        talk.ballots = fresh.ballots
        if fresh.qa_seq > talk.qa_seq:
            talk.qa, talk.qa_seq = fresh.qa, fresh.qa_seq
            talk.dirty_qa = True
        for poll, seq in fresh.poll_seqs.items():
            if seq > talk.poll_seqs.get(poll, 0):
                talk.polls[poll], talk.poll_seqs[poll] = fresh.polls[poll], seq
                talk.dirty_polls.add(poll)

    def heard_event(self, event: Event) -> None:
        """An event from the backend (any process, this one too)."""
        if event.name != REACTIONS_EVENT:
            return
        heard = self._reactions.setdefault(event.deck, {})
        for emoji, n in event.value.items():
            if emoji in protocol.REACTIONS and isinstance(n, int) and n > 0:
                heard[emoji] = heard.get(emoji, 0) + n
        self._schedule(event.deck)

    def _apply_item(self, talk: DeckTalk, item: Item) -> None:
        if item.coll == QUESTIONS:
            question = Question.from_json(item.value) if item.value is not None else None
            if question is None:
                talk.questions.pop(item.key, None)
            else:
                talk.questions[item.key] = question
            talk.dirty_questions.add(item.key)
        elif item.coll == UPVOTES:
            qid, _, voter = item.key.partition(" ")
            voters = talk.upvotes.setdefault(qid, set())
            if item.value is None:
                voters.discard(voter)
            else:
                voters.add(voter)
            talk.dirty_questions.add(qid)
        elif item.coll.startswith("vote:"):
            poll, _, round_text = item.coll[len("vote:") :].rpartition(":")
            with contextlib.suppress(ValueError):
                key = (poll, int(round_text))
                ballots = talk.ballots.setdefault(key, {})
                choices = item.value.get("choices") if item.value is not None else None
                if isinstance(choices, list) and all(isinstance(c, int) for c in choices):
                    ballots[item.key] = tuple(choices)
                else:
                    ballots.pop(item.key, None)
                talk.dirty_polls.add(poll)

    def _mark(self, deck: str, talk: DeckTalk, qa: bool = False, poll: str | None = None) -> None:
        if qa:
            talk.dirty_qa = True
        if poll is not None:
            talk.dirty_polls.add(poll)
        self._schedule(deck)

    def _schedule(self, deck: str, delay: float | None = None) -> None:
        if deck not in self._due:
            loop = asyncio.get_running_loop()
            wait = self._interval if delay is None else max(delay, self._interval)
            self._due[deck] = loop.call_later(wait, self.flush, deck)

    # --- sending ------------------------------------------------------------------

    def flush(self, deck: str) -> None:
        """Send the deck's changes since the last flush (called on a timer)."""
        self._due.pop(deck, None)
        hub = self._hub
        talk = self._talk.get(deck)
        reactions = self._reactions.pop(deck, None)
        if reactions:
            frame = protocol.reactions(reactions)
            if talk is not None and talk.qa.show_reactions:
                hub.broadcast(deck, frame)
            else:
                hub.broadcast_presenters(deck, frame)
        if talk is None:
            return
        if talk.dirty_qa or (talk.qa.pinned is not None and talk.qa.pinned in talk.dirty_questions):
            talk.dirty_qa = False
            hub.broadcast_presenters(deck, self._qa_frame(talk, True))
            hub.broadcast_audience(deck, self._qa_frame(talk, False))
        if talk.dirty_questions:
            changed = [talk.questions[q] for q in talk.dirty_questions if q in talk.questions]
            gone = [q for q in talk.dirty_questions if q not in talk.questions]
            talk.dirty_questions = set()
            hub.broadcast_presenters(
                deck,
                protocol.questions(
                    False, [q.view(talk.votes(q.id), True) for q in changed], removed=gone
                ),
            )
            visible = [q for q in changed if q.status == "visible"]
            removed = [q.id for q in changed if q.status != "visible" and q.id in talk.shown]
            removed += [q for q in gone if q in talk.shown]
            talk.shown -= set(removed)
            talk.shown |= {q.id for q in visible}
            if visible or removed:
                shown = [q.view(talk.votes(q.id), False) for q in visible]
                hub.broadcast_audience(deck, protocol.questions(False, shown, removed=removed))
        if talk.dirty_polls or talk.audience_owed:
            self._flush_polls(deck, talk)

    def _flush_polls(self, deck: str, talk: DeckTalk) -> None:
        # Presenters get every change at once. While only the counts move, the
        # audience (thousands of sockets) gets them at most every
        # AUDIENCE_COUNTS seconds; a poll opening, closing or being revealed
        # reaches them at the next flush.
        specs = self.specs(deck)
        now = asyncio.get_running_loop().time()
        for poll in sorted(talk.dirty_polls):
            spec = specs.get(poll)
            if spec is not None:
                state = talk.polls.get(poll, PollState())
                reset = talk.presenter_rounds.get(poll, state.round) != state.round
                talk.presenter_rounds[poll] = state.round
                mine = () if reset else None
                self._hub.broadcast_presenters(deck, self._poll_frame(talk, spec, True, mine))
        owed = talk.audience_owed | talk.dirty_polls
        talk.dirty_polls, talk.audience_owed = set(), set()
        wait = 0.0
        for poll in sorted(owed):
            spec = specs.get(poll)
            if spec is None:
                continue
            state = talk.polls.get(poll, PollState())
            sent_state, sent_at = talk.audience_polls.get(poll, (None, -AUDIENCE_COUNTS))
            if state == sent_state and now - sent_at < AUDIENCE_COUNTS:
                talk.audience_owed.add(poll)
                wait = max(wait, AUDIENCE_COUNTS - (now - sent_at))
                continue
            # After a reset every ballot is gone: pages forget their voter's choice.
            mine = () if sent_state is not None and sent_state.round != state.round else None
            talk.audience_polls[poll] = (state, now)
            self._hub.broadcast_audience(deck, self._poll_frame(talk, spec, False, mine))
        if talk.audience_owed:
            self._schedule(deck, wait)

    def _qa_frame(self, talk: DeckTalk, presenter: bool) -> Frame:
        pinned = talk.questions.get(talk.qa.pinned) if talk.qa.pinned else None
        shown = None
        if pinned is not None and (
            presenter or (talk.qa.show_pinned and pinned.status == "visible")
        ):
            shown = pinned.view(talk.votes(pinned.id), presenter)
        return protocol.qa(talk.qa_seq, talk.qa, shown)

    def _poll_frame(
        self,
        talk: DeckTalk,
        spec: PollSpec,
        presenter: bool,
        mine: tuple[int, ...] | None = None,
    ) -> Frame:
        state = talk.polls.get(spec.id, PollState())
        ballots = talk.ballots_of(spec.id)
        results = presenter or not spec.hide_results or state.revealed
        counts = tally(spec, ballots) if results else None
        return protocol.poll(spec, state, counts, len(ballots), mine)

    # --- exports ------------------------------------------------------------------

    async def questions_export(self, deck: str) -> list[dict[str, Any]]:
        """Every question of ``deck`` for presenters, oldest first.

        Raises:
            Unavailable: they cannot be read.
        """
        talk = await self.load(deck)
        rows = []
        for question in sorted(talk.questions.values(), key=lambda q: q.at):
            row = question.view(talk.votes(question.id), presenter=True)
            row["pinned"] = talk.qa.pinned == question.id
            rows.append(row)
        return rows

    async def polls_export(self, deck: str) -> list[dict[str, Any]]:
        """Every poll of ``deck`` with its results.

        Raises:
            Unavailable: they cannot be read.
        """
        talk = await self.load(deck)
        rows = []
        for spec in self.specs(deck).values():
            state = talk.polls.get(spec.id, PollState())
            ballots = talk.ballots_of(spec.id)
            rows.append(
                {
                    "poll": spec.id,
                    "question": spec.question,
                    "options": list(spec.options),
                    "multiple": spec.multiple,
                    "status": state.status,
                    "revealed": state.revealed,
                    "counts": tally(spec, ballots),
                    "voters": len(ballots),
                    "slide": {"h": spec.h, "v": spec.v},
                }
            )
        return rows


def describe(message: protocol.InteractionMessage) -> dict[str, str]:
    """What an error frame repeats of ``message``: ``for``, and its ref, id or poll."""
    kinds = {
        protocol.AskMessage: "ask",
        protocol.UpvoteMessage: "upvote",
        protocol.VoteMessage: "vote",
        protocol.ReactMessage: "react",
        protocol.ModeMessage: "mode",
        protocol.ModerateMessage: "moderate",
        protocol.QuestionsMessage: "questions",
        protocol.PollMessage: "poll",
    }
    found = {"for": kinds[type(message)]}
    for key in ("ref", "id", "poll"):
        value = getattr(message, key, None)
        if isinstance(value, str):
            found[key] = value
    return found


def _log_failure(task: asyncio.Future[Any]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if isinstance(exc, Unavailable):
        log.warning("%s", exc)
    elif exc is not None:
        log.error("interaction task failed", exc_info=exc)
