// The speaker view: current slide, next step, notes, timer, clock, pacing,
// outline, audience count, join codes, and every control through the live
// protocol (so several presenter windows always agree).

import { Driver, frameReveal, showStatus } from './driver.js';
import { deckShape, nextStep, slideCount, slideIndex, slideTitles } from './navigation.js';
import { formatDuration, pace, timingPlan } from './pacing.js';
import { fetchNotes, reloadPage, renderNotes, showAlert } from './speaker.js';
import { jumpTo, readConfig, sameState } from './state.js';
import { Timer } from './timer.js';

const config = readConfig();
const $ = (id) => document.getElementById(id);
const LAYOUTS = ['classic', 'notes', 'wide'];
const prefs = {
  get(key, fallback) {
    try {
      return window.localStorage.getItem(`presenter.${key}`) ?? fallback;
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      window.localStorage.setItem(`presenter.${key}`, value);
    } catch {
      // Preferences are a convenience.
    }
  },
};

function setLayout(name) {
  const layout = LAYOUTS.includes(name) ? name : LAYOUTS[0];
  for (const other of LAYOUTS) document.body.classList.toggle(`layout-${other}`, other === layout);
  document.body.dataset.layout = layout;
  $('layout-toggle').textContent = `Layout: ${layout}`;
  prefs.set('layout', layout);
}

function setNotesSize(size) {
  const value = Math.max(12, Math.min(64, Number(size) || 22));
  $('notes').style.fontSize = `${value}px`;
  prefs.set('notesSize', String(value));
  return value;
}

function showDeckError(error) {
  const box = $('deck-error');
  if (error) {
    box.textContent = `The deck does not load, the audience keeps the last good version: ${error}`;
    box.hidden = false;
  } else {
    box.hidden = true;
  }
}

