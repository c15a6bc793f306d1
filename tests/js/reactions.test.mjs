// Reactions (static/interact/reactions.js): how added-up taps become a few
// floating elements, and the page's own tap bucket.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_FLOATING, TapBucket, floatPlan } from '../../static/interact/reactions.js';

describe('floatPlan', () => {
  test('one tap is one element, unlabelled', () => {
    assert.deepEqual(floatPlan({ '👍': 1 }), [{ emoji: '👍', label: '', count: 1, first: true }]);
  });

  test('many taps are a few elements, the first labelled with the count', () => {
    const plan = floatPlan({ '👍': 300 });
    assert.equal(plan.length, 3);
    assert.deepEqual(plan.map((p) => p.label), ['×300', '', '']);
  });

  test('never more than the room left, most tapped first, fair across reactions', () => {
    const counts = { '👍': 500, '👏': 400, '😂': 300, '😮': 200, '❤️': 100, '❓': 50 };
    const plan = floatPlan(counts, MAX_FLOATING);
    assert.equal(plan.length, 18);
    assert.equal(plan[0].emoji, '👍');
    assert.deepEqual(floatPlan(counts, 4).map((p) => p.emoji), ['👍', '👏', '😂', '😮']);
    assert.deepEqual(floatPlan(counts, 0), []);
  });

  test('ignores junk counts', () => {
    assert.deepEqual(floatPlan({ a: 0, b: -2, c: 'x' }), []);
    assert.deepEqual(floatPlan(null), []);
  });

  test('ten thousand taps of everything stay within the cap', () => {
    const counts = Object.fromEntries([...'abcdefghijklmnopqrstuvwxyz'].map((c) => [c, 10_000]));
    assert.equal(floatPlan(counts).length, MAX_FLOATING);
  });
});

describe('TapBucket', () => {
  test('a burst, then the rate', () => {
    let now = 0;
    const bucket = new TapBucket({ rate: 2, burst: 4, now: () => now });
    const taken = Array.from({ length: 6 }, () => bucket.take());
    assert.deepEqual(taken, [true, true, true, true, false, false]);
    now += 500;
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false);
    now += 10_000;
    assert.equal([1, 2, 3, 4, 5].filter(() => bucket.take()).length, 4);
  });
});
