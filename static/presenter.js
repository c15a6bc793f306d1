// The speaker view: current slide, next step, notes, timer, clock, pacing,
// outline, audience count, join codes, and every control through the live
// protocol (so several presenter windows always agree); and, when the deck has
// audience interaction, the questions to moderate, the poll of the slide and
// the room's reactions. What it shares with the remote is in speaker.js.

import { nextStep, positionOf, slideCount, slideIndex } from './navigation.js';
import { formatDuration, pace } from './pacing.js';
import { PollControls, QuestionList, createDesk, renderSwitches, renderTally } from './moderation-ui.js';
import { presenceText } from './moderation.js';
import { goLive, mountSpeaker, renderNotes, showAlert } from './speaker.js';
import { sameState } from './state.js';

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

/**
 * The outline: one entry per slide, titled by the server (one rule for titles).
 * Keeps its entries by position so a step touches two of them, not all.
 */
class Outline {
  constructor(list) {
    this.list = list;
    this.entries = new Map(); // "h.v" -> button
    this.current = null;
    this.filter = '';
  }

  build(view) {
    const items = [];
    this.entries.clear();
    this.current = null;
    let index = 0;
    view.shape.forEach((stack, h) => stack.forEach((_, v) => {
      const title = view.titles[index] || `Slide ${h + 1}${v ? `.${v + 1}` : ''}`;
      index += 1;
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.h = String(h);
      button.dataset.v = String(v);
      button.textContent = `${index}. ${v ? '↳ ' : ''}${title}`;
      button.addEventListener('click', () => view.current.slide(h, v));
      item.append(button);
      items.push(item);
      this.entries.set(`${h}.${v}`, button);
    }));
    this.list.replaceChildren(...items);
    this.apply(this.filter);
  }

