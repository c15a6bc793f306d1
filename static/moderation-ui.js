// Audience interaction on the presenter pages (speaker view and remote): the
// questions list with its moderation buttons, the poll controls with a live
// chart, the reactions tally, and the desk that keeps them in step with the
// socket's frames. The rules are in moderation.js; this draws them.
//
// Everything the audience wrote (questions, names) goes in with textContent:
// it is text from strangers, shown on a page that holds the presenter login.

import { renderChart } from './interact/poll-chart.js';
import {
  AutoOpener, PollBook, QuestionBoard, QA_SWITCHES, ReactionTally, interactionOf,
  pollActions, pollsAt, qaSettings, questionActions, statusOf,
} from './moderation.js';

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const STATUS_LABELS = { pending: 'pending', visible: 'visible', hidden: 'hidden' };

function timeOf(ms) {
  if (typeof ms !== 'number') return '';
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * A list of questions, one `.qa-question[data-id]` row each, kept by id so a
 * vote coming in rewrites one number rather than the list. `onAction(id,
 * action)` gets the moderation buttons' clicks.
 */
export class QuestionList {
  constructor(list, { onAction, compact = false }) {
    this.list = list;
    this.compact = compact;
    this.rows = new Map(); // id -> {row, key}
    list.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action]');
      const row = button && button.closest('.qa-question');
      if (!row || !list.contains(row)) return;
      onAction(row.dataset.id, button.dataset.action);
    });
  }

  /** Show `questions` in this order; `pinnedId` marks the pinned one. */
  render(questions, pinnedId) {
    const seen = new Set();
    const ordered = questions.map((question) => {
      seen.add(question.id);
      let entry = this.rows.get(question.id);
      if (!entry) {
        entry = { row: this.build(question.id), key: null };
        this.rows.set(question.id, entry);
      }
      const pinned = question.id === pinnedId || question.pinned === true;
      const key = JSON.stringify([question.text, question.name, question.votes, question.answered,
        statusOf(question), pinned, question.at]);
      if (key !== entry.key) {
        this.fill(entry.row, question, pinned, pinnedId);
        entry.key = key;
      }
      return entry.row;
    });
    for (const [id, entry] of this.rows) {
      if (!seen.has(id)) {
        entry.row.remove();
        this.rows.delete(id);
      }
    }
    // Move rows only when the order changed: a focused button stays focused.
    const current = [...this.list.children];
    if (current.length !== ordered.length || current.some((row, i) => row !== ordered[i])) {
      this.list.replaceChildren(...ordered);
    }
  }

  build(id) {
    const row = element('li', 'qa-question');
    row.dataset.id = id;
    const line = element('div', 'qa-line');
    const votes = element('span', 'qa-votes');
    votes.title = 'Upvotes';
    line.append(votes, element('p', 'qa-text'));
    const meta = element('div', 'qa-meta');
    meta.append(
      element('span', 'qa-name'),
      element('span', 'qa-status'),
      element('span', 'qa-badge qa-answered', 'answered'),
      element('span', 'qa-badge qa-pinned', 'pinned'),
      element('time', 'qa-time'),
    );
    const foot = element('div', 'qa-foot');
    foot.append(meta, element('div', 'qa-actions'));
    row.append(line, foot);
    return row;
  }

  fill(row, question, pinned, pinnedId) {
    const status = statusOf(question);
    row.dataset.status = status;
    row.classList.toggle('answered', Boolean(question.answered));
    row.classList.toggle('pinned', pinned);
    row.querySelector('.qa-votes').textContent = String(question.votes || 0);
    row.querySelector('.qa-text').textContent = question.text || '';
    row.querySelector('.qa-name').textContent = question.name ? question.name : 'Anonymous';
    row.querySelector('.qa-status').textContent = STATUS_LABELS[status];
    row.querySelector('.qa-answered').hidden = !question.answered;
    row.querySelector('.qa-pinned').hidden = !pinned;
    const time = row.querySelector('.qa-time');
    time.textContent = this.compact ? '' : timeOf(question.at);
    if (typeof question.at === 'number') time.dateTime = new Date(question.at).toISOString();
    const buttons = questionActions(question, pinnedId, { compact: this.compact }).map(({ action, label }) => {
      const button = element('button', `qa-action qa-${action}`, label);
      button.type = 'button';
      button.dataset.action = action;
      return button;
    });
    row.querySelector('.qa-actions').replaceChildren(...buttons);
  }
}

const POLL_BUTTONS = [
  ['open', 'Open'], ['close', 'Close'], ['reveal', 'Reveal results'], ['conceal', 'Hide results'], ['reset', 'Reset'],
];
const POLL_STATUS = { ready: 'not opened', open: 'open', closed: 'closed' };

