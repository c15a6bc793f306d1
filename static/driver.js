// Drives a deck as a presenter: owns the live connection and one reveal.js
// view (an embedded frame), sends every local change as `state`, and applies
// changes from other presenter windows without echoing them back. The speaker
// view and the phone remote are both built on it.

import { LiveConnection, showStatus, socketUrl } from './connection.js';
import { deckShape, nearestPosition } from './navigation.js';
import { LiveSnapshot, Mirror, STATE_EVENTS, jumpTo, sameState, toWire } from './state.js';

// Sends not yet echoed by the server; an echo of an older one must not pull
// the view back while later steps are on their way.
const INFLIGHT_TTL_MS = 3000;

/** Resolve with the Reveal of an embedded deck frame once it is ready (null if it has none). */
export function frameReveal(frame) {
  return new Promise((resolve) => {
    const ready = () => {
      const win = frame.contentWindow;
      if (win && win.presenterReady) win.presenterReady.then(resolve);
      else setTimeout(ready, 50);
    };
    if (frame.contentDocument && frame.contentDocument.readyState === 'complete') ready();
    else frame.addEventListener('load', ready, { once: true });
  });
}

export class Driver {
  /**
   * @param {object} config  the page's #presenter-config
   * @param {object} Reveal  the reveal.js instance this presenter drives
   * @param {object} hooks   change(state) after every local or remote change,
   *   message(msg) for every frame, status(name) for the connection,
   *   reload() when the deck changed on disk (return a promise).
   */
  constructor(config, Reveal, hooks = {}) {
    this.config = config;
    this.Reveal = Reveal;
    this.hooks = hooks;
    this.live = new LiveSnapshot(config.seq, config.state);
    this.mirror = new Mirror(Reveal);
    this.inflight = [];
    this.shareOverview = false;
    this.shape = deckShape(Reveal);
    this.role = null;
    this.connection = new LiveConnection(socketUrl(config.ws), {
      status: (name) => this.hooks.status && this.hooks.status(name),
      message: (msg) => this.onMessage(msg),
    });
    for (const name of STATE_EVENTS) {
      Reveal.on(name, () => {
        // Picking a thumbnail closes the overview first and jumps right after:
        // wait for the jump so the audience does not see the slide in between.
        if (name === 'overviewhidden' && !this.mirror.busy) queueMicrotask(() => this.publish());
        else this.publish();
      });
    }
  }

  async start() {
    await jumpTo(this.Reveal, this.live.state);
    this.changed();
    this.connection.start();
  }

  /** The state shown locally, in wire form. */
  state() {
    return toWire(this.Reveal.getState());
  }

  changed() {
    if (this.hooks.change) this.hooks.change(this.state());
  }

  /** What the audience should get for a local state: a private overview is not shared. */
  outgoing(state) {
    return this.shareOverview ? state : { ...state, overview: false };
  }

  apply(state) {
    const wanted = this.Reveal.isOverview() && !this.shareOverview ? { ...state, overview: true } : state;
    this.mirror.apply(wanted);
    this.changed();
  }

  publish() {
    this.changed();
    if (this.mirror.busy) return;
    const local = this.state();
    // While the speaker looks around a private overview, the audience stays put;
    // closing the overview sends the slide picked in it.
    if (local.overview && !this.shareOverview) return;
    this.send(this.outgoing(local));
  }

  send(state) {
    const last = this.inflight.length ? this.inflight[this.inflight.length - 1].state : this.live.state;
    if (sameState(state, last)) return;
    if (this.connection.send({ type: 'state', state })) this.inflight.push({ state, at: Date.now() });
  }

  /** Show or keep the overview to the speaker only. */
  setShareOverview(share) {
    this.shareOverview = share;
    this.send(this.outgoing(this.state()));
  }

  onMessage(msg) {
    if (msg.type === 'welcome') {
      this.live.take(msg);
      this.role = msg.role;
      this.inflight = [];
      this.apply(this.live.state);
    } else if (msg.type === 'state') {
      if (!this.live.take(msg)) return;
      const now = Date.now();
      this.inflight = this.inflight.filter((item) => now - item.at < INFLIGHT_TTL_MS);
      const mine = this.inflight.findIndex((item) => sameState(item.state, msg.state));
      if (mine >= 0) {
        this.inflight = this.inflight.slice(mine + 1);
        if (this.inflight.length) return;
      }
      this.apply(this.live.state);
    } else if (msg.type === 'reload') {
      this.reload();
    }
    if (this.hooks.message) this.hooks.message(msg);
  }

  async reload() {
    // The frame's slides are swapped under us: what reveal.js reports meanwhile
    // is not the speaker's doing.
    if (this.hooks.reload) await this.mirror.during(() => this.hooks.reload());
    this.shape = deckShape(this.Reveal);
    const nearest = nearestPosition(this.shape, this.live.state);
    this.apply(nearest);
    // Slides the speaker stood on may be gone: tell everyone where we are now.
    if (!sameState(nearest, this.live.state)) this.send(this.outgoing(this.state()));
  }
}

export { showStatus };
