// Slide-state helpers (static/state.js): wire forms, the echo guard, snapshots.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { LiveSnapshot, Mirror, sameState, toReveal, toWire } from '../../static/state.js';

/** A reveal.js stand-in: setState reports a change, as reveal.js fires slidechanged. */
class FakeReveal {
  constructor(mirror) {
    this.state = { indexh: 0, indexv: 0, paused: false, overview: false };
    this.reported = [];
    this.mirror = mirror;
  }

  getState() {
    return this.state;
  }

  setState(state) {
    this.state = { ...state };
    this.reported.push({ viewers: !this.mirror().busy });
  }
}

describe('wire forms', () => {
  test('indexf is null when no fragment is shown, and absent for reveal.js', () => {
    assert.deepEqual(toWire({ indexh: 2, indexv: 1 }), {
      indexh: 2, indexv: 1, indexf: null, paused: false, overview: false,
    });
    assert.equal('indexf' in toReveal({ indexh: 1, indexf: null }), false);
    assert.equal(toReveal({ indexh: 1, indexf: 0 }).indexf, 0);
  });

  test('a missing fragment and fragment -1 show the same thing', () => {
    assert.equal(sameState({ indexh: 1, indexf: -1 }, { indexh: 1 }), true);
    assert.equal(sameState({ indexh: 1, indexf: 0 }, { indexh: 1 }), false);
    assert.equal(sameState(null, { indexh: 1 }), false);
  });
});

describe('Mirror', () => {
  test('a state it applies is never reported as the viewer\'s', () => {
    let mirror = null;
    const reveal = new FakeReveal(() => mirror);
    mirror = new Mirror(reveal);
    assert.equal(mirror.apply({ indexh: 3 }), true);
    assert.equal(mirror.apply({ indexh: 3 }), false); // already shown
    assert.deepEqual(reveal.reported, [{ viewers: false }]);
    assert.equal(mirror.busy, false);
    reveal.setState({ indexh: 4 }); // the viewer's own move
    assert.deepEqual(reveal.reported.at(-1), { viewers: true });
  });

  test('during() holds busy until its promise settles, even when it fails', async () => {
    let mirror = null;
    const reveal = new FakeReveal(() => mirror);
    mirror = new Mirror(reveal);
    let finish = null;
    const work = mirror.during(() => new Promise((resolve) => { finish = resolve; }));
    assert.equal(mirror.busy, true);
    reveal.setState({ indexh: 1 }); // slides swapped by a reload
    finish('done');
    assert.equal(await work, 'done');
    assert.equal(mirror.busy, false);
    assert.deepEqual(reveal.reported, [{ viewers: false }]);
    await assert.rejects(mirror.during(() => Promise.reject(new Error('broken'))), /broken/);
    assert.equal(mirror.busy, false);
    assert.throws(() => mirror.during(() => { throw new Error('sync'); }), /sync/);
    assert.equal(mirror.busy, false);
  });
});

describe('LiveSnapshot', () => {
  test('takes a welcome and newer states only', () => {
    const live = new LiveSnapshot(3, { indexh: 3 });
    assert.equal(live.take({ type: 'state', seq: 2, state: { indexh: 2 } }), false);
    assert.equal(live.take({ type: 'state', seq: 4, state: { indexh: 4 } }), true);
    assert.deepEqual([live.seq, live.state], [4, { indexh: 4 }]);
    assert.equal(live.take({ type: 'welcome', seq: 1, state: { indexh: 1 } }), true);
    assert.equal(live.seq, 1);
  });
});
