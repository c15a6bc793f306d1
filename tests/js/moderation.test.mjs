// The presenter's side of audience interaction (static/moderation.js): merging
// question frames, moderation order and buttons, polls per slide, opening a
// poll by itself once, the reactions tally and the presence line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  AutoOpener, PollBook, QuestionBoard, ReactionTally, interactionOf, orderQuestions,
  pollActions, pollsAt, presenceText, qaSettings, questionActions, topQuestions,
} from '../../static/moderation.js';

const q = (id, extra = {}) => ({ id, text: `text ${id}`, name: '', votes: 0, answered: false, at: 1000, status: 'visible', ...extra });

describe('interactionOf', () => {
  test('is null when the config has none or it is off', () => {
    assert.equal(interactionOf({}), null);
    assert.equal(interactionOf(null), null);
    assert.equal(interactionOf({ interaction: { enabled: false, polls: [] } }), null);
  });

  test('keeps the reactions and polls, with the fixed set when none are given', () => {
    const found = interactionOf({ interaction: { enabled: true, polls: [{ id: 'p' }] } });
    assert.deepEqual(found.polls, [{ id: 'p' }]);
    assert.equal(found.reactions.length, 6);
    assert.deepEqual(interactionOf({ interaction: { enabled: true, reactions: ['👍'] } }).reactions, ['👍']);
  });
});

describe('QuestionBoard', () => {
  test('all: true replaces every question', () => {
    const board = new QuestionBoard();
    board.take({ type: 'questions', all: true, questions: [q('a'), q('b')] });
    board.take({ type: 'questions', all: true, questions: [q('c')] });
    assert.deepEqual([...board.questions.keys()], ['c']);
  });

  test('all: false updates whole questions and drops the removed ids', () => {
    const board = new QuestionBoard();
    board.take({ type: 'questions', all: true, questions: [q('a'), q('b')] });
    const changed = board.take({ type: 'questions', all: false, questions: [q('a', { votes: 5 }), q('n')], removed: ['b'] });
    assert.equal(changed, true);
    assert.equal(board.get('a').votes, 5);
    assert.equal(board.get('b'), null);
    assert.ok(board.get('n'));
    assert.equal(board.size, 2);
  });

  test('an empty delta changes nothing; other frames are ignored', () => {
    const board = new QuestionBoard();
    board.take({ type: 'questions', all: true, questions: [q('a')] });
    assert.equal(board.take({ type: 'questions', all: false, questions: [], removed: [] }), false);
    assert.equal(board.take({ type: 'poll', questions: [q('x')] }), false);
    assert.equal(board.size, 1);
  });

  test('counts the pending questions', () => {
    const board = new QuestionBoard();
    board.take({ type: 'questions', all: true, questions: [q('a', { status: 'pending' }), q('b'), q('c', { status: 'pending' })] });
    assert.equal(board.pendingCount(), 2);
    board.take({ type: 'questions', all: false, questions: [q('a')] });
    assert.equal(board.pendingCount(), 1);
  });
});

describe('orderQuestions', () => {
  const list = [
    q('old', { votes: 3, at: 1 }),
    q('new', { votes: 1, at: 5 }),
    q('top', { votes: 9, at: 3 }),
    q('wait', { status: 'pending', at: 2 }),
    q('gone', { status: 'hidden', votes: 50, at: 4 }),
    q('tie', { votes: 3, at: 6 }),
  ];

  test('by votes: pending first, hidden last, ties oldest first', () => {
    assert.deepEqual(orderQuestions(list, 'votes').map((x) => x.id), ['wait', 'top', 'old', 'tie', 'new', 'gone']);
  });

  test('by time: newest first within each group', () => {
    assert.deepEqual(orderQuestions(list, 'time').map((x) => x.id), ['wait', 'tie', 'new', 'top', 'old', 'gone']);
  });

  test('the pinned question leads the visible ones', () => {
    assert.deepEqual(orderQuestions(list, 'votes', 'new').map((x) => x.id), ['wait', 'new', 'top', 'old', 'tie', 'gone']);
  });

  test('topQuestions: the n most upvoted, hidden ones left out', () => {
    const many = Array.from({ length: 14 }, (_, i) => q(`q${i}`, { votes: i, at: i }));
    many.push(q('hidden', { status: 'hidden', votes: 99 }));
    const top = topQuestions(many, 10);
    assert.equal(top.length, 10);
    assert.equal(top[0].id, 'q13');
    assert.ok(!top.some((x) => x.id === 'hidden'));
  });
});

describe('questionActions', () => {
  const actions = (question, pinned = null) => questionActions(question, pinned).map((a) => a.action);

  test('a pending question can be approved or hidden, not pinned', () => {
    assert.deepEqual(actions(q('a', { status: 'pending' })), ['approve', 'hide', 'answer']);
  });

  test('a visible one can be hidden, answered and pinned', () => {
    assert.deepEqual(actions(q('a')), ['hide', 'answer', 'pin']);
    assert.deepEqual(actions(q('a', { answered: true }), 'a'), ['hide', 'unanswer', 'unpin']);
  });

  test('a hidden one is shown again with approve, labelled Show', () => {
    const found = questionActions(q('a', { status: 'hidden' }));
    assert.deepEqual(found[0], { action: 'approve', label: 'Show' });
    assert.ok(!found.some((a) => a.action === 'pin'));
  });
});

