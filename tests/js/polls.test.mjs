// Poll arithmetic and what a poll widget shows (static/interact/polls.js and
// poll-chart.js); the drawing itself is covered by the browser tests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { chartRows, percentages, votersLabel } from '../../static/interact/poll-chart.js';
import { PollBoard, nextChoices, normalSpec, pollView } from '../../static/interact/polls.js';

const spec = normalSpec({ id: 'c', question: 'Colour?', options: ['Red', 'Green', 'Blue'], multiple: false, hideResults: false });
const frame = (extra) => ({ type: 'poll', poll: 'c', status: 'open', counts: [1, 2, 0], voters: 3, ...extra });

describe('percentages', () => {
  test('single choice: whole numbers that add up to 100', () => {
    assert.deepEqual(percentages([1, 1, 1], 3), [34, 33, 33]);
    assert.deepEqual(percentages([2, 1], 3), [67, 33]);
    assert.deepEqual(percentages([1, 1, 1, 1, 1, 1, 1], 7).reduce((a, b) => a + b), 100);
  });

  test('multiple choice: each option its own share of the voters', () => {
    assert.deepEqual(percentages([3, 2, 3], 4), [75, 50, 75]);
  });

  test('no voters: all zero', () => {
    assert.deepEqual(percentages([0, 0], 0), [0, 0]);
  });
});

describe('chartRows', () => {
  test('rows carry label, count, percent and share of the voters', () => {
    assert.deepEqual(chartRows(['A', 'B'], [3, 1], 4), [
      { index: 0, label: 'A', count: 3, percent: 75, share: 0.75 },
      { index: 1, label: 'B', count: 1, percent: 25, share: 0.25 },
    ]);
  });

  test('voters default to the sum; missing or bad counts are zero', () => {
    const rows = chartRows(['A', 'B', 'C'], [2, 'x', -4]);
    assert.deepEqual(rows.map((r) => [r.count, r.percent]), [[2, 100], [0, 0], [0, 0]]);
    assert.deepEqual(chartRows(['A'], null, 0).map((r) => r.count), [0]);
  });

  test('labels are strings', () => {
    assert.equal(votersLabel(1), '1 voter');
    assert.equal(votersLabel(2), '2 voters');
  });
});

describe('nextChoices', () => {
  test('single choice: just the tapped option', () => {
    assert.deepEqual(nextChoices([0], 2, false), [2]);
    assert.deepEqual(nextChoices([], 1, false), [1]);
  });

  test('multiple: toggles, sorted, may become empty (withdrawn)', () => {
    assert.deepEqual(nextChoices([2], 0, true), [0, 2]);
    assert.deepEqual(nextChoices([0, 2], 2, true), [0]);
    assert.deepEqual(nextChoices([0], 0, true), []);
  });
});

describe('pollView', () => {
  test('no frame yet: disabled, no results', () => {
    const view = pollView(spec, null, { interactive: true });
    assert.equal(view.status, 'none');
    assert.equal(view.enabled, false);
    assert.equal(view.rows, null);
  });

  test('ready: "Poll opens soon", disabled even for the audience', () => {
    const view = pollView(spec, frame({ status: 'ready', counts: null, voters: 0 }), { interactive: true });
    assert.equal(view.text, 'Poll opens soon');
    assert.equal(view.enabled, false);
  });

  test('open: the audience may vote; display-only views may not', () => {
    assert.equal(pollView(spec, frame(), { interactive: true }).enabled, true);
    assert.equal(pollView(spec, frame(), { interactive: false }).enabled, false);
  });

  test('results shown with counts, with the voters in the status', () => {
    const view = pollView(spec, frame(), { interactive: true, choices: [1] });
    assert.deepEqual(view.rows.map((r) => r.count), [1, 2, 0]);
    assert.match(view.text, /Your vote is in · 3 voters/);
    assert.deepEqual([...view.chosen], [1]);
  });

  test('hidden results: no bars, and the status says they come later', () => {
    const hidden = normalSpec({ ...spec, hideResults: true });
    const view = pollView(hidden, frame({ counts: null, voters: 17 }), { interactive: true });
    assert.equal(view.rows, null);
    assert.match(view.text, /17 voters · results later/);
  });

  test('closed: disabled, final results when known', () => {
    const view = pollView(spec, frame({ status: 'closed' }), { interactive: true });
    assert.equal(view.enabled, false);
    assert.match(view.text, /^Poll closed/);
    assert.notEqual(view.rows, null);
  });
});

