// The presenter's side of audience interaction (questions, polls, reactions),
// as pure values: what the speaker view and the remote keep from the
// `qa`, `questions`, `poll`, `reactions` and `presence` frames, and what they
// show and send. No DOM here, so all of it is tested with `node --test`;
// moderation-ui.js draws it.

/** Reactions the server accepts, in the order the tally shows them. */
export const DEFAULT_REACTIONS = ['👍', '👏', '😂', '😮', '❤️', '❓'];

/**
 * The deck's interaction settings from the page config, or null when
 * interaction is off (missing or `enabled: false`): the pages then show none
 * of its panels.
 */
export function interactionOf(config) {
  const found = config && config.interaction;
  if (!found || !found.enabled) return null;
  return {
    reactions: Array.isArray(found.reactions) && found.reactions.length ? found.reactions : DEFAULT_REACTIONS,
    polls: Array.isArray(found.polls) ? found.polls : [],
  };
}

const STATUS_RANK = { pending: 0, visible: 1, hidden: 2 };

/**
 * The questions as a presenter socket has them: `all: true` replaces the
 * list, `all: false` updates the questions it carries (whole) and drops the
 * ids in `removed`.
 */
export class QuestionBoard {
  constructor() {
    this.questions = new Map(); // id -> question
  }

  /** Take a `questions` frame; returns whether anything changed. */
  take(frame) {
    if (!frame || frame.type !== 'questions') return false;
    const incoming = Array.isArray(frame.questions) ? frame.questions : [];
    if (frame.all) this.questions.clear();
    for (const question of incoming) {
      if (question && typeof question.id === 'string') this.questions.set(question.id, question);
    }
    for (const id of Array.isArray(frame.removed) ? frame.removed : []) this.questions.delete(id);
    return Boolean(frame.all) || incoming.length > 0 || (frame.removed || []).length > 0;
  }

  get(id) {
    return this.questions.get(id) || null;
  }

  get size() {
    return this.questions.size;
  }

  /** How many wait for approval. */
  pendingCount() {
    let count = 0;
    for (const question of this.questions.values()) if (statusOf(question) === 'pending') count += 1;
    return count;
  }

  /** Every question, moderation order (see orderQuestions). */
  list(by = 'votes', pinnedId = null) {
    return orderQuestions([...this.questions.values()], by, pinnedId);
  }
}

/** A question's moderation status; a presenter frame always has one, an older server may not. */
export function statusOf(question) {
  return STATUS_RANK[question.status] === undefined ? 'visible' : question.status;
}

/**
 * The speaker's order: what waits for a decision first, then the pinned
 * question, then the others, hidden ones last; within each group by votes
 * (ties: oldest first, the order people asked) or by time (newest first, as
 * a feed reads). Stable for equal keys, so rows do not jump about.
 */
export function orderQuestions(questions, by = 'votes', pinnedId = null) {
  const rank = (q) => {
    const status = statusOf(q);
    if (status === 'pending') return 0;
    if (status === 'hidden') return 3;
    return q.id === pinnedId ? 1 : 2;
  };
  const at = (q) => (typeof q.at === 'number' ? q.at : 0);
  const votes = (q) => (typeof q.votes === 'number' ? q.votes : 0);
  return [...questions].sort((a, b) => {
    const group = rank(a) - rank(b);
    if (group) return group;
    if (by === 'time') return at(b) - at(a) || a.id.localeCompare(b.id);
    return votes(b) - votes(a) || at(a) - at(b) || a.id.localeCompare(b.id);
  });
}

/** The remote's short list: the `n` most upvoted questions the audience sees or may soon see. */
export function topQuestions(questions, n = 10) {
  return questions.filter((q) => statusOf(q) !== 'hidden')
    .sort((a, b) => (b.votes || 0) - (a.votes || 0) || (a.at || 0) - (b.at || 0) || a.id.localeCompare(b.id))
    .slice(0, n);
}

/**
 * The moderation buttons of a question: [{action, label}], each sent as
 * {"type":"moderate","id":..,"action":..}. "Show" is `approve` (it is what
 * puts a question in front of the audience). Pinning puts a question on the
 * screens, so only a question the audience may see can be pinned.
 */
export function questionActions(question, pinnedId = null, { compact = false } = {}) {
  const status = statusOf(question);
  const pinned = question.id === pinnedId || question.pinned === true;
  const actions = [];
  if (status === 'pending') actions.push({ action: 'approve', label: 'Approve' });
  if (status === 'hidden') actions.push({ action: 'approve', label: 'Show' });
  else actions.push({ action: 'hide', label: 'Hide' });
  if (question.answered) actions.push({ action: 'unanswer', label: compact ? 'Unanswer' : 'Not answered' });
  else actions.push({ action: 'answer', label: 'Answered' });
  if (pinned) actions.push({ action: 'unpin', label: 'Unpin' });
  else if (status === 'visible') actions.push({ action: 'pin', label: 'Pin' });
  return actions;
}

/** The four switches of the `qa` frame, with their defaults until one arrives. */
export const QA_SWITCHES = ['open', 'moderated', 'showPinned', 'showReactions'];

/**
 * The `qa` switches of a frame; without one, the state a welcome means
 * (questions open, nothing else on): a server may leave out a `qa` frame that
 * would only repeat the defaults.
 */