  /** Mark the entry of `state` and scroll it into view. */
  show(state) {
    const button = this.entries.get(`${state.indexh}.${state.indexv}`) || null;
    if (button === this.current) return;
    if (this.current) {
      this.current.classList.remove('current');
      this.current.removeAttribute('aria-current');
    }
    this.current = button;
    if (button) {
      button.classList.add('current');
      button.setAttribute('aria-current', 'true');
      button.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
  }

  /** Show only the entries whose title holds `text` (any case). */
  apply(text) {
    this.filter = text.trim().toLowerCase();
    for (const button of this.entries.values()) {
      button.parentElement.hidden = Boolean(this.filter) && !button.textContent.toLowerCase().includes(this.filter);
    }
  }
}

function joinCodes(config) {
  // The remote's one-time link is made only when asked for.
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
  return dialog;
}

/** "42 watching · 3 browsing" in #presence; #audience-count keeps the total on its own. */
function showPresence(count, frame) {
  $('audience-count').textContent = String(count);
  const browsing = $('browsing-count');
  const known = frame && typeof frame.browsing === 'number';
  browsing.hidden = !known;
  browsing.textContent = known ? ` · ${frame.browsing} browsing` : '';
  $('presence').title = known
    ? `${presenceText(frame)}: ${frame.following ?? count - frame.browsing} on your slide, ${frame.browsing} looking around on their own`
    : 'Audience browsers connected';
}

const SWITCHES = { open: 'qa-open', moderated: 'qa-moderated', showPinned: 'qa-show-pinned', showReactions: 'qa-show-reactions' };

/** Notes or questions in the notes area: one at a time, so both get its full height. */
function setTab(name) {
  const qa = name === 'qa' && Boolean($('qa-panel'));
  if ($('tab-notes')) {
    $('tab-notes').setAttribute('aria-selected', String(!qa));
    $('tab-qa').setAttribute('aria-selected', String(qa));
    $('qa-panel').hidden = !qa;
  }
  $('notes').hidden = qa;
  document.body.classList.toggle('tab-qa', qa);
  document.querySelector('.font-buttons').hidden = qa;
  prefs.set('tab', qa ? 'qa' : 'notes');
}

/**
 * Questions, polls and reactions in the speaker view. The desk it returns is
 * not `enabled` when the deck has interaction off (the template then has none
 * of their elements); it still shows presence.
 */
function mountInteraction(view) {
  let renderQuestions = () => {};
  let renderPolls = () => {};
  const desk = createDesk(view, {
    frames: [$('current-frame'), $('next-frame')],
    // This page opens a poll by itself when the speaker reaches its slide.
    // Opening an open poll changes nothing, so a second window, or a server
    // that does the same on the slide change, never makes it twice.
    autoOpen: true,
    offline: () => showAlert('Not connected: try again in a moment.'),
    qa: (d) => renderSwitches(SWITCHES, d.qa),
    questions: () => renderQuestions(),
    polls: () => renderPolls(),
  });
  if (!desk.enabled) return desk;

  let sort = prefs.get('qaSort', 'votes') === 'time' ? 'time' : 'votes';
  const list = new QuestionList($('qa-list'), { onAction: (id, action) => desk.moderate(id, action) });
  renderQuestions = () => {
    const pinnedId = desk.qa.pinned ? desk.qa.pinned.id : null;
    list.render(desk.board.list(sort, pinnedId), pinnedId);
    const pending = desk.board.pendingCount();
    const badge = $('qa-pending');
    badge.textContent = String(pending);
    badge.hidden = pending === 0;
    const total = desk.board.size;
    $('qa-summary').textContent = total
      ? `${total} ${total === 1 ? 'question' : 'questions'}${pending ? ` · ${pending} waiting for approval` : ''}`
      : `No questions yet${desk.qa.open ? '' : ' · questions are closed'}`;
  };
  const setSort = (value) => {
    sort = value;
    prefs.set('qaSort', value);
    for (const button of document.querySelectorAll('.qa-sort button')) {
      button.setAttribute('aria-pressed', String(button.dataset.sort === value));
    }
    renderQuestions();
  };
  for (const button of document.querySelectorAll('.qa-sort button')) {
    button.addEventListener('click', () => setSort(button.dataset.sort));
  }
  for (const [name, id] of Object.entries(SWITCHES)) {
    $(id).addEventListener('change', (event) => {
      // The box shows what the server has: the `qa` frame every socket gets
      // confirms the change; a refused or unsent one puts it back.
      if (!desk.setSwitch(name, event.target.checked)) renderSwitches(SWITCHES, desk.qa);
    });
  }
  $('tab-notes').addEventListener('click', () => setTab('notes'));
  $('tab-qa').addEventListener('click', () => setTab('qa'));
  setTab(prefs.get('tab', 'notes'));

  const polls = new PollControls($('poll-controls'), { onAction: (poll, action) => desk.poll(poll, action) });
  renderPolls = () => polls.render(desk.pollsHere(), desk.book, desk.settings.polls);
  desk.slideChanged = () => {
    renderPolls();
    desk.arrived();
  };
  desk.renderTally = () => renderTally($('reaction-tally'), desk.tally.totals(), desk.settings.reactions);
  setSort(sort);
  return desk;
}

/**
 * The speaker view's own keys, beside the shared ones: Home, End, the
 * overview, the timer. Returns the key handler `mountSpeaker` asks for;
 * `blocked()` says a dialog has the keyboard.
 */
function speakerKeys(v, blocked) {
  const { current } = v;
  const resetTimer = () => v.timerAction('reset');
  current.addKeyBinding({ keyCode: 84, key: 'T', description: 'Reset the timer' }, resetTimer);
  const keys = {
    Home: () => current.slide(0, 0), End: () => current.slide(Number.MAX_SAFE_INTEGER, 0),
    o: () => current.toggleOverview(), O: () => current.toggleOverview(),
    t: resetTimer, T: resetTimer,
  };
  // In the overview the arrows move between slides, as in reveal.js itself;
  // stepping through fragments there would reveal what the speaker cannot see.
  const inOverview = {
    ArrowRight: () => current.right(), ArrowLeft: () => current.left(),
    ArrowDown: () => current.down(), ArrowUp: () => current.up(),
  };
  return (event) => {
    if (blocked()) return false;
    return (current.isOverview() && inOverview[event.key]) || keys[event.key] || null;
  };
}

/** The toolbar: navigation, blackout, overview, layout, notes size, timer reset. */
function wireButtons(view, preview, resizeNotes) {
  const { current, driver } = view;
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
  $('notes-smaller').addEventListener('click', () => resizeNotes(-2));
  $('notes-larger').addEventListener('click', () => resizeNotes(2));
  $('timer-reset').addEventListener('click', () => view.timerAction('reset'));
}

/** The clock and pacing, beside the timer the shared module renders. */
function showClock(view) {
  $('clock').textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const status = pace(view.plan, slideIndex(view.shape, view.driver.state()), view.timer.elapsed());
  const box = $('pacing');
  box.dataset.status = status ? status.status : 'none';
  if (status) {
    const words = { ahead: 'ahead', 'on-time': 'on time', behind: 'behind' };
    const amount = status.status === 'on-time' ? `${formatDuration(status.seconds)} left` : formatDuration(status.seconds);
    $('pacing-text').textContent = `${words[status.status]} · ${amount}`;
  }
}

/** The outline's title filter and jump-to-number box. */
function wireOutline(view, outline) {
  $('outline-filter').addEventListener('input', (event) => outline.apply(event.target.value));
  $('outline-jump-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const field = $('outline-jump');
    const at = positionOf(view.shape, Number.parseInt(field.value, 10));
    field.classList.toggle('invalid', !at);
    if (at) {
      field.value = '';
      view.current.slide(at.h, at.v);
    }
  });
}

