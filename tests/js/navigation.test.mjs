// The pure navigation arithmetic of static/navigation.js. fragmentSteps,
// deckShape reads the DOM and is covered by the browser tests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  nearestPosition, nextStep, positionOf, slideCount, slideIndex,
} from '../../static/navigation.js';

// 0: plain; 1: two fragment steps; 2: a stack (plain, one step, plain); 3: plain.
const SHAPE = [[0], [2], [0, 1, 0], [0]];

const at = (indexh, indexv = 0, indexf = null) => ({ indexh, indexv, indexf });

describe('nextStep', () => {
  test('moves right from a plain slide to a plain slide', () => {
    assert.deepEqual(nextStep(SHAPE, at(2, 2)), at(3, 0, null));
  });

  test('enters a fragment slide with no fragment shown', () => {
    assert.deepEqual(nextStep(SHAPE, at(0)), at(1, 0, -1));
  });

  test('shows the next fragment while fragments remain', () => {
    assert.deepEqual(nextStep(SHAPE, at(1, 0, -1)), at(1, 0, 0));
    assert.deepEqual(nextStep(SHAPE, at(1, 0, 0)), at(1, 0, 1));
  });

  test('a fragment slide reached with indexf null starts at its first fragment', () => {
    assert.deepEqual(nextStep(SHAPE, at(1, 0, null)), at(1, 0, 0));
    assert.deepEqual(nextStep(SHAPE, { indexh: 1, indexv: 0 }), at(1, 0, 0));
  });

  test('after the last fragment it moves right to the top of the next stack', () => {
    assert.deepEqual(nextStep(SHAPE, at(1, 0, 1)), at(2, 0, null));
  });

  test('goes down a vertical stack before going right', () => {
    assert.deepEqual(nextStep(SHAPE, at(2, 0)), at(2, 1, -1));
    assert.deepEqual(nextStep(SHAPE, at(2, 1, -1)), at(2, 1, 0));
    assert.deepEqual(nextStep(SHAPE, at(2, 1, 0)), at(2, 2, null));
  });

  test('returns null at the very end', () => {
    assert.equal(nextStep(SHAPE, at(3)), null);
    assert.equal(nextStep([[0], [2]], at(1, 0, 1)), null);
  });

  test('the last slide with fragments left still steps through them', () => {
    assert.deepEqual(nextStep([[0], [2]], at(1, 0, -1)), at(1, 0, 0));
    assert.deepEqual(nextStep([[0], [2]], at(1, 0, 0)), at(1, 0, 1));
  });

  test('walks the whole deck step by step', () => {
    const steps = [];
    let position = at(0);
    while (position) {
      steps.push(position);
      position = nextStep(SHAPE, position);
    }
    assert.deepEqual(steps, [
      at(0),
      at(1, 0, -1),
      at(1, 0, 0),
      at(1, 0, 1),
      at(2, 0),
      at(2, 1, -1),
      at(2, 1, 0),
      at(2, 2),
      at(3),
    ]);
  });

  test('clamps an out-of-range position first', () => {
    // Past the last slide: already at the end.
    assert.equal(nextStep(SHAPE, at(9)), null);
    // Below the bottom of a stack: treated as its last slide.
    assert.deepEqual(nextStep(SHAPE, at(2, 7)), at(3, 0, null));
    // Negative indices: treated as the first slide.
    assert.deepEqual(nextStep(SHAPE, at(-3, -1)), at(1, 0, -1));
    // A vertical index on a slide without a stack.
    assert.deepEqual(nextStep(SHAPE, at(0, 4)), at(1, 0, -1));
  });

  test('the first step of a next stack that starts with fragments shows none', () => {
    assert.deepEqual(nextStep([[0], [3, 0]], at(0)), at(1, 0, -1));
  });
});

