// What the audience page says when the server refuses a question
// (static/interact/interaction.js); the rest of it is DOM and covered by the
// browser tests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { askError } from '../../static/interact/interaction.js';

describe('askError', () => {
  test('known codes get the panel\'s own words', () => {
    assert.equal(askError({ code: 'closed', message: 'questions are closed' }), 'Questions are closed');
    assert.match(askError({ code: 'rate_limited', message: 'too many messages; slow down' }), /^Slow down/);
  });

  test('the per-voter cap says waiting will not help', () => {
    assert.equal(
      askError({ code: 'too_many', message: 'at most 20 questions each' }),
      'You have asked 20 questions, as many as one person may',
    );
  });

  test('an unknown code shows the server\'s message, else a fallback', () => {
    assert.equal(askError({ code: 'new_code', message: 'Something new' }), 'Something new');
    assert.equal(askError({ code: 'new_code' }), 'Your question was not accepted');
  });
});
