// The audience's questions (static/interact/questions.js): merging frames,
// sorting, the checks made before asking, and asks kept until acknowledged.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  PendingAsk, QuestionBook, checkQuestion, cleanText, mergeQuestions, randomRef, sortQuestions,
} from '../../static/interact/questions.js';

const q = (id, votes, at, extra = {}) => ({ id, text: `text ${id}`, name: '', votes, answered: false, at, ...extra });

describe('mergeQuestions', () => {
  test('a full frame replaces everything', () => {
    const map = new Map([['old', q('old', 1, 1)]]);
    mergeQuestions(map, { all: true, questions: [q('a', 0, 5), q('b', 2, 6)] });
    assert.deepEqual([...map.keys()], ['a', 'b']);
  });

  test('a partial frame upserts whole questions and deletes the removed', () => {
    const map = new Map([['a', q('a', 0, 5)], ['b', q('b', 2, 6)], ['c', q('c', 1, 7)]]);
    mergeQuestions(map, { all: false, questions: [q('a', 3, 5, { answered: true }), q('d', 0, 9)], removed: ['c'] });
    assert.deepEqual([...map.keys()].sort(), ['a', 'b', 'd']);
    assert.equal(map.get('a').votes, 3);
    assert.equal(map.get('a').answered, true);
  });

  test('removed ids in a full frame do not matter, unknown removals are harmless', () => {
    const map = new Map();
    mergeQuestions(map, { all: false, questions: [], removed: ['nope'] });
    assert.equal(map.size, 0);
    mergeQuestions(map, { all: true, questions: [q('a', 0, 1)], removed: ['a'] });
    assert.deepEqual([...map.keys()], ['a']);
  });

  test('entries without a string id are skipped', () => {
    const map = mergeQuestions(new Map(), { all: true, questions: [null, { id: 5 }, q('ok', 0, 1)] });
    assert.deepEqual([...map.keys()], ['ok']);
  });
});

describe('sortQuestions', () => {
  const list = [q('a', 1, 10), q('b', 5, 5), q('c', 1, 20), q('d', 0, 30)];

  test('top: most votes first, then newest', () => {
    assert.deepEqual(sortQuestions(list, 'top').map((x) => x.id), ['b', 'c', 'a', 'd']);
  });

  test('new: newest first whatever the votes', () => {
    assert.deepEqual(sortQuestions(list, 'new').map((x) => x.id), ['d', 'c', 'a', 'b']);
  });

  test('does not change its input and takes any iterable', () => {
    const map = new Map(list.map((x) => [x.id, x]));
    assert.deepEqual(sortQuestions(map.values()).map((x) => x.id), ['b', 'c', 'a', 'd']);
    assert.deepEqual(list.map((x) => x.id), ['a', 'b', 'c', 'd']);
  });
});

describe('checkQuestion', () => {
  test('as the server: line breaks and tabs become spaces, control characters go, trimmed', () => {
    assert.equal(cleanText('  How\ndoes\tit\u0007 scale?\t '), 'How does it scale?');
    assert.equal(cleanText('a\r\nb'), 'a  b');
    assert.equal(cleanText(undefined), '');
  });

  test('bidirectional overrides and lone surrogates go; emoji stay', () => {
    assert.equal(cleanText('\u202egnp.exe\u2066x\u2069'), 'gnp.exex');
    assert.equal(cleanText('a\ud800b😀'), 'ab😀');
  });

  test('an empty or blank question is empty', () => {
    assert.equal(checkQuestion('').problem, 'empty');
    assert.equal(checkQuestion(' \n\t ').problem, 'empty');
  });

  test('280 characters after trimming is fine, 281 is too long', () => {
    const ok = checkQuestion(`  ${'x'.repeat(280)}  `);
    assert.equal(ok.problem, null);
    assert.equal(ok.left, 0);
    const over = checkQuestion('x'.repeat(281));
    assert.equal(over.problem, 'too_long');
    assert.equal(over.left, -1);
  });

  test('counts code points as the server does: an emoji is one', () => {
    assert.equal(checkQuestion('😀'.repeat(280)).problem, null);
    assert.equal(checkQuestion('😀'.repeat(281)).problem, 'too_long');
  });

  test('a name is at most 40 characters after trimming, and optional', () => {
    assert.equal(checkQuestion('Why?', ` ${'n'.repeat(40)} `).problem, null);
    assert.equal(checkQuestion('Why?', 'n'.repeat(41)).problem, 'name_too_long');
    assert.deepEqual(checkQuestion(' Why? ', '  '), { text: 'Why?', name: '', left: 276, problem: null });
  });
});