async function main() {
  setLayout(prefs.get('layout', 'classic'));
  let notesSize = setNotesSize(prefs.get('notesSize', 22));
  let previewTarget = null;
  let dialog = null;
  let desk = null;
  const outline = new Outline($('outline'));

  const update = async (view, state) => {
    renderNotes($('notes'), view.notes, state);
    $('slide-number').textContent = `${slideIndex(view.shape, state) + 1} / ${slideCount(view.shape)}`;
    $('blackout').setAttribute('aria-pressed', String(state.paused));
    $('blackout').classList.toggle('active', state.paused);
    $('overview').setAttribute('aria-pressed', String(view.current.isOverview()));
    outline.show(state);
    if (desk && desk.enabled) desk.slideChanged();
    const next = nextStep(view.shape, state);
    $('next-end').hidden = Boolean(next);
    const target = next || state;
    if (!sameState(previewTarget, target)) {
      previewTarget = target;
      await $('next-frame').contentWindow.presenterPreview.show(target);
    }
  };

  const view = await mountSpeaker({
    frames: [$('current-frame'), $('next-frame')],
    change: (v, state) => { update(v, state); },
    presence: showPresence,
    // Questions, polls and reactions (the desk exists before the socket opens).
    message: (v, msg) => { if (desk) desk.take(msg); },
    reloaded: async (v) => {
      previewTarget = null;
      // Before the view lands on a slide again: its polls may have moved.
      if (desk) await desk.reloaded();
      $('pacing').hidden = !v.plan;
      outline.build(v);
      outline.show(v.driver.state());
    },
    loginHint: 'Not signed in as presenter: open this page with the presenter link.',
    timerLabels: { start: 'Start', pause: 'Pause', resume: 'Resume' },
    keys: (v) => speakerKeys(v, () => dialog && dialog.open),
  });
  if (!view) return;
  const preview = view.reveals[1];
  wireButtons(view, preview, (delta) => { notesSize = setNotesSize(notesSize + delta); });
  dialog = joinCodes(view.config);
  $('pacing').hidden = !view.plan;
  outline.build(view);
  wireOutline(view, outline);
  desk = mountInteraction(view);
  showClock(view);
  setInterval(() => showClock(view), 250);
  if (desk.enabled) setInterval(desk.renderTally, 250);
  await goLive(view, {
    preview,
    /** Where the next-step preview is, in the deck's numbering: {h, v, f}. */
    previewIndices: () => $('next-frame').contentWindow.presenterPreview.at,
  });
}

main();
