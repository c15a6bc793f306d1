// The speaker's timer (static/timer.js) with a fake storage and a fake clock.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { Timer } from '../../static/timer.js';

const KEY = 'presenter-timer:md';

class FakeStorage {
  constructor(entries = {}) {
    this.entries = new Map(Object.entries(entries));
  }

  getItem(key) {
    return this.entries.has(key) ? this.entries.get(key) : null;
  }

  setItem(key, value) {
    this.entries.set(key, String(value));
  }
}

class FakeClock {
  constructor(ms = 1_000_000) {
    this.ms = ms;
    this.now = () => this.ms;
  }

  advance(seconds) {
    this.ms += seconds * 1000;
  }
}

function setup(entries) {
  const storage = new FakeStorage(entries);
  const clock = new FakeClock();
  return { storage, clock, timer: new Timer(KEY, storage, clock.now) };
}

describe('Timer arithmetic', () => {
  test('a new timer is stopped at zero and does not move', () => {
    const { clock, timer } = setup();
    assert.equal(timer.running, false);
    assert.equal(timer.elapsed(), 0);
    clock.advance(30);
    assert.equal(timer.elapsed(), 0);
  });

  test('start counts seconds from now', () => {
    const { clock, timer } = setup();
    timer.start();
    assert.equal(timer.running, true);
    assert.equal(timer.elapsed(), 0);
    clock.advance(12.5);
    assert.equal(timer.elapsed(), 12.5);
  });

  test('pause freezes the elapsed time and start resumes from it', () => {
    const { clock, timer } = setup();
    timer.start();
    clock.advance(10);
    timer.pause();
    assert.equal(timer.running, false);
    clock.advance(100);
    assert.equal(timer.elapsed(), 10);
    timer.start();
    clock.advance(5);
    assert.equal(timer.elapsed(), 15);
  });

  test('start on a running timer and pause on a stopped one change nothing', () => {
    const { clock, timer } = setup();
    timer.pause();
    assert.equal(timer.elapsed(), 0);
    timer.start();
    clock.advance(4);
    timer.start();
    clock.advance(4);
    assert.equal(timer.elapsed(), 8);
    timer.pause();
    clock.advance(4);
    timer.pause();
    assert.equal(timer.elapsed(), 8);
  });

  test('toggle starts and pauses', () => {
    const { clock, timer } = setup();
    timer.toggle();
    assert.equal(timer.running, true);
    clock.advance(3);
    timer.toggle();
    assert.equal(timer.running, false);
    clock.advance(3);
    assert.equal(timer.elapsed(), 3);
    timer.toggle();
    clock.advance(2);
    assert.equal(timer.elapsed(), 5);
  });

  test('reset stops at zero, whether running or not', () => {
    const { clock, timer } = setup();
    timer.start();
    clock.advance(20);
    timer.reset();
    assert.equal(timer.running, false);
    assert.equal(timer.elapsed(), 0);
    clock.advance(20);
    assert.equal(timer.elapsed(), 0);
    timer.start();
    clock.advance(1);
    timer.pause();
    timer.reset();
    assert.equal(timer.elapsed(), 0);
  });
});

describe('Timer persistence', () => {
  test('a running timer is restored running by a new Timer on the same storage', () => {
    const { storage, clock, timer } = setup();
    timer.start();
    clock.advance(42);
    const again = new Timer(KEY, storage, clock.now);
    assert.equal(again.running, true);
    assert.equal(again.elapsed(), 42);
    clock.advance(8);
    assert.equal(again.elapsed(), 50);
  });

  test('a paused timer is restored paused with its elapsed time', () => {
    const { storage, clock, timer } = setup();
    timer.start();
    clock.advance(30);
    timer.pause();
    clock.advance(600);
    const again = new Timer(KEY, storage, clock.now);
    assert.equal(again.running, false);
    assert.equal(again.elapsed(), 30);
    again.start();
    clock.advance(1);
    assert.equal(again.elapsed(), 31);
  });

  test('a reset is persisted', () => {
    const { storage, clock, timer } = setup();
    timer.start();
    clock.advance(30);
    timer.reset();
    const again = new Timer(KEY, storage, clock.now);
    assert.equal(again.running, false);
    assert.equal(again.elapsed(), 0);
  });

  test('the state is stored as JSON under the key', () => {
    const { storage, clock, timer } = setup();
    timer.start();
    clock.advance(7);
    timer.pause();
    assert.deepEqual(JSON.parse(storage.getItem(KEY)), { startedAt: null, pausedMs: 7000 });
  });

  test('timers under other keys are independent', () => {
    const { storage, clock, timer } = setup();
    timer.start();
    clock.advance(9);
    const other = new Timer('presenter-timer:html', storage, clock.now);
    assert.equal(other.running, false);
    assert.equal(other.elapsed(), 0);
  });

  for (const [name, value] of [
    ['not JSON', '{oops'],
    ['JSON of the wrong shape', '"hello"'],
    ['an array', '[1, 2]'],
    ['pausedMs that is not a number', '{"startedAt": 5, "pausedMs": "a lot"}'],
    ['null', 'null'],
  ]) {
    test(`a corrupt stored value (${name}) starts fresh`, () => {
      const { clock, timer } = setup({ [KEY]: value });
      assert.equal(timer.running, false);
      assert.equal(timer.elapsed(), 0);
      timer.start();
      clock.advance(2);
      assert.equal(timer.elapsed(), 2);
    });
  }

  test('a storage that throws does not break the timer', () => {
    const storage = {
      getItem() {
        throw new Error('SecurityError');
      },
      setItem() {
        throw new Error('QuotaExceededError');
      },
    };
    const clock = new FakeClock();
    const timer = new Timer(KEY, storage, clock.now);
    timer.start();
    clock.advance(3);
    assert.equal(timer.elapsed(), 3);
    timer.pause();
    timer.reset();
    assert.equal(timer.elapsed(), 0);
  });
});