export function qaSettings(frame) {
  const settings = { open: true, moderated: false, showPinned: false, showReactions: false, pinned: null, seq: 0 };
  if (!frame) return settings;
  for (const key of QA_SWITCHES) settings[key] = Boolean(frame[key]);
  settings.pinned = frame.pinned && typeof frame.pinned.id === 'string' ? frame.pinned : null;
  settings.seq = typeof frame.seq === 'number' ? frame.seq : -1;
  return settings;
}

/**
 * The ids of the polls on the slide at (h, v): the config's polls with their
 * `slide`, and any `[data-poll]` ids found in the slide itself (`domIds`),
 * which still hold after a live reload moved slides around.
 */
export function pollsAt(polls, h, v, domIds = []) {
  const ids = [];
  for (const poll of polls || []) {
    const at = poll && poll.slide;
    if (at && at.h === h && (at.v || 0) === (v || 0) && !ids.includes(poll.id)) ids.push(poll.id);
  }
  for (const id of domIds) if (id && !ids.includes(id)) ids.push(id);
  return ids;
}

/** The latest `poll` frame of each poll. `mine` comes only now and then: keep the last one. */
export class PollBook {
  constructor() {
    this.polls = new Map();
  }

  take(frame) {
    if (!frame || frame.type !== 'poll' || typeof frame.poll !== 'string') return null;
    const before = this.polls.get(frame.poll);
    const merged = { ...frame };
    if (!('mine' in frame) && before && 'mine' in before) merged.mine = before.mine;
    this.polls.set(frame.poll, merged);
    return merged;
  }

  get(id) {
    return this.polls.get(id) || null;
  }

  all() {
    return [...this.polls.values()];
  }
}

/**
 * Opens a poll by itself the first time its slide is reached while it is
 * still "ready". Only arrivals count, not a poll turning "ready" under the
 * speaker's feet: a reset must leave the poll closed until asked. When the
 * speaker arrives before the poll's first frame (page start), the frame
 * settles it.
 */
export class AutoOpener {
  constructor() {
    this.done = new Set(); // polls this page opened or saw past "ready"
    this.waiting = new Set(); // polls of the slide reached, status not known yet
    this.here = [];
  }

  /**
   * The speaker is now on a slide holding `ids`; `statusOf(id)` is the known
   * status or null. Returns the ids to open now.
   */
  arrive(ids, status) {
    const fresh = ids.filter((id) => !this.here.includes(id));
    this.here = [...ids];
    this.waiting = new Set([...this.waiting].filter((id) => ids.includes(id)));
    const open = [];
    for (const id of fresh) {
      if (this.done.has(id)) continue;
      const known = status(id);
      if (known === null || known === undefined) this.waiting.add(id);
      else if (known === 'ready') open.push(id);
      else this.done.add(id); // opened before: the speaker is in charge now
    }
    for (const id of open) this.done.add(id);
    return open;
  }

  /** A poll frame came in; returns the ids to open now (one waiting on its first frame). */
  heard(frame) {
    if (!frame || !this.waiting.has(frame.poll)) return [];
    this.waiting.delete(frame.poll);
    if (this.done.has(frame.poll)) return [];
    this.done.add(frame.poll);
    return frame.status === 'ready' ? [frame.poll] : [];
  }
}

/**
 * Which poll buttons make sense now: open a poll that is not open, close an
 * open one, reveal or hide results only when the deck hides them from the
 * audience, reset once anything happened.
 */
export function pollActions(frame) {
  const status = frame ? frame.status : 'ready';
  const hides = Boolean(frame && frame.hideResults);
  const revealed = Boolean(frame && frame.revealed);
  return {
    open: status !== 'open',
    close: status === 'open',
    reveal: hides && !revealed,
    conceal: hides && revealed,
    reset: status !== 'ready' || Boolean(frame && frame.voters),
  };
}

/**
 * Reactions as a live tally: taps of the last `windowMs`, per reaction, so
 * the numbers rise while the room reacts and fade back to nothing after.
 */
export class ReactionTally {
  constructor(windowMs = 8000, now = () => Date.now()) {
    this.windowMs = windowMs;
    this.now = now;
    this.events = []; // [{at, emoji, count}] oldest first
  }

  add(counts) {
    const at = this.now();
    for (const [emoji, count] of Object.entries(counts || {})) {
      const n = Number(count);
      if (Number.isFinite(n) && n > 0) this.events.push({ at, emoji, count: n });
    }
  }

  /** {emoji: count} over the window; emojis with nothing left are absent. */
  totals() {
    const since = this.now() - this.windowMs;
    while (this.events.length && this.events[0].at <= since) this.events.shift();
    const totals = {};
    for (const { emoji, count } of this.events) totals[emoji] = (totals[emoji] || 0) + count;
    return totals;
  }
}

/** "42 watching · 3 browsing" from a `presence` frame (browsing left out by servers that do not say). */
export function presenceText(frame) {
  const audience = Number(frame && frame.audience) || 0;
  const browsing = frame && typeof frame.browsing === 'number' ? frame.browsing : null;
  return browsing === null ? `${audience} watching` : `${audience} watching · ${browsing} browsing`;
}
