// Slide-state helpers shared by the audience page and the presenter page.

/** Read the JSON the server put in #presenter-config. */
export function readConfig(doc = document) {
  const node = doc.getElementById('presenter-config');
  return node ? JSON.parse(node.textContent) : null;
}

/** The wire form of a reveal.js state: five keys, indexf null when no fragment is shown. */
export function toWire(state) {
  const f = state.indexf;
  return {
    indexh: state.indexh | 0,
    indexv: state.indexv | 0,
    indexf: typeof f === 'number' && f >= -1 ? f : null,
    paused: Boolean(state.paused),
    overview: Boolean(state.overview),
  };
}

/** The argument for Reveal.setState(): reveal.js wants indexf absent rather than null. */
export function toReveal(state) {
  const wire = toWire(state);
  const out = { indexh: wire.indexh, indexv: wire.indexv, paused: wire.paused, overview: wire.overview };
  if (wire.indexf !== null) out.indexf = wire.indexf;
  return out;
}

/** Whether two states show the same thing (null, -1 and a missing indexf are alike only when equal after toWire). */
export function sameState(a, b) {
  if (!a || !b) return false;
  const x = toWire(a);
  const y = toWire(b);
  const fx = x.indexf === null ? -1 : x.indexf;
  const fy = y.indexf === null ? -1 : y.indexf;
  return x.indexh === y.indexh && x.indexv === y.indexv && fx === fy
    && x.paused === y.paused && x.overview === y.overview;
}

/** reveal.js events that mean the visible state changed. */
export const STATE_EVENTS = [
  'slidechanged', 'fragmentshown', 'fragmenthidden',
  'paused', 'resumed', 'overviewshown', 'overviewhidden',
];

/**
 * Shows server states in a reveal.js instance. While it applies one, and
 * during other work that changes it (`during`: a live reload swapping the
 * slides), the instance's events are not the viewer's doing: listeners check
 * `busy` so a state from the server is never taken for a local change and
 * echoed back.
 */
export class Mirror {
  constructor(Reveal) {
    this.Reveal = Reveal;
    this.busy = false;
  }

  /** Show `state` (wire form) unless it is already shown; return whether it changed anything. */
  apply(state) {
    if (sameState(this.Reveal.getState(), state)) return false;
    this.during(() => this.Reveal.setState(toReveal(state)));
    return true;
  }

  /**
   * Run `work` (which may return a promise) with `busy` set: what the
   * instance reports meanwhile is not the viewer's doing. Resolves to its result.
   */
  during(work) {
    const was = this.busy;
    this.busy = true;
    let result;
    try {
      result = work();
    } catch (error) {
      this.busy = was;
      throw error;
    }
    if (!(result instanceof Promise)) {
      this.busy = was;
      return result;
    }
    return result.finally(() => { this.busy = was; });
  }
}

/**
 * Wait until `win.Reveal` exists and is ready. Decks that import reveal.js as an
 * ES module and never set window.Reveal resolve to null after `timeoutMs`.
 */
export function waitForReveal(win = window, timeoutMs = 10000) {
  return new Promise((resolve) => {
    const started = Date.now();
    const check = () => {
      const Reveal = win.Reveal;
      if (Reveal && typeof Reveal.isReady === 'function') {
        if (Reveal.isReady()) return resolve(Reveal);
        Reveal.on('ready', () => resolve(Reveal));
        return undefined;
      }
      if (Date.now() - started > timeoutMs) return resolve(null);
      setTimeout(check, 50);
      return undefined;
    };
    check();
  });
}

/**
 * Apply a state without animation, for the first paint and for previews.
 * It uses reveal.js's own way of changing slides while it loads (the
 * no-transition class on the slides and the backgrounds): configure() with
 * transition 'none' would rebuild every slide background, twice per jump,
 * which with thousands of slides costs far more than the jump.
 */
export function jumpTo(Reveal, state) {
  const still = [Reveal.getSlidesElement(), Reveal.getRevealElement().querySelector('.backgrounds')]
    .filter((element) => element && !element.classList.contains('no-transition'));
  for (const element of still) element.classList.add('no-transition');
  Reveal.setState(toReveal(state));
  return new Promise((resolve) => {
    requestAnimationFrame(() => requestAnimationFrame(() => {
      for (const element of still) element.classList.remove('no-transition');
      resolve();
    }));
  });
}

/**
 * The newest snapshot a page has heard of. A `welcome` always replaces it (the
 * server may have restarted its numbering); a `state` only when its seq is newer.
 */
export class LiveSnapshot {
  constructor(seq, state) {
    this.seq = seq;
    this.state = state;
  }

  /** Take `msg` if it carries a newer snapshot; return whether it did. */
  take(msg) {
    const newer = msg.type === 'welcome'
      || (msg.type === 'state' && typeof msg.seq === 'number' && msg.seq > this.seq);
    if (newer) {
      this.seq = msg.seq;
      this.state = msg.state;
    }
    return newer;
  }
}