describe('QuestionBook', () => {
  test('a full frame sets mine and upvoted; a partial one keeps them', () => {
    const book = new QuestionBook();
    book.take({ all: true, questions: [q('a', 1, 1), q('b', 0, 2)], mine: ['b'], upvoted: ['a'] });
    book.take({ all: false, questions: [q('a', 2, 1)], removed: [] });
    assert.deepEqual([...book.mine], ['b']);
    assert.deepEqual([...book.upvoted], ['a']);
    assert.equal(book.questions.get('a').votes, 2);
  });

  test('a removed question is no longer upvoted', () => {
    const book = new QuestionBook();
    book.take({ all: true, questions: [q('a', 1, 1)], mine: [], upvoted: ['a'] });
    book.take({ all: false, questions: [], removed: ['a'] });
    assert.equal(book.size, 0);
    assert.equal(book.upvoted.has('a'), false);
  });

  test('an asked acknowledgement makes it mine, awaiting approval while pending', () => {
    const book = new QuestionBook();
    book.asked(q('x', 0, 1, { status: 'pending' }));
    assert.equal(book.mine.has('x'), true);
    assert.equal(book.awaiting(book.questions.get('x')), true);
    assert.equal(book.awaiting(q('y', 0, 1, { status: 'pending' })), false);
  });

  test('an acknowledgement arriving after a frame does not undo newer votes', () => {
    const book = new QuestionBook();
    book.take({ all: false, questions: [q('x', 4, 1)], removed: [] });
    book.asked(q('x', 0, 1));
    assert.equal(book.questions.get('x').votes, 4);
  });

  test('setUpvoted toggles', () => {
    const book = new QuestionBook();
    book.setUpvoted('a', true);
    assert.equal(book.upvoted.has('a'), true);
    book.setUpvoted('a', false);
    assert.equal(book.upvoted.has('a'), false);
  });
});

describe('PendingAsk', () => {
  const counter = () => {
    let n = 0;
    return () => `r${(n += 1)}`;
  };

  test('asking again with the same text and name reuses the ref', () => {
    const pending = new PendingAsk(counter());
    const first = pending.prepare('Why?', 'Ada');
    assert.deepEqual(first, { type: 'ask', text: 'Why?', name: 'Ada', ref: 'r1' });
    assert.equal(pending.prepare('Why?', 'Ada').ref, 'r1');
    assert.deepEqual(pending.resend(), first);
  });

  test('a different question gets a new ref; no name means no name field', () => {
    const pending = new PendingAsk(counter());
    pending.prepare('Why?', 'Ada');
    assert.deepEqual(pending.prepare('How?', ''), { type: 'ask', text: 'How?', ref: 'r2' });
  });

  test('the acknowledgement of its ref settles it, another ref does not', () => {
    const pending = new PendingAsk(counter());
    pending.prepare('Why?', '');
    assert.equal(pending.settle('other'), false);
    assert.equal(pending.resend().ref, 'r1');
    assert.equal(pending.settle('r1'), true);
    assert.equal(pending.resend(), null);
  });

  test('refusals drop it, except those after which a retry is safe', () => {
    const pending = new PendingAsk(counter());
    pending.prepare('Why?', '');
    assert.equal(pending.fail('r1', 'rate_limited'), true);
    assert.equal(pending.resend().ref, 'r1');
    assert.equal(pending.fail('r1', 'unavailable'), true);
    assert.equal(pending.resend().ref, 'r1');
    assert.equal(pending.fail('r1', 'closed'), true);
    assert.equal(pending.resend(), null);
  });

  test('random refs are 1-40 characters and differ', () => {
    const a = randomRef();
    const b = randomRef();
    assert.match(a, /^[0-9a-z]{1,40}$/);
    assert.notEqual(a, b);
  });
});
