// What the pages behind the presenter login (speaker view, phone remote) share.
// Each mounts it with its deck frames and page-specific hooks; it owns the
// driver of the deck, the messages every presenter page handles, live reload
// of the frames and the notes, the timer and its button, and the step keys.

import { Driver, frameReveal, showStatus } from './driver.js';
import { deckShape } from './navigation.js';
import { formatDuration, plannedTotal, timingPlan } from './pacing.js';
import { readConfig } from './state.js';
import { LiveTimer } from './timer.js';

const $ = (id) => document.getElementById(id);

/** Show a message in #presenter-alert; `ms` 0 keeps it up. */
export function showAlert(text, ms = 4000) {
  const box = $('presenter-alert');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(showAlert.timer);
  if (ms) showAlert.timer = setTimeout(() => { box.hidden = true; }, ms);
}

/** Put the notes of the slide at `state` into `box`. */
export function renderNotes(box, notes, state) {
  const html = notes[`${state.indexh}.${state.indexv}`];
  if (html) {
    box.innerHTML = html; // the deck author's notes; these pages need the presenter login
    box.classList.remove('empty');
  } else {
    box.textContent = 'No notes for this slide.';
    box.classList.add('empty');
  }
}

/** Fetch the deck's current notes, titles and load error; null when the server cannot say. */
async function fetchNotes(deck) {
  try {
    const response = await fetch(`/decks/${encodeURIComponent(deck)}/api/notes`, { cache: 'no-store' });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** A promise that never settles: the page is reloading itself. */
function reloadPage() {
  window.location.reload();
  return new Promise(() => {});
}

let deckWarnings = [];

/** Show the deck's load error (the audience keeps the last good version), else its warnings. */
function showDeckError(error, warnings = deckWarnings) {
  deckWarnings = warnings || [];
  const box = $('deck-error');
  if (error) box.textContent = `The deck does not load, the audience keeps the last good version: ${error}`;
  else box.textContent = deckWarnings.join(' · ');
  box.classList.toggle('warning-only', !error && deckWarnings.length > 0);
  box.hidden = !error && !deckWarnings.length;
}

/** The deck's time budget (reveal.js totalTime, defaultTiming, data-timing), or null. */
function timingPlanOf(Reveal) {
  const timings = Reveal.getSlides().map((slide) => slide.getAttribute('data-timing'));
  const config = Reveal.getConfig();
  return timingPlan(timings, { totalTime: config.totalTime, defaultTiming: config.defaultTiming });
}

/** The keys both pages answer, outside the slide frame too. */
function stepKeys(current) {
  const next = () => current.next();
  const prev = () => current.prev();
  const blackout = () => current.togglePause();
  return {
    ArrowRight: next, ArrowDown: next, PageDown: next, ' ': next, n: next,
    ArrowLeft: prev, ArrowUp: prev, PageUp: prev, p: prev,
    b: blackout, B: blackout, '.': blackout,
  };
}

/**
 * Mount the shared behaviour on a presenter page.
 *
 * @param {object} options
 *   frames: the deck iframes; the first is driven, the others only reload with it.
 *   change(view, state): after every local or remote change.
 *   reloaded(view): after a live reload swapped the slides in place (may
 *     return a promise: the view is put back on its slide once it settles).
 *   presence(count, frame): the audience count, and the whole `presence` frame.
 *   message(view, msg): every frame from the socket, after the shared handling.
 *   loginHint: what to say when the page is not signed in as presenter.
 *   timerLabels: {start, pause, resume} for #timer-toggle.
 *   keys(view): returns a function that picks the action for a key event
 *     first: an action, false (leave the key alone), or null (use the shared
 *     step and blackout keys).
 * @returns {Promise<object|null>} the view (config, current, driver, timer,
 *   notes, titles, shape, renderTimer), or null when the deck cannot be driven.
 */
export async function mountSpeaker(options) {
  const config = readConfig();
  const reveals = await Promise.all(options.frames.map((frame) => frameReveal(frame)));
  if (reveals.some((Reveal) => !Reveal)) {
    showAlert('This deck does not expose window.Reveal, so it cannot be driven.', 0);
    return null;
  }
  const current = reveals[0];
  // configure() rebuilds every slide background: only when the deck needs it.
  const { hash, history } = current.getConfig();
  if (hash || history) current.configure({ hash: false, history: false });
  const view = {
    config,
    current,
    reveals,
    notes: config.notes,
    titles: config.titles,
    shape: deckShape(current),
    plan: timingPlanOf(current),
    // The server keeps the timer for every presenter device; this page shows it.
    timer: new LiveTimer(),
    driver: null,
    renderTimer: null,
    timerAction: (action) => view.driver.connection.send({ type: 'timer', action }),
  };

  const timerButton = $('timer-toggle');
  view.renderTimer = () => {
    const elapsed = view.timer.elapsed();
    $('elapsed').textContent = formatDuration(elapsed);
    const labels = options.timerLabels;
    timerButton.textContent = view.timer.running ? labels.pause : (elapsed ? labels.resume : labels.start);
    const left = view.timer.remaining(view.plan ? plannedTotal(view.plan) : null);
    const box = $('remaining');
    box.hidden = left === null;
    if (left !== null) {
      box.textContent = left >= 0 ? `${formatDuration(left)} left` : `${formatDuration(-left)} over`;
      box.classList.toggle('over', left < 0);
    }
  };
  timerButton.addEventListener('click', () => view.timerAction(view.timer.running ? 'pause' : 'start'));

  view.driver = new Driver(config, current, {
    change: (state) => options.change(view, state),
    status: (name) => showStatus($('presenter-connection'), name),
    message: (msg) => {
      if (msg.type === 'timer') {
        view.timer.take(msg);
        view.renderTimer();
      } else if (msg.type === 'welcome' && msg.role !== 'presenter') showAlert(options.loginHint, 0);
      else if (msg.type === 'presence' && options.presence) options.presence(msg.audience, msg);
      else if (msg.type === 'error') showAlert(`Server: ${msg.message}`);
      else if (msg.type === 'deck_status') showDeckError(msg.ok ? null : msg.error);
      // Every frame, the ones handled above too, for what only one page shows
      // (questions, polls, reactions).
      if (options.message) options.message(view, msg);
    },
    reload: async () => {
      if (config.kind !== 'markdown') return reloadPage();
      const swapped = await Promise.all(options.frames.map((frame) => frame.contentWindow.presenterReload()));
      if (swapped.some((done) => !done)) return reloadPage();
      const fresh = await fetchNotes(config.deck);
      if (fresh) {
        view.notes = fresh.notes;
        view.titles = fresh.titles;
        showDeckError(fresh.error && fresh.error.message, fresh.warnings);
      }
      view.shape = deckShape(current);
      view.plan = timingPlanOf(current);
      if (options.reloaded) await options.reloaded(view);
      return undefined;
    },
  });

  const shared = stepKeys(current);
  const extra = options.keys ? options.keys(view) : () => null;
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
    const picked = extra(event);
    if (picked === false) return; // the page wants this key left alone
    const action = picked || shared[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  showDeckError(config.deckError && config.deckError.message, config.deckWarnings);
  view.renderTimer();
  setInterval(view.renderTimer, 250);
  return view;
}

/** Start following the live state, and expose the page to tests and scripts. */
export async function goLive(view, extra = {}) {
  await view.driver.start();
  window.presenterLive = {
    get seq() { return view.driver.live.seq; },
    get state() { return view.driver.live.state; },
    get shape() { return view.shape; },
    connection: view.driver.connection,
    driver: view.driver,
    current: view.current,
    timer: view.timer,
    ...extra,
  };
}
