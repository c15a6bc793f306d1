// Polls on slides: every `[data-poll]` element of a deck is drawn as the
// poll's question, one button per option and, once results may be shown, a
// bar in each. The audience page votes with the buttons; the speaker view's
// frames show the same widget, display only, fed by the speaker view.

import { keepPressesFromReveal } from './keys.js';
import { chartRows, renderBar, votersLabel } from './poll-chart.js';

/** A poll's description from the deck config, a `poll` frame or an HTML deck's element. */
export function normalSpec(raw, id = raw && raw.id) {
  if (!raw) return null;
  return {
    id: String(id),
    question: typeof raw.question === 'string' ? raw.question : '',
    options: Array.isArray(raw.options) ? raw.options.map(String) : [],
    multiple: Boolean(raw.multiple),
    hideResults: Boolean(raw.hideResults),
  };
}

/** The poll an HTML deck wrote inside its element: `<p>` question, `<li>` options, data-multiple, data-hide-results. */
export function specFromElement(element) {
  const question = element.querySelector('p, h1, h2, h3, h4, h5, h6');
  const options = [...element.querySelectorAll('li')].map((li) => li.textContent.trim());
  if (!question && !options.length) return null;
  return normalSpec({
    question: question ? question.textContent.trim() : '',
    options,
    multiple: element.hasAttribute('data-multiple'),
    hideResults: element.hasAttribute('data-hide-results'),
  }, element.dataset.poll);
}

/** The choices after tapping option `index`: toggled on a multiple poll, else just it. */
export function nextChoices(current, index, multiple) {
  if (!multiple) return [index];
  const chosen = new Set(current || []);
  if (chosen.has(index)) chosen.delete(index);
  else chosen.add(index);
  return [...chosen].sort((a, b) => a - b);
}

/**
 * What a poll widget shows, from its description and the latest `poll` frame
 * (or none yet). `choices` are the voter's (in flight or acknowledged).
 */
export function pollView(spec, frame, { interactive = false, choices = [] } = {}) {
  const status = frame && ['ready', 'open', 'closed'].includes(frame.status) ? frame.status : 'none';
  const counts = frame && Array.isArray(frame.counts) ? frame.counts : null;
  const voters = frame && typeof frame.voters === 'number' ? frame.voters : null;
  const chosen = new Set(choices);
  const enabled = interactive && status === 'open';
  const showResults = counts !== null && status !== 'ready';
  let text = '';
  if (status === 'ready') text = 'Poll opens soon';
  else if (status === 'open') {
    if (!interactive) text = 'Voting is open';
    else if (chosen.size) text = spec.multiple ? 'Your votes are in' : 'Your vote is in';
    else text = spec.multiple ? 'Choose one or more' : 'Choose one';
  } else if (status === 'closed') text = 'Poll closed';
  else if (interactive) text = 'Connecting…';
  if (status !== 'none' && status !== 'ready' && voters !== null) text += ` · ${votersLabel(voters)}`;
  if (status !== 'none' && status !== 'ready' && counts === null && spec.hideResults) text += ' · results later';
  return {
    status,
    enabled,
    chosen,
    rows: showResults ? chartRows(spec.options, counts, voters) : null,
    text,
  };
}

/**
 * Draw a poll into `container`. `frame` is the latest `poll` frame or null;
 * with `interactive`, tapping an option calls `onVote(index)`. `choices` are
 * the voter's choices to mark, `message` an error to show.
 */
export function renderPoll(container, spec, frame, {
  interactive = false, onVote = null, choices = [], message = '',
} = {}) {
  const view = pollView(spec, frame, { interactive, choices });
  const focused = container.contains(document.activeElement) ? document.activeElement.dataset.index : undefined;
  container.classList.add('presenter-poll');
  container.dataset.status = view.status;
  container.classList.toggle('presenter-poll-results', Boolean(view.rows));
  container.classList.toggle('presenter-poll-multiple', spec.multiple);
  container.classList.toggle('presenter-poll-long', spec.options.length > 4);

  const question = document.createElement('p');
  question.className = 'presenter-poll-question';
  question.textContent = spec.question;

  const group = document.createElement('div');
  group.className = 'presenter-poll-options';
  group.addEventListener('keydown', keepPressesFromReveal);
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', spec.question || 'Poll');
  spec.options.forEach((label, index) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'presenter-poll-option';
    button.dataset.index = String(index);
    button.disabled = !view.enabled;
    button.setAttribute('aria-pressed', String(view.chosen.has(index)));
    if (view.chosen.has(index)) button.classList.add('chosen');
    const mark = document.createElement('span');
    mark.className = 'presenter-poll-mark';
    mark.setAttribute('aria-hidden', 'true');
    const text = document.createElement('span');
    text.className = 'presenter-poll-option-label';
    text.textContent = label;
    button.append(mark, text);
    if (view.rows) button.append(renderBar(document.createElement('span'), view.rows[index]));
    if (view.enabled && onVote) button.addEventListener('click', () => onVote(index));
    group.append(button);
  });

  const status = document.createElement('p');
  // Not a live region: counts change up to four times a second.
  status.className = 'presenter-poll-status';
  status.textContent = view.text;
  const parts = [question, group, status];
  if (message) {
    const note = document.createElement('p');
    note.className = 'presenter-poll-message';
    note.setAttribute('role', 'alert');
    note.textContent = message;
    parts.push(note);
  }
  container.replaceChildren(...parts);
  if (focused !== undefined) {
    const again = group.querySelector(`[data-index="${focused}"]`);
    if (again && !again.disabled) again.focus();
  }
  return view;
}

