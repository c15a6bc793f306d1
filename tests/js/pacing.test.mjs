// Pacing arithmetic of static/pacing.js: the talk's plan and where the speaker stands.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { formatDuration, pace, plannedTotal, timingPlan } from '../../static/pacing.js';

/** A plan from window lengths, for readable expectations. */
function windows(...durations) {
  let start = 0;
  return durations.map((duration) => {
    const slot = { start, end: start + duration };
    start += duration;
    return slot;
  });
}

describe('timingPlan', () => {
  test('no budget at all gives no plan', () => {
    assert.equal(timingPlan([null, null, null]), null);
    assert.equal(timingPlan([null, null], {}), null);
    assert.equal(timingPlan([null, null], { totalTime: null, defaultTiming: null }), null);
  });

  test('a deck without slides gives no plan', () => {
    assert.equal(timingPlan([], { totalTime: 600, defaultTiming: 60 }), null);
  });

  test('defaultTiming applies to every slide', () => {
    assert.deepEqual(timingPlan([null, null, null], { defaultTiming: 60 }), windows(60, 60, 60));
  });

  test('data-timing overrides defaultTiming per slide', () => {
    assert.deepEqual(
      timingPlan([null, 30, null, 200], { defaultTiming: 60 }),
      windows(60, 30, 60, 200),
    );
  });

  test('data-timing alone plans the other slides at two minutes each', () => {
    assert.deepEqual(timingPlan([null, 30, null]), windows(120, 30, 120));
  });

  test('totalTime is spread over the slides without data-timing', () => {
    // 600 s minus the explicit 120 s, over the three other slides: 160 s each.
    assert.deepEqual(
      timingPlan([null, 120, null, null], { totalTime: 600 }),
      windows(160, 120, 160, 160),
    );
    assert.deepEqual(timingPlan([null, null, null, null], { totalTime: 600 }), windows(150, 150, 150, 150));
  });

  test('totalTime wins over defaultTiming', () => {
    assert.deepEqual(
      timingPlan([null, null], { totalTime: 100, defaultTiming: 60 }),
      windows(50, 50),
    );
  });

  test('totalTime smaller than the explicit timings never gives negative windows', () => {
    const plan = timingPlan([null, 150, null], { totalTime: 100 });
    assert.deepEqual(plan, windows(0, 150, 0));
    for (const slot of plan) assert.ok(slot.end >= slot.start, JSON.stringify(slot));
  });

  test('totalTime with every slide timed keeps the explicit timings', () => {
    assert.deepEqual(timingPlan([10, 20], { totalTime: 1000 }), windows(10, 20));
  });

  test('string timings are parsed', () => {
    assert.deepEqual(timingPlan(['30', null, '45.5'], { defaultTiming: '60' }), windows(30, 60, 45.5));
    assert.deepEqual(timingPlan([null, null], { totalTime: '90' }), windows(45, 45));
  });

  test('unusable timings count as absent', () => {
    assert.deepEqual(
      timingPlan(['soon', -5, Number.NaN, undefined, 10], { defaultTiming: 60 }),
      windows(60, 60, 60, 60, 10),
    );
    assert.equal(timingPlan(['soon', -5], { totalTime: -1, defaultTiming: 'x' }), null);
  });

  test('windows follow each other without gaps', () => {
    const plan = timingPlan([null, 17, null, 3, null], { totalTime: 300 });
    assert.equal(plan[0].start, 0);
    for (let i = 1; i < plan.length; i += 1) assert.equal(plan[i].start, plan[i - 1].end);
    assert.equal(plannedTotal(plan), 300);
  });
});

describe('plannedTotal', () => {
  test('is the end of the last window, 0 without a plan', () => {
    assert.equal(plannedTotal(windows(60, 30)), 90);
    assert.equal(plannedTotal(null), 0);
    assert.equal(plannedTotal([]), 0);
  });
});

describe('pace', () => {
  // Slide 0: 0-60, slide 1: 60-90, slide 2: 90-150.
  const plan = windows(60, 30, 60);

  test('no plan, no pace', () => {
    assert.equal(pace(null, 0, 10), null);
    assert.equal(pace([], 0, 10), null);
  });

  test('ahead: seconds before the slide was due to start', () => {
    assert.deepEqual(pace(plan, 1, 20), { status: 'ahead', seconds: 40 });
    assert.deepEqual(pace(plan, 2, 0), { status: 'ahead', seconds: 90 });
    assert.deepEqual(pace(plan, 1, 59.5), { status: 'ahead', seconds: 0.5 });
  });

  test('on time: seconds left for the slide, boundaries included', () => {
    assert.deepEqual(pace(plan, 1, 60), { status: 'on-time', seconds: 30 });
    assert.deepEqual(pace(plan, 1, 75), { status: 'on-time', seconds: 15 });
    assert.deepEqual(pace(plan, 1, 90), { status: 'on-time', seconds: 0 });
    assert.deepEqual(pace(plan, 0, 0), { status: 'on-time', seconds: 60 });
  });

  test('behind: seconds past the slide planned end', () => {
    assert.deepEqual(pace(plan, 1, 91), { status: 'behind', seconds: 1 });
    assert.deepEqual(pace(plan, 0, 100), { status: 'behind', seconds: 40 });
    assert.deepEqual(pace(plan, 2, 210), { status: 'behind', seconds: 60 });
  });

  test('an index outside the plan is clamped', () => {
    assert.deepEqual(pace(plan, 9, 160), { status: 'behind', seconds: 10 });
    assert.deepEqual(pace(plan, -1, 10), { status: 'on-time', seconds: 50 });
  });
});

describe('formatDuration', () => {
  test('m:ss under an hour', () => {
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(5), '0:05');
    assert.equal(formatDuration(59.9), '0:59');
    assert.equal(formatDuration(61), '1:01');
    assert.equal(formatDuration(600), '10:00');
    assert.equal(formatDuration(3599), '59:59');
  });

  test('h:mm:ss from an hour on', () => {
    assert.equal(formatDuration(3600), '1:00:00');
    assert.equal(formatDuration(3661), '1:01:01');
    assert.equal(formatDuration(36000 + 59), '10:00:59');
  });

  test('negative durations show as zero', () => {
    assert.equal(formatDuration(-12), '0:00');
  });
});