async function main() {
  setLayout(prefs.get('layout', 'classic'));
  let notesSize = setNotesSize(prefs.get('notesSize', 22));
  const [current, preview] = await Promise.all([
    frameReveal($('current-frame')), frameReveal($('next-frame')),
  ]);
  if (!current || !preview) {
    showAlert('This deck does not expose window.Reveal, so it cannot be driven.', 0);
    return;
  }
  preview.configure({
    controls: false, progress: false, keyboard: false, touch: false,
    transition: 'none', backgroundTransition: 'none', slideNumber: false,
  });
  current.configure({ hash: false, history: false });

  let notes = config.notes;
  let shape = deckShape(current);
  let plan = null;
  const timer = new Timer(`presenter.timer.${config.deck}`);

  const readTimings = () => {
    const timings = current.getSlides().map((slide) => slide.getAttribute('data-timing'));
    const revealConfig = current.getConfig();
    plan = timingPlan(timings, { totalTime: revealConfig.totalTime, defaultTiming: revealConfig.defaultTiming });
    $('pacing').hidden = !plan;
  };

  const buildOutline = () => {
    const list = $('outline');
    list.replaceChildren();
    slideTitles(current).forEach((stack, h) => stack.forEach((title, v) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.h = String(h);
      button.dataset.v = String(v);
      button.textContent = `${v ? '↳ ' : ''}${title || `Slide ${h + 1}${v ? `.${v + 1}` : ''}`}`;
      button.addEventListener('click', () => current.slide(h, v));
      item.append(button);
      list.append(item);
    }));
  };

  const showNotes = (state) => renderNotes($('notes'), notes, state);

  let previewTarget = null;
  const update = async (state) => {
    showNotes(state);
    const number = slideIndex(shape, state) + 1;
    $('slide-number').textContent = `${number} / ${slideCount(shape)}`;
    $('blackout').setAttribute('aria-pressed', String(state.paused));
    $('blackout').classList.toggle('active', state.paused);
    $('overview').setAttribute('aria-pressed', String(current.isOverview()));
    for (const button of $('outline').querySelectorAll('button')) {
      const here = Number(button.dataset.h) === state.indexh && Number(button.dataset.v) === state.indexv;
      button.classList.toggle('current', here);
      if (here) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
    const next = nextStep(shape, state);
    $('next-end').hidden = Boolean(next);
    const target = next || state;
    if (!sameState(previewTarget, target)) {
      previewTarget = target;
      await jumpTo(preview, { ...target, paused: false, overview: false });
    }
    if (!timer.running && number > 1 && timer.elapsed() === 0) timer.start();
  };

  const driver = new Driver(config, current, {
    change: (state) => { update(state); },
    status: (name) => showStatus($('presenter-connection'), name),
    message: (msg) => {
      if (msg.type === 'welcome' && msg.role !== 'presenter') {
        showAlert('Not signed in as presenter: open this page with the presenter link.', 0);
      } else if (msg.type === 'presence') {
        $('audience-count').textContent = String(msg.audience);
      } else if (msg.type === 'error') {
        showAlert(`Server: ${msg.message}`);
      } else if (msg.type === 'deck_status') {
        showDeckError(msg.ok ? null : msg.error);
      }
    },
    reload: async () => {
      if (config.kind !== 'markdown') return reloadPage();
      const [a, b] = await Promise.all([
        $('current-frame').contentWindow.presenterReload(),
        $('next-frame').contentWindow.presenterReload(),
      ]);
      if (!a || !b) return reloadPage();
      const fresh = await fetchNotes(config.deck);
      if (fresh) {
        notes = fresh.notes;
        showDeckError(fresh.error && fresh.error.message);
      }
      shape = deckShape(current);
      previewTarget = null;
      readTimings();
      buildOutline();
      return undefined;
    },
  });

  // Controls.
  $('prev').addEventListener('click', () => current.prev());
  $('next').addEventListener('click', () => current.next());
  $('first').addEventListener('click', () => current.slide(0, 0));
  $('last').addEventListener('click', () => current.slide(Number.MAX_SAFE_INTEGER, 0));
  $('blackout').addEventListener('click', () => current.togglePause());
  $('overview').addEventListener('click', () => current.toggleOverview());
  $('share-overview').addEventListener('change', (event) => driver.setShareOverview(event.target.checked));
  $('layout-toggle').addEventListener('click', () => {
    setLayout(LAYOUTS[(LAYOUTS.indexOf(document.body.dataset.layout) + 1) % LAYOUTS.length]);
    current.layout();
    preview.layout();
  });
  $('notes-smaller').addEventListener('click', () => { notesSize = setNotesSize(notesSize - 2); });
  $('notes-larger').addEventListener('click', () => { notesSize = setNotesSize(notesSize + 2); });

  // Join codes: the remote's one-time link is made only when asked for.
  const dialog = $('qr-dialog');
  const openQr = (src, caption) => {
    $('qr-dialog-image').src = src;
    $('qr-dialog-caption').textContent = caption;
    dialog.showModal();
  };
  const remoteQr = () => `${$('remote-qr').dataset.src}?t=${Date.now()}`;
  $('remote-qr').src = remoteQr();
  $('audience-qr-button').addEventListener('click', () => openQr($('audience-qr').src, config.audienceUrl));
  $('remote-qr-button').addEventListener('click', () => {
    $('remote-qr').src = remoteQr();
    openQr($('remote-qr').src, 'Scan with your phone to open the remote (works once).');
  });

  // Timer.
  const renderTimer = () => {
    const elapsed = timer.elapsed();
    $('elapsed').textContent = formatDuration(elapsed);
    $('timer-toggle').textContent = timer.running ? 'Pause' : (elapsed ? 'Resume' : 'Start');
    $('clock').textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const status = pace(plan, slideIndex(shape, driver.state()), elapsed);
    const box = $('pacing');
    box.dataset.status = status ? status.status : 'none';
    if (status) {
      const words = { ahead: 'ahead', 'on-time': 'on time', behind: 'behind' };
      const amount = status.status === 'on-time' ? `${formatDuration(status.seconds)} left` : formatDuration(status.seconds);
      $('pacing-text').textContent = `${words[status.status]} · ${amount}`;
    }
  };
  $('timer-toggle').addEventListener('click', () => { timer.toggle(); renderTimer(); });
  $('timer-reset').addEventListener('click', () => { timer.reset(); renderTimer(); });
  const resetTimer = () => { timer.reset(); renderTimer(); };
  current.addKeyBinding({ keyCode: 84, key: 'T', description: 'Reset the timer' }, resetTimer);
  setInterval(renderTimer, 250);

  // Keys pressed outside the slide frame drive it too.
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
    if (dialog.open) return;
    const keys = {
      ArrowRight: () => current.next(), ArrowDown: () => current.next(), PageDown: () => current.next(),
      ' ': () => current.next(), n: () => current.next(),
      ArrowLeft: () => current.prev(), ArrowUp: () => current.prev(), PageUp: () => current.prev(),
      p: () => current.prev(),
      Home: () => current.slide(0, 0), End: () => current.slide(Number.MAX_SAFE_INTEGER, 0),
      b: () => current.togglePause(), B: () => current.togglePause(), '.': () => current.togglePause(),
      o: () => current.toggleOverview(), O: () => current.toggleOverview(),
      t: resetTimer, T: resetTimer,
    };
    const inOverview = {
      ArrowRight: () => current.right(), ArrowLeft: () => current.left(),
      ArrowDown: () => current.down(), ArrowUp: () => current.up(),
    };
    // In the overview the arrows move between slides, as in reveal.js itself;
    // stepping through fragments there would reveal what the speaker cannot see.
    const action = (current.isOverview() && inOverview[event.key]) || keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  showDeckError(config.deckError && config.deckError.message);
  readTimings();
  buildOutline();
  renderTimer();
  await driver.start();
  window.presenterLive = {
    get seq() { return driver.live.seq; },
    get state() { return driver.live.state; },
    get shape() { return shape; },
    connection: driver.connection,
    driver,
    current,
    preview,
    timer,
  };
}

main();
