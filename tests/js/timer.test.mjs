// The talk timer's view on a page (static/timer.js), with a fake clock.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { LiveTimer } from '../../static/timer.js';

class FakeClock {
  constructor(ms = 1_000_000) {
    this.ms = ms;
    this.now = () => this.ms;
  }

  advance(seconds) {
    this.ms += seconds * 1000;
  }
}

describe('LiveTimer', () => {
  test('starts stopped at zero', () => {
    const timer = new LiveTimer(new FakeClock().now);
    assert.equal(timer.running, false);
    assert.equal(timer.elapsed(), 0);
  });

  test('a running timer counts on from when its message arrived', () => {
    const clock = new FakeClock();
    const timer = new LiveTimer(clock.now);
    assert.equal(timer.take({ type: 'timer', seq: 1, running: true, elapsed: 12.5 }), true);
    assert.equal(timer.elapsed(), 12.5);
    clock.advance(3);
    assert.equal(timer.elapsed(), 15.5);
  });

  test('a stopped timer stays where the server says', () => {
    const clock = new FakeClock();
    const timer = new LiveTimer(clock.now);
    timer.take({ seq: 2, running: false, elapsed: 42 });
    clock.advance(60);
    assert.equal(timer.elapsed(), 42);
  });

  test('an older message does not undo a newer one', () => {
    const clock = new FakeClock();
    const timer = new LiveTimer(clock.now);
    timer.take({ seq: 5, running: false, elapsed: 0 });
    assert.equal(timer.take({ seq: 4, running: true, elapsed: 99 }), false);
    assert.equal(timer.running, false);
    assert.equal(timer.elapsed(), 0);
    assert.equal(timer.take({ seq: 6, running: true, elapsed: 1 }), true);
    assert.equal(timer.running, true);
  });

  test('the same seq again (a welcome after a reconnect) is taken', () => {
    const clock = new FakeClock();
    const timer = new LiveTimer(clock.now);
    timer.take({ seq: 3, running: true, elapsed: 10 });
    clock.advance(5);
    timer.take({ seq: 3, running: true, elapsed: 15.2 });
    assert.equal(timer.elapsed(), 15.2);
  });

  test('remaining time counts down to the plan and past it', () => {
    const clock = new FakeClock();
    const timer = new LiveTimer(clock.now);
    timer.take({ seq: 1, running: true, elapsed: 100 });
    assert.equal(timer.remaining(600), 500);
    clock.advance(600);
    assert.equal(timer.remaining(600), -100);
    assert.equal(timer.remaining(null), null);
    assert.equal(timer.remaining(0), null);
  });

  test('damaged messages read as zero', () => {
    const timer = new LiveTimer(new FakeClock().now);
    timer.take({ seq: 1, running: 'yes', elapsed: 'x' });
    assert.equal(timer.elapsed(), 0);
    assert.equal(timer.running, true);
  });
});