/**
 * The controls of the current slide's polls in `box` (#poll-controls):
 * status, voters, a live chart and the buttons. `onAction(poll, action)`
 * gets the clicks (reset only once confirmed).
 */
export class PollControls {
  constructor(box, { onAction, chart = true, actions = POLL_BUTTONS.map(([a]) => a) }) {
    this.box = box;
    this.chart = chart;
    this.actions = actions;
    this.cards = new Map(); // poll id -> card
    box.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-poll-action]');
      const card = button && button.closest('.poll-control');
      if (!card) return;
      const action = button.dataset.pollAction;
      if (action === 'reset' && !window.confirm('Reset this poll? Every vote is dropped.')) return;
      onAction(card.dataset.poll, action);
    });
  }

  /** Show the polls `ids` (in this order) with their latest frames from `book`. */
  render(ids, book, specs = []) {
    const cards = ids.map((id) => {
      let card = this.cards.get(id);
      if (!card) {
        card = this.build(id);
        this.cards.set(id, card);
      }
      const spec = specs.find((poll) => poll.id === id) || null;
      this.fill(card, book.get(id), spec);
      return card;
    });
    for (const [id, card] of this.cards) {
      if (!ids.includes(id)) {
        card.remove();
        this.cards.delete(id);
      }
    }
    const current = [...this.box.children];
    if (current.length !== cards.length || current.some((card, i) => card !== cards[i])) {
      this.box.replaceChildren(...cards);
    }
    this.box.hidden = cards.length === 0;
  }

  build(id) {
    const card = element('div', 'poll-control');
    card.dataset.poll = id;
    const head = element('div', 'poll-head');
    head.append(
      element('span', 'poll-question'),
      element('span', 'poll-status'),
      element('span', 'poll-voters'),
      element('span', 'poll-revealed'),
    );
    card.append(head);
    if (this.chart) card.append(element('div', 'poll-chart'));
    // The buttons go on the head line: in a short notes area they stay in
    // sight while the chart scrolls.
    const buttons = element('div', 'poll-buttons');
    for (const [action, label] of POLL_BUTTONS) {
      if (!this.actions.includes(action)) continue;
      const button = element('button', `poll-action poll-${action}`, label);
      button.type = 'button';
      button.dataset.pollAction = action;
      buttons.append(button);
    }
    head.append(buttons);
    return card;
  }

  fill(card, frame, spec) {
    const question = (frame && frame.question) || (spec && spec.question) || card.dataset.poll;
    card.querySelector('.poll-question').textContent = question;
    const status = frame ? frame.status : null;
    card.dataset.status = status || 'unknown';
    card.querySelector('.poll-status').textContent = status ? POLL_STATUS[status] || status : '…';
    const voters = frame && typeof frame.voters === 'number' ? frame.voters : 0;
    card.querySelector('.poll-voters').textContent = `${voters} ${voters === 1 ? 'voter' : 'voters'}`;
    const revealed = card.querySelector('.poll-revealed');
    // Tell the speaker whether the room sees the numbers they see.
    revealed.hidden = !(frame && frame.hideResults);
    revealed.textContent = frame && frame.revealed ? 'results shown' : 'results hidden from audience';
    if (this.chart) {
      // The same bars and percentages as the audience's widget (presenters always get counts).
      const options = (frame && frame.options) || (spec && spec.options) || [];
      renderChart(card.querySelector('.poll-chart'), options, frame ? frame.counts : null, frame ? frame.voters : 0);
    }
    const allowed = pollActions(frame);
    for (const button of card.querySelectorAll('button[data-poll-action]')) {
      button.hidden = !frame || !allowed[button.dataset.pollAction];
    }
  }
}

/** The reactions tally into `box`: one `.reaction[data-emoji]` per reaction heard lately. */
export function renderTally(box, totals, order) {
  const emojis = [...order.filter((e) => totals[e]), ...Object.keys(totals).filter((e) => !order.includes(e))];
  const key = emojis.map((e) => `${e}${totals[e]}`).join(' ');
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren(...emojis.map((emoji) => {
    const item = element('span', 'reaction');
    item.dataset.emoji = emoji;
    item.append(element('span', 'reaction-emoji', emoji), element('span', 'reaction-count', String(totals[emoji])));
    return item;
  }));
  box.classList.toggle('quiet', emojis.length === 0);
}

/**
 * The presenter's side of interaction on one page: keeps the questions, the
 * polls and the Q&A switches from the socket, forwards poll frames to the
 * deck frames, and sends what the speaker clicks. Returns null when the deck
 * has interaction off.
 *
 * hooks: questions(desk), qa(desk), polls(desk), reactions(desk), presence(msg)
 * all optional, called after the desk took the frame.
 */
