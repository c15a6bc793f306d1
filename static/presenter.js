// The presenter page: drives the current-slide view, sends every change as
// `state`, applies changes from other presenter windows without echoing them,
// and shows the next step, notes, timer, clock and audience count.

import { LiveConnection, showStatus, socketUrl } from './connection.js';
import {
  LiveSnapshot, STATE_EVENTS, jumpTo, readConfig, sameState, toReveal, toWire,
} from './state.js';

const config = readConfig();
const $ = (id) => document.getElementById(id);
// Sends not yet echoed by the server, oldest first; an echo of one of them
// must not pull the view back while later steps are in flight.
const INFLIGHT_TTL_MS = 3000;

function frameReveal(frame) {
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

function formatElapsed(ms) {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

class Timer {
  constructor() {
    this.started = Date.now();
    this.pausedAt = null;
  }

  elapsed() {
    return (this.pausedAt ?? Date.now()) - this.started;
  }

  toggle() {
    if (this.pausedAt === null) {
      this.pausedAt = Date.now();
    } else {
      this.started += Date.now() - this.pausedAt;
      this.pausedAt = null;
    }
  }

  reset() {
    this.started = Date.now();
    if (this.pausedAt !== null) this.pausedAt = this.started;
  }
}

function showNotes(state) {
  const key = `${state.indexh}.${state.indexv}`;
  const html = config.notes[key];
  const box = $('notes');
  if (html) {
    box.innerHTML = html; // written by the deck's author, shown only to the presenter
    box.classList.remove('empty');
  } else {
    box.textContent = 'No notes for this slide.';
    box.classList.add('empty');
  }
}

async function main() {
  const indicator = $('presenter-connection');
  const alertBox = $('presenter-alert');
  const [current, preview] = await Promise.all([
    frameReveal($('current-frame')), frameReveal($('next-frame')),
  ]);
  if (!current || !preview) {
    alertBox.textContent = 'This deck does not expose window.Reveal, so it cannot be driven.';
    alertBox.hidden = false;
    return;
  }
  preview.configure({ controls: false, progress: false, keyboard: false, touch: false, transition: 'none', backgroundTransition: 'none' });
  current.configure({ hash: false, history: false });

  const live = new LiveSnapshot(config.seq, config.state);
  let applying = false;
  let inflight = [];

  const updateSide = async () => {
    const state = toWire(current.getState());
    showNotes(state);
    const number = current.getSlidePastCount() + 1;
    $('slide-number').textContent = `${number} / ${current.getTotalSlides()}`;
    const blackout = $('blackout');
    blackout.setAttribute('aria-pressed', String(state.paused));
    blackout.classList.toggle('active', state.paused);
    await jumpTo(preview, { ...state, paused: false, overview: false });
    const before = toWire(preview.getState());
    preview.next();
    $('next-end').hidden = !sameState(before, preview.getState());
  };

  const apply = (state) => {
    if (!sameState(current.getState(), state)) {
      applying = true;
      try {
        current.setState(toReveal(state));
      } finally {
        applying = false;
      }
    }
    updateSide();
  };

  const connection = new LiveConnection(socketUrl(config.ws), {
    status: (name) => showStatus(indicator, name),
    message: (msg) => {
      if (msg.type === 'welcome') {
        live.take(msg);
        inflight = [];
        if (msg.role !== 'presenter') {
          alertBox.textContent = 'Not signed in as presenter: reload this page with the presenter link.';
          alertBox.hidden = false;
        }
        apply(live.state);
      } else if (msg.type === 'state') {
        if (!live.take(msg)) return;
        const now = Date.now();
        inflight = inflight.filter((item) => now - item.at < INFLIGHT_TTL_MS);
        const mine = inflight.findIndex((item) => sameState(item.state, msg.state));
        if (mine >= 0) {
          inflight = inflight.slice(mine + 1);
          if (inflight.length) return; // later steps of ours are on their way
        }
        apply(live.state);
      } else if (msg.type === 'presence') {
        $('audience-count').textContent = String(msg.audience);
      } else if (msg.type === 'error') {
        alertBox.textContent = `Server: ${msg.message}`;
        alertBox.hidden = false;
        setTimeout(() => { alertBox.hidden = true; }, 4000);
      }
    },
  });

  const publish = () => {
    updateSide();
    if (applying) return;
    const state = toWire(current.getState());
    const last = inflight.length ? inflight[inflight.length - 1].state : live.state;
    if (sameState(state, last)) return;
    if (connection.send({ type: 'state', state })) inflight.push({ state, at: Date.now() });
  };
  for (const name of STATE_EVENTS) current.on(name, publish);

  $('prev').addEventListener('click', () => current.prev());
  $('next').addEventListener('click', () => current.next());
  $('blackout').addEventListener('click', () => current.togglePause());

  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
    const keys = {
      ArrowRight: () => current.next(), ArrowDown: () => current.next(), PageDown: () => current.next(),
      ' ': () => current.next(), n: () => current.next(),
      ArrowLeft: () => current.prev(), ArrowUp: () => current.prev(), PageUp: () => current.prev(),
      p: () => current.prev(),
      Home: () => current.slide(0, 0), End: () => current.slide(Number.MAX_SAFE_INTEGER),
      b: () => current.togglePause(), B: () => current.togglePause(), '.': () => current.togglePause(),
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  const timer = new Timer();
  $('timer-toggle').addEventListener('click', () => {
    timer.toggle();
    $('timer-toggle').textContent = timer.pausedAt === null ? 'Pause' : 'Resume';
  });
  $('timer-reset').addEventListener('click', () => timer.reset());
  const tick = () => {
    $('elapsed').textContent = formatElapsed(timer.elapsed());
    $('clock').textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  };
  tick();
  setInterval(tick, 500);

  await jumpTo(current, live.state);
  updateSide();
  connection.start();
  window.presenterLive = {
    get seq() { return live.seq; },
    get state() { return live.state; },
    connection,
    current,
    preview,
  };
}

main();
