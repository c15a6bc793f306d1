// The audience page's side of questions, polls and reactions on its live
// socket: takes the interaction frames, sends what the viewer does, and sends
// again what the server had not acknowledged when a new socket says welcome.

import { keepPressesFromReveal } from './keys.js';
import { QuestionPanel } from './qa-panel.js';
import { PendingAsk, QuestionBook } from './questions.js';
import { Floats, bindReactionBar } from './reactions.js';

const ASK_ERRORS = {
  closed: 'Questions are closed',
  rate_limited: 'Slow down: try again in a moment',
  too_long: 'That is too long: a question is at most 280 characters, a name 40',
  empty: 'Write a question first',
  not_found: 'That question is no longer there',
  disabled: 'Questions are off for this talk',
  unavailable: 'It could not be saved: try again',
};

/** What the panel says about a refused `ask`. */
export function askError(msg) {
  if (msg.code === 'too_many') {
    const cap = /at most (\d+) questions/.exec(msg.message || '');
    return `You have asked ${cap ? cap[1] : 'as many'} questions, as many as one person may`;
  }
  return ASK_ERRORS[msg.code] || msg.message || 'Your question was not accepted';
}

const ASK_PATIENCE_MS = 10000;

// Where a talk starts; a `qa` frame comes only once a switch was changed.
const QA_DEFAULTS = {
  type: 'qa', open: true, moderated: false, showPinned: false, showReactions: false, pinned: null,
};

export class AudienceInteraction {
  /**
   * @param {{polls: import('./polls.js').PollBoard}} options  the page's polls,
   *   which get the `poll` frames and send votes through this.
   */
  constructor({ polls }) {
    this.polls = polls;
    this.connection = null;
    this.book = new QuestionBook();
    this.pending = new PendingAsk();
    this.upvoting = new Map(); // id → the upvote state asked for, until acknowledged
    this.following = true;
    this.sentFollowing = null;
    this.qaSeq = -1;
    this.panel = new QuestionPanel({
      ask: (text, name) => this.ask(text, name),
      upvote: (id, on) => this.upvote(id, on),
    });
    this.panel.onChange = () => this.render();
    this.floats = new Floats(document.querySelector('.presenter-floats'));
    this.showReactions = false;
    bindReactionBar(document.getElementById('presenter-reactions'), (msg) => this.send(msg));
    const dock = document.querySelector('.presenter-dock');
    if (dock) dock.addEventListener('keydown', keepPressesFromReveal);
    polls.send = (msg) => this.send(msg);
    // The dock shows only once something answers it (see interact.css).
    document.documentElement.classList.add('presenter-interactive');
  }

  attach(connection) {
    this.connection = connection;
  }

  send(msg) {
    return Boolean(this.connection) && this.connection.send(msg);
  }

  /** The viewer left live mode (false) or came back (true). */
  setFollowing(following) {
    this.following = following;
    if (following !== this.sentFollowing && this.send({ type: 'mode', following })) {
      this.sentFollowing = following;
    }
  }

  /** Take a frame; returns whether it was one of ours. */
  handle(msg) {
    switch (msg.type) {
      case 'welcome': this.welcome(); return false;
      case 'qa': this.qa(msg); return true;
      case 'questions': this.book.take(msg); this.settleUpvotes(msg); this.render(); return true;
      case 'asked': this.asked(msg); return true;
      case 'upvoted': this.upvoted(msg); return true;
      case 'voted': this.polls.voted(msg); return true;
      case 'poll': this.polls.take(msg); return true;
      case 'reactions': if (this.showReactions) this.floats.show(msg.counts); return true;
      case 'error': return this.error(msg);
      default: return false;
    }
  }

  welcome() {
    // A welcome starts the page over from the defaults of a talk; the frames
    // that follow say only what differs (see docs/protocol.md). What the old
    // socket had in flight may or may not have arrived.
    this.qaSeq = -1;
    this.upvoting.clear();
    this.book.take({ all: true, questions: [], mine: [], upvoted: [] });
    this.qa(QA_DEFAULTS);
    this.polls.reconnected();
    this.sentFollowing = null;
    this.setFollowing(this.following);
    const again = this.pending.resend();
    if (again) this.send(again);
  }

  qa(msg) {
    if (typeof msg.seq === 'number' && msg.seq < this.qaSeq) return;
    if (typeof msg.seq === 'number') this.qaSeq = msg.seq;
    this.panel.setOpen(msg.open !== false);
    this.panel.showPinned(msg.showPinned && msg.pinned ? msg.pinned : null);
    this.showReactions = Boolean(msg.showReactions);
    this.floats.setShown(this.showReactions);
    this.render();
  }

  ask(text, name) {
    const msg = this.pending.prepare(text, name);
    const sent = this.send(msg);
    let note = '';
    if (!sent) {
      note = this.connection && this.connection.transport === 'sse'
        ? 'This network lets the page listen but not send: your question goes out if the connection improves.'
        : 'Offline: your question goes out as soon as the connection is back.';
    }
    this.panel.setSending(true, note);
    clearTimeout(this.askTimer);
    if (sent) {
      // A form that waits forever is worse than one that offers a retry (with the same ref).
      this.askTimer = setTimeout(() => {
        if (!this.pending.current) return;
        this.panel.setSending(false);
        this.panel.showError('No answer yet: try again');
      }, ASK_PATIENCE_MS);
    }
  }

  asked(msg) {
    const question = msg.question || {};
    if (this.pending.is(msg.ref)) clearTimeout(this.askTimer);
    this.book.asked(question);
    if (this.pending.settle(msg.ref)) this.panel.asked(question.status === 'pending');
    this.render();
  }

  upvote(id, on) {
    if (this.send({ type: 'upvote', id, on })) this.upvoting.set(id, on);
    else this.panel.showError('Not connected: try again in a moment');
    this.render();
  }

  upvoted(msg) {
    this.book.setUpvoted(msg.id, Boolean(msg.on));
    if (this.upvoting.get(msg.id) === Boolean(msg.on)) this.upvoting.delete(msg.id);
    this.render();
  }

  /** A full list says which the voter upvoted; nothing in flight outlives it. */
  settleUpvotes(msg) {
    if (msg.all) this.upvoting.clear();
  }

  error(msg) {
    const about = msg.for;
    if (about === 'vote') {
      this.polls.failed(msg);
      return true;
    }
    if (about === 'ask') {
      if (this.pending.fail(msg.ref, msg.code)) {
        clearTimeout(this.askTimer);
        this.panel.setSending(false);
      }
      this.panel.showError(askError(msg));
      return true;
    }
    if (about === 'upvote') {
      this.upvoting.delete(msg.id);
      this.panel.showError(ASK_ERRORS[msg.code] || msg.message || 'Your upvote was not accepted');
      this.render();
      return true;
    }
    // Reactions past the server's bucket are simply not counted.
    return about === 'react' || about === 'mode';
  }

  render() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    // Frames come up to four times a second, a burst of acknowledgements too: draw once per frame.
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.panel.render(this.book.sorted(this.panel.order), (question) => ({
        mine: this.book.mine.has(question.id),
        awaiting: this.book.awaiting(question),
        upvoted: this.upvoting.has(question.id) ? this.upvoting.get(question.id) : this.book.upvoted.has(question.id),
      }));
    });
  }
}