describe('PollBoard', () => {
  // No DOM here: a root without poll elements, so only the bookkeeping runs.
  const root = { querySelectorAll: () => [] };

  test('a vote is sent with the next choices and kept in flight until acknowledged', () => {
    const sent = [];
    const board = new PollBoard({ polls: [spec], interactive: true, send: (m) => sent.push(m) > 0, root });
    board.take(frame({ mine: [] }));
    board.vote('c', 2);
    assert.deepEqual(sent, [{ type: 'vote', poll: 'c', choices: [2] }]);
    assert.deepEqual(board.inFlight.get('c'), [2]);
    board.voted({ type: 'voted', poll: 'c', choices: [2] });
    assert.equal(board.inFlight.has('c'), false);
    assert.deepEqual(board.mine.get('c'), [2]);
  });

  test('tapping the chosen option of a single-choice poll sends nothing', () => {
    const sent = [];
    const board = new PollBoard({ polls: [spec], interactive: true, send: (m) => sent.push(m) > 0, root });
    board.take(frame({ mine: [1] }));
    board.vote('c', 1);
    assert.deepEqual(sent, []);
  });

  test('not connected: nothing in flight, a message instead', () => {
    const board = new PollBoard({ polls: [spec], interactive: true, send: () => false, root });
    board.vote('c', 0);
    assert.equal(board.inFlight.has('c'), false);
    assert.match(board.messages.get('c'), /Not connected/);
  });

  test('an error for the vote drops it from flight and says why', () => {
    const board = new PollBoard({ polls: [spec], interactive: true, send: () => true, root });
    board.vote('c', 0);
    board.failed({ type: 'error', code: 'closed', for: 'vote', poll: 'c' });
    assert.equal(board.inFlight.has('c'), false);
    assert.equal(board.messages.get('c'), 'This poll is not open');
  });

  test('a frame with the poll closed or reset ends what was in flight', () => {
    const board = new PollBoard({ polls: [spec], interactive: true, send: () => true, root });
    board.vote('c', 0);
    board.take(frame({ status: 'ready', counts: null, mine: [] }));
    assert.equal(board.inFlight.has('c'), false);
    assert.deepEqual(board.mine.get('c'), []);
  });

  test('a frame describing the poll wins over the config', () => {
    const board = new PollBoard({ polls: [spec], root });
    board.take(frame({ question: 'New?', options: ['X', 'Y'] }));
    assert.deepEqual(board.specOf('c', null).options, ['X', 'Y']);
    assert.deepEqual(board.specOf('unknown', null), normalSpec({ question: '', options: [] }, 'unknown'));
  });
});

describe('PollBoard after a reset', () => {
  test('a poll back to ready has no vote of the voter, even without `mine`', () => {
    const board = new PollBoard({ polls: [spec], interactive: true, send: () => true, root: { querySelectorAll: () => [] } });
    board.take(frame({ mine: [2] }));
    board.take(frame({ status: 'ready', counts: [0, 0, 0], voters: 0 }));
    assert.equal(board.mine.has('c'), false);
  });
});

describe('PollBoard with quick taps', () => {
  test('the acknowledgement of an older vote keeps the newer one in flight', () => {
    const board = new PollBoard({
      polls: [{ ...spec, multiple: true }], interactive: true, send: () => true, root: { querySelectorAll: () => [] },
    });
    board.take(frame({ multiple: true, mine: [] }));
    board.vote('c', 0);
    board.vote('c', 2);
    assert.deepEqual(board.inFlight.get('c'), [0, 2]);
    board.voted({ type: 'voted', poll: 'c', choices: [0] });
    assert.deepEqual(board.inFlight.get('c'), [0, 2]);
    board.voted({ type: 'voted', poll: 'c', choices: [0, 2] });
    assert.equal(board.inFlight.has('c'), false);
    assert.deepEqual(board.mine.get('c'), [0, 2]);
  });
});