describe('qaSettings', () => {
  test('without a qa frame: what a welcome means, questions open and nothing else', () => {
    assert.deepEqual(qaSettings(null), { open: true, moderated: false, showPinned: false, showReactions: false, pinned: null, seq: 0 });
  });

  test('reads the switches and the pinned question', () => {
    const found = qaSettings({ type: 'qa', seq: 3, open: true, moderated: true, showPinned: false, showReactions: true, pinned: q('p') });
    assert.equal(found.open, true);
    assert.equal(found.moderated, true);
    assert.equal(found.showReactions, true);
    assert.equal(found.pinned.id, 'p');
    assert.equal(found.seq, 3);
  });
});

describe('pollsAt', () => {
  const polls = [{ id: 'a', slide: { h: 2, v: 0 } }, { id: 'b', slide: { h: 2, v: 1 } }, { id: 'c' }];

  test('finds the config polls of a slide', () => {
    assert.deepEqual(pollsAt(polls, 2, 0), ['a']);
    assert.deepEqual(pollsAt(polls, 2, 1), ['b']);
    assert.deepEqual(pollsAt(polls, 0, 0), []);
  });

  test('adds the ids found in the slide, once', () => {
    assert.deepEqual(pollsAt(polls, 2, 0, ['a', 'z']), ['a', 'z']);
  });
});

describe('PollBook', () => {
  test('keeps the last frame of each poll, and the last known mine', () => {
    const book = new PollBook();
    book.take({ type: 'poll', poll: 'p', status: 'ready', mine: [1], voters: 0 });
    const merged = book.take({ type: 'poll', poll: 'p', status: 'open', voters: 3 });
    assert.equal(merged.status, 'open');
    assert.deepEqual(merged.mine, [1]);
    assert.equal(book.get('p').voters, 3);
    assert.equal(book.take({ type: 'qa' }), null);
  });
});

describe('AutoOpener', () => {
  test('opens a ready poll once, on arrival', () => {
    const opener = new AutoOpener();
    assert.deepEqual(opener.arrive(['p'], () => 'ready'), ['p']);
    // Still on the slide (a fragment step): nothing more.
    assert.deepEqual(opener.arrive(['p'], () => 'ready'), []);
    opener.arrive([], () => null);
    // Back again after a reset: the speaker decides now.
    assert.deepEqual(opener.arrive(['p'], () => 'ready'), []);
  });

  test('never opens a poll that was opened or closed already', () => {
    const opener = new AutoOpener();
    assert.deepEqual(opener.arrive(['p'], () => 'closed'), []);
    opener.arrive([], () => null);
    assert.deepEqual(opener.arrive(['p'], () => 'ready'), []);
  });

  test('waits for the first frame when the status is not known yet', () => {
    const opener = new AutoOpener();
    assert.deepEqual(opener.arrive(['p'], () => null), []);
    assert.deepEqual(opener.heard({ poll: 'other', status: 'ready' }), []);
    assert.deepEqual(opener.heard({ poll: 'p', status: 'ready' }), ['p']);
    assert.deepEqual(opener.heard({ poll: 'p', status: 'ready' }), []);
  });

  test('a frame after leaving the slide opens nothing', () => {
    const opener = new AutoOpener();
    opener.arrive(['p'], () => null);
    opener.arrive([], () => null);
    assert.deepEqual(opener.heard({ poll: 'p', status: 'ready' }), []);
  });

  test('a poll turning ready while the speaker stands there is left alone', () => {
    const opener = new AutoOpener();
    assert.deepEqual(opener.arrive(['p'], () => 'open'), []);
    assert.deepEqual(opener.heard({ poll: 'p', status: 'ready' }), []);
    assert.deepEqual(opener.arrive(['p'], () => 'ready'), []);
  });
});

describe('pollActions', () => {
  test('follows the status and whether the deck hides results', () => {
    assert.deepEqual(pollActions({ status: 'ready', hideResults: false, voters: 0 }),
      { open: true, close: false, reveal: false, conceal: false, reset: false });
    assert.deepEqual(pollActions({ status: 'open', hideResults: true, revealed: false, voters: 2 }),
      { open: false, close: true, reveal: true, conceal: false, reset: true });
    assert.deepEqual(pollActions({ status: 'closed', hideResults: true, revealed: true, voters: 2 }),
      { open: true, close: false, reveal: false, conceal: true, reset: true });
  });
});

describe('ReactionTally', () => {
  test('adds up taps and lets them fade after the window', () => {
    let now = 0;
    const tally = new ReactionTally(5000, () => now);
    tally.add({ '👍': 3, '👏': 1 });
    now = 2000;
    tally.add({ '👍': 2, bogus: 0 });
    assert.deepEqual(tally.totals(), { '👍': 5, '👏': 1 });
    now = 5000;
    assert.deepEqual(tally.totals(), { '👍': 2 });
    now = 7001;
    assert.deepEqual(tally.totals(), {});
  });
});

describe('presenceText', () => {
  test('says how many watch and how many browse', () => {
    assert.equal(presenceText({ audience: 42, following: 39, browsing: 3 }), '42 watching · 3 browsing');
    assert.equal(presenceText({ audience: 1 }), '1 watching');
  });
});