export function createDesk(view, hooks = {}) {
  const settings = interactionOf(view.config);
  const desk = {
    settings,
    enabled: Boolean(settings),
    board: new QuestionBoard(),
    book: new PollBook(),
    qa: qaSettings(null),
    tally: new ReactionTally(),
    opener: new AutoOpener(),
    frames: hooks.frames || [],
    /** Send a frame; say so when the socket is down rather than drop the click silently. */
    send(msg) {
      const sent = view.driver.connection.send(msg);
      if (!sent && hooks.offline) hooks.offline();
      return sent;
    },
    moderate(id, action) {
      return desk.send({ type: 'moderate', id, action });
    },
    poll(poll, action) {
      return desk.send({ type: 'poll', poll, action });
    },
    setSwitch(name, value) {
      return desk.send({ type: 'questions', [name]: value });
    },
    /** The ids of the polls on the slide the deck frame shows now. */
    pollsHere() {
      if (!settings) return [];
      const state = view.driver.state();
      let domIds = [];
      try {
        const slide = view.current.getCurrentSlide();
        if (slide) domIds = [...slide.querySelectorAll('[data-poll]')].map((node) => node.getAttribute('data-poll'));
      } catch {
        // A deck frame in the middle of a reload: the config's positions will do.
      }
      return pollsAt(settings.polls, state.indexh, state.indexv, domIds);
    },
    /**
     * The deck frames' slides, and their poll widgets, were rebuilt (a live
     * reload); polls may have moved: learn where, and fill the widgets again.
     */
    async reloaded() {
      if (!desk.enabled) return;
      await desk.refreshSpecs();
      desk.forwardAll();
    },
    /** Forward a poll frame to the deck frames' own poll widgets. */
    forward(frame) {
      for (const iframe of desk.frames) {
        try {
          iframe.contentWindow?.presenterPolls?.update(frame);
        } catch {
          // A frame that cannot take it (reloading, or a deck without widgets) misses nothing lasting:
          // it gets every poll again after a reload.
        }
      }
    },
    /**
     * Read the deck's polls again (after a live reload: polls may have moved,
     * come or gone); the page's config has them as they were at load.
     */
    async refreshSpecs() {
      if (!settings) return;
      try {
        const response = await fetch(`/decks/${encodeURIComponent(view.config.deck)}/api/polls`, { cache: 'no-store' });
        if (!response.ok) return;
        const fresh = await response.json();
        if (Array.isArray(fresh.polls)) {
          settings.polls = fresh.polls.map((poll) => ({ ...poll, id: poll.id || poll.poll }));
        }
      } catch {
        // The slides' own [data-poll] elements still say where polls are.
      }
    },
    /** Give the deck frames every poll again (after a live reload rebuilt their slides). */
    forwardAll() {
      for (const frame of desk.book.all()) desk.forward(frame);
    },
    /** The speaker reached a slide: open its polls still waiting to be opened, once. */
    arrived() {
      if (!settings || !hooks.autoOpen) return;
      const ids = desk.pollsHere();
      for (const id of desk.opener.arrive(ids, (poll) => (desk.book.get(poll) ? desk.book.get(poll).status : null))) {
        desk.poll(id, 'open');
      }
    },
    /** Take a frame from the socket; returns whether it was one of interaction's. */
    take(msg) {
      switch (msg.type) {
        case 'welcome':
          // A (re)connection starts from the defaults; the frames after the
          // welcome say what differs (a server may send only that).
          desk.qa = qaSettings(null);
          desk.board = new QuestionBoard();
          if (hooks.qa) hooks.qa(desk);
          if (hooks.questions) hooks.questions(desk);
          return false;
        case 'presence':
          if (hooks.presence) hooks.presence(msg);
          return true;
        case 'qa':
          desk.qa = qaSettings(msg);
          if (hooks.qa) hooks.qa(desk);
          if (hooks.questions) hooks.questions(desk); // the pinned mark moves with it
          return true;
        case 'questions':
          if (desk.board.take(msg) && hooks.questions) hooks.questions(desk);
          return true;
        case 'poll': {
          const frame = desk.book.take(msg);
          if (!frame) return true;
          desk.forward(msg);
          if (hooks.autoOpen) for (const id of desk.opener.heard(frame)) desk.poll(id, 'open');
          if (hooks.polls) hooks.polls(desk);
          return true;
        }
        case 'reactions':
          desk.tally.add(msg.counts);
          if (hooks.reactions) hooks.reactions(desk);
          return true;
        case 'error':
          // A switch the server refused: show the settings it has, not the click.
          if (msg.for === 'questions' && hooks.qa) hooks.qa(desk);
          return false;
        default:
          return false;
      }
    },
  };
  return desk;
}

/** Show the `qa` switches as the server has them (checkbox ids by switch name). */
export function renderSwitches(ids, qa) {
  for (const name of QA_SWITCHES) {
    const box = document.getElementById(ids[name]);
    if (box) {
      box.checked = qa[name];
      box.disabled = false;
    }
  }
}