const POLL_ERRORS = {
  closed: 'This poll is not open',
  rate_limited: 'Slow down a little',
  not_found: 'This poll no longer exists',
  unavailable: 'Your vote could not be saved: try again',
  bad_message: 'That vote was not accepted',
  disabled: 'Voting is off',
};

/**
 * Every poll of a page: what the deck says about them, the latest frame of
 * each, and the voter's choices; draws them wherever the slides hold them.
 */
export class PollBoard {
  /**
   * @param {{polls?: object[], interactive?: boolean, send?: (msg: object) => boolean, root?: ParentNode}} options
   *   `send` returns false when the message could not go out.
   */
  constructor({ polls = [], interactive = false, send = () => false, root = document } = {}) {
    this.specs = new Map();
    for (const raw of polls || []) {
      const spec = normalSpec(raw);
      if (spec) this.specs.set(spec.id, spec);
    }
    this.interactive = interactive;
    this.send = send;
    this.root = root;
    this.frames = new Map();
    this.mine = new Map();
    this.inFlight = new Map();
    this.messages = new Map();
    this.fromElements = new WeakMap();
  }

  /** The poll elements on the page now (a live reload replaces them). */
  elements(id = null) {
    const all = [...this.root.querySelectorAll('.reveal [data-poll]')];
    return id === null ? all : all.filter((element) => element.dataset.poll === id);
  }

  specOf(id, element) {
    const frame = this.frames.get(id);
    if (frame && Array.isArray(frame.options)) return normalSpec(frame, id);
    return this.specs.get(id) || this.fromElements.get(element) || normalSpec({ question: '', options: [] }, id);
  }

  /** Draw every poll element in the page (after reveal.js rendered slides, or a reload swapped them). */
  mount() {
    for (const element of this.elements()) {
      // An HTML deck's element says what the poll is; read it before drawing over it.
      if (!this.fromElements.has(element) && !element.classList.contains('presenter-poll-drawn')) {
        const spec = specFromElement(element);
        if (spec) this.fromElements.set(element, spec);
      }
      this.draw(element);
    }
  }

  draw(element) {
    const id = element.dataset.poll;
    const choices = this.inFlight.get(id) || this.mine.get(id) || [];
    renderPoll(element, this.specOf(id, element), this.frames.get(id) || null, {
      interactive: this.interactive,
      onVote: (index) => this.vote(id, index),
      choices,
      message: this.messages.get(id) || '',
    });
    element.classList.add('presenter-poll-drawn');
  }

  redraw(id) {
    for (const element of this.elements(id)) this.draw(element);
  }

  /** Take a `poll` frame. */
  take(frame) {
    if (!frame || typeof frame.poll !== 'string') return;
    const id = frame.poll;
    this.frames.set(id, frame);
    if (Array.isArray(frame.mine)) this.mine.set(id, frame.mine);
    // Not opened yet, or reset: nobody has a vote, whether or not the frame says so.
    else if (frame.status === 'ready') this.mine.delete(id);
    if (frame.status !== 'open') {
      this.inFlight.delete(id);
      if (frame.status === 'ready') this.messages.delete(id);
    }
    this.redraw(id);
  }

  /**
   * A new connection: votes in flight on the old one are lost, and every poll
   * starts over as not opened until the frames that follow say otherwise.
   */
  reconnected() {
    this.inFlight.clear();
    this.frames.clear();
    this.mine.clear();
    this.messages.clear();
  }

  /** Take a `voted` acknowledgement. */
  voted(ack) {
    if (!ack || typeof ack.poll !== 'string') return;
    const choices = Array.isArray(ack.choices) ? ack.choices : [];
    this.mine.set(ack.poll, choices);
    // Quick taps: an older vote's acknowledgement does not undo the newer one in flight.
    const flying = this.inFlight.get(ack.poll);
    if (!flying || flying.join() === choices.join()) this.inFlight.delete(ack.poll);
    this.messages.delete(ack.poll);
    this.redraw(ack.poll);
  }

  /** Take an `error` frame for a `vote`. */
  failed(error) {
    const id = error.poll;
    if (typeof id !== 'string') return;
    this.inFlight.delete(id);
    this.messages.set(id, POLL_ERRORS[error.code] || error.message || 'Your vote was not accepted');
    this.redraw(id);
  }

  /** The voter tapped option `index` of poll `id`. */
  vote(id, index) {
    const spec = this.specOf(id, null);
    const current = this.inFlight.get(id) || this.mine.get(id) || [];
    const choices = nextChoices(current, index, spec.multiple);
    if (!spec.multiple && current.length === 1 && current[0] === index) return;
    if (this.send({ type: 'vote', poll: id, choices })) {
      this.inFlight.set(id, choices);
      this.messages.delete(id);
    } else {
      this.messages.set(id, 'Not connected: try again in a moment');
    }
    this.redraw(id);
  }
}