describe('nearestPosition', () => {
  test('a position that still exists is unchanged', () => {
    for (const position of [at(0), at(1, 0, -1), at(1, 0, 1), at(2, 1, 0), at(2, 2), at(3)]) {
      assert.deepEqual(nearestPosition(SHAPE, position), position);
    }
  });

  test('a removed slide moves to the last slide that exists', () => {
    assert.deepEqual(nearestPosition(SHAPE, at(6)), at(3));
    assert.deepEqual(nearestPosition([[0], [2]], at(3)), at(1, 0, -1));
  });

  test('a shortened stack moves to its new bottom', () => {
    assert.deepEqual(nearestPosition(SHAPE, at(2, 5)), at(2, 2));
    assert.deepEqual(nearestPosition([[0], [0, 4]], at(1, 3, 2)), at(1, 1, 2));
  });

  test('a vertical index on a slide without a stack goes to 0', () => {
    assert.deepEqual(nearestPosition(SHAPE, at(0, 2)), at(0));
  });

  test('removed fragments clamp to the last fragment that is left', () => {
    assert.deepEqual(nearestPosition(SHAPE, at(1, 0, 5)), at(1, 0, 1));
    assert.deepEqual(nearestPosition(SHAPE, at(2, 1, 3)), at(2, 1, 0));
  });

  test('a fragment slide with indexf null or below -1 shows none', () => {
    assert.deepEqual(nearestPosition(SHAPE, at(1, 0, null)), at(1, 0, -1));
    assert.deepEqual(nearestPosition(SHAPE, { indexh: 1, indexv: 0 }), at(1, 0, -1));
    assert.deepEqual(nearestPosition(SHAPE, at(1, 0, -4)), at(1, 0, -1));
  });

  test('indexf is null on a slide without fragments', () => {
    assert.deepEqual(nearestPosition(SHAPE, at(0, 0, 2)), at(0));
    assert.deepEqual(nearestPosition(SHAPE, at(3, 0, -1)), at(3));
    assert.deepEqual(nearestPosition([[0], [0]], at(1, 0, 1)), at(1));
  });

  test('negative indices clamp to the first slide', () => {
    assert.deepEqual(nearestPosition(SHAPE, at(-1, -1)), at(0));
  });

  test('keeps paused and overview', () => {
    const position = { indexh: 9, indexv: 9, indexf: 9, paused: true, overview: true };
    assert.deepEqual(nearestPosition(SHAPE, position), {
      indexh: 3,
      indexv: 0,
      indexf: null,
      paused: true,
      overview: true,
    });
    assert.deepEqual(nearestPosition(SHAPE, { ...at(1, 0, 0), paused: false, overview: true }), {
      ...at(1, 0, 0),
      paused: false,
      overview: true,
    });
  });

  test('an empty shape gives the first position', () => {
    assert.deepEqual(nearestPosition([], at(4, 2, 1)), at(0));
    assert.deepEqual(nearestPosition([], { ...at(4, 2, 1), paused: true }), {
      ...at(0),
      paused: true,
    });
  });

  test('does not change the position it was given', () => {
    const position = at(8, 8, 8);
    nearestPosition(SHAPE, position);
    assert.deepEqual(position, at(8, 8, 8));
  });
});

describe('slideIndex and slideCount', () => {
  test('slideCount counts every slide, stacks flattened', () => {
    assert.equal(slideCount(SHAPE), 6);
    assert.equal(slideCount([[0]]), 1);
    assert.equal(slideCount([]), 0);
  });

  test('slideIndex numbers slides in reading order from 0', () => {
    assert.equal(slideIndex(SHAPE, at(0)), 0);
    assert.equal(slideIndex(SHAPE, at(1, 0, 1)), 1);
    assert.equal(slideIndex(SHAPE, at(2, 0)), 2);
    assert.equal(slideIndex(SHAPE, at(2, 1, 0)), 3);
    assert.equal(slideIndex(SHAPE, at(2, 2)), 4);
    assert.equal(slideIndex(SHAPE, at(3)), 5);
  });

  test('slideIndex clamps positions that do not exist', () => {
    assert.equal(slideIndex(SHAPE, at(9)), 5);
    assert.equal(slideIndex(SHAPE, at(2, 9)), 4);
    assert.equal(slideIndex(SHAPE, at(-1)), 0);
  });

  test('the last slide index is slideCount - 1', () => {
    const shape = [[0, 0, 0], [1], [0, 2]];
    assert.equal(slideIndex(shape, at(2, 1)), slideCount(shape) - 1);
  });
});

describe('positionOf', () => {
  const shape = [[0], [2, 0, 1], [0]];

  test('counts slides as slideIndex does, from 1', () => {
    assert.deepEqual(positionOf(shape, 1), { h: 0, v: 0 });
    assert.deepEqual(positionOf(shape, 2), { h: 1, v: 0 });
    assert.deepEqual(positionOf(shape, 4), { h: 1, v: 2 });
    assert.deepEqual(positionOf(shape, 5), { h: 2, v: 0 });
    for (let n = 1; n <= slideCount(shape); n += 1) {
      const at = positionOf(shape, n);
      assert.equal(slideIndex(shape, { indexh: at.h, indexv: at.v }) + 1, n);
    }
  });

  test('numbers out of range or not whole are no slide', () => {
    for (const bad of [0, -1, 6, 2.5, Number.NaN, 'two']) assert.equal(positionOf(shape, bad), null);
  });
});
