// The audience's questions as this page knows them: merged from the server's
// `questions` frames, sorted for the list, and the checks the server makes on
// a question before it is sent (so the form can say so before the round trip).

export const QUESTION_MAX = 280;
export const NAME_MAX = 40;

// Codes after which the same question may be sent again with the same ref:
// nothing was stored, and a retry must not make a second question if it was.
const RETRYABLE = new Set(['rate_limited', 'unavailable']);

// As presenter/core/questions.py cleans: these become spaces; control
// characters, bidirectional overrides (text that reads as something else
// than what was typed) and lone surrogates go.
const SPACES = /[\n\r\t\v\f\u0085\u2028\u2029]/g;
const DROPPED = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/gu;

/** Text as the server keeps it: line breaks as spaces, control characters gone, trimmed. */
export function cleanText(text) {
  return String(text ?? '').replace(SPACES, ' ').replace(DROPPED, '').trim();
}

/** Length in code points, as the server counts (an emoji is one, not two). */
export function length(text) {
  return [...text].length;
}

/**
 * Check a question and a name as typed. Returns the cleaned values, the
 * characters left for the question (negative when over) and the first
 * problem: null, 'empty', 'too_long' or 'name_too_long'.
 */
export function checkQuestion(text, name = '') {
  const cleanQuestion = cleanText(text);
  const cleanName = cleanText(name);
  const left = QUESTION_MAX - length(cleanQuestion);
  let problem = null;
  if (!cleanQuestion) problem = 'empty';
  else if (left < 0) problem = 'too_long';
  else if (length(cleanName) > NAME_MAX) problem = 'name_too_long';
  return { text: cleanQuestion, name: cleanName, left, problem };
}

/** Merge a `questions` frame into `map` (id → question): all:true replaces it, else upsert and remove. */
export function mergeQuestions(map, frame) {
  if (frame.all) map.clear();
  for (const question of frame.questions || []) {
    if (question && typeof question.id === 'string') map.set(question.id, question);
  }
  if (!frame.all) for (const id of frame.removed || []) map.delete(id);
  return map;
}

const newestFirst = (a, b) => (Number(b.at) || 0) - (Number(a.at) || 0) || String(a.id).localeCompare(String(b.id));

/** The questions in list order: 'top' (most votes, then newest) or 'new' (newest first). */
export function sortQuestions(questions, order = 'top') {
  const list = [...questions];
  if (order === 'new') return list.sort(newestFirst);
  return list.sort((a, b) => (Number(b.votes) || 0) - (Number(a.votes) || 0) || newestFirst(a, b));
}

/** The questions a voter sees, with which are theirs and which they upvoted. */
export class QuestionBook {
  constructor() {
    this.questions = new Map();
    this.mine = new Set();
    this.upvoted = new Set();
  }

  /** Take a `questions` frame. */
  take(frame) {
    mergeQuestions(this.questions, frame);
    if (frame.all) {
      this.mine = new Set(frame.mine || []);
      this.upvoted = new Set(frame.upvoted || []);
    } else {
      for (const id of frame.removed || []) this.upvoted.delete(id);
    }
  }

  /** Take an `asked` acknowledgement: the question is the voter's own. */
  asked(question) {
    if (!question || typeof question.id !== 'string') return;
    // A `questions` frame may have brought it first, with newer votes.
    const known = this.questions.get(question.id);
    this.questions.set(question.id, known ? { ...question, ...known } : question);
    this.mine.add(question.id);
  }

  /** Take an `upvoted` acknowledgement. */
  setUpvoted(id, on) {
    if (on) this.upvoted.add(id);
    else this.upvoted.delete(id);
  }

  /** Whether the question is the voter's own and not yet approved. */
  awaiting(question) {
    return question.status === 'pending' && this.mine.has(question.id);
  }

  sorted(order) {
    return sortQuestions(this.questions.values(), order);
  }

  get size() {
    return this.questions.size;
  }
}

/** A random ref for an `ask` (crypto.randomUUID needs https; phones on a LAN use http). */
export function randomRef(random = globalThis.crypto) {
  const bytes = new Uint8Array(9);
  random.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(36).padStart(2, '0')).join('');
}

/**
 * The question being asked until the server acknowledges it. Sending the same
 * text and name again (a retry, or a resend after a reconnect) reuses its ref,
 * so the server never makes it twice.
 */
export class PendingAsk {
  constructor(makeRef = randomRef) {
    this.makeRef = makeRef;
    this.current = null;
  }

  /** The `ask` message for this text and name. */
  prepare(text, name) {
    const same = this.current && this.current.text === text && this.current.name === name;
    if (!same) this.current = { ref: this.makeRef(), text, name };
    const msg = { type: 'ask', text, ref: this.current.ref };
    if (name) msg.name = name;
    return msg;
  }

  /** The message to send again after a reconnect, or null. */
  resend() {
    return this.current ? this.prepare(this.current.text, this.current.name) : null;
  }

  /** Whether `ref` is the question in flight. */
  is(ref) {
    return Boolean(this.current) && this.current.ref === ref;
  }

  /** Acknowledged: nothing is pending any more. */
  settle(ref) {
    if (!this.is(ref)) return false;
    this.current = null;
    return true;
  }

  /** Refused with `code`: keep it for a retry only when nothing can have been stored. */
  fail(ref, code) {
    if (!this.is(ref)) return false;
    if (!RETRYABLE.has(code)) this.current = null;
    return true;
  }
}
