// The phone remote: back/next (buttons or swipe), blackout, slide number,
// notes and the elapsed timer, driving the deck through the live protocol.
// It reconnects and resyncs when the phone wakes up.

import { Driver, frameReveal, showStatus } from './driver.js';
import { deckShape, slideCount, slideIndex } from './navigation.js';
import { formatDuration } from './pacing.js';
import { fetchNotes, reloadPage, renderNotes, showAlert } from './speaker.js';
import { readConfig } from './state.js';
import { Timer } from './timer.js';

const config = readConfig();
const $ = (id) => document.getElementById(id);
const SWIPE_PX = 50;

async function main() {
  const current = await frameReveal($('current-frame'));
  if (!current) {
    showAlert('This deck does not expose window.Reveal, so it cannot be driven.', 0);
    return;
  }
  current.configure({ hash: false, history: false, transition: 'none', backgroundTransition: 'none' });
  let notes = config.notes;
  let shape = deckShape(current);
  const timer = new Timer(`presenter.timer.${config.deck}`);

  const update = (state) => {
    $('slide-number').textContent = `${slideIndex(shape, state) + 1} / ${slideCount(shape)}`;
    $('blackout').setAttribute('aria-pressed', String(state.paused));
    renderNotes($('notes'), notes, state);
  };

  const driver = new Driver(config, current, {
    change: update,
    status: (name) => showStatus($('presenter-connection'), name),
    message: (msg) => {
      if (msg.type === 'welcome' && msg.role !== 'presenter') {
        showAlert('Not signed in as presenter: scan the code on the speaker view again.', 0);
      } else if (msg.type === 'error') {
        showAlert(msg.message);
      } else if (msg.type === 'deck_status') {
        $('deck-error').textContent = msg.ok ? '' : msg.error;
        $('deck-error').hidden = msg.ok;
      }
    },
    reload: async () => {
      const swapped = await $('current-frame').contentWindow.presenterReload();
      if (!swapped) return reloadPage();
      const fresh = await fetchNotes(config.deck);
      if (fresh) notes = fresh.notes;
      shape = deckShape(current);
      return undefined;
    },
  });

  const step = (forward) => {
    if (forward) current.next();
    else current.prev();
    if (!timer.running && timer.elapsed() === 0) timer.start();
  };

  // One tap, one step: clicks only (touch-action: manipulation keeps taps from
  // turning into zoom), and a swipe that ends on a button is not also a tap.
  let swiped = false;
  for (const [id, forward] of [['prev', false], ['next', true]]) {
    $(id).addEventListener('click', (event) => {
      event.preventDefault();
      if (swiped) return;
      step(forward);
    });
  }
  document.addEventListener('dblclick', (event) => event.preventDefault());
  let startX = null;
  let startY = null;
  document.addEventListener('pointerdown', (event) => {
    startX = event.clientX;
    startY = event.clientY;
    swiped = false;
  });
  document.addEventListener('pointerup', (event) => {
    if (startX === null) return;
    const dx = event.clientX - startX;
    const dy = event.clientY - startY;
    startX = null;
    if (Math.abs(dx) >= SWIPE_PX && Math.abs(dx) > Math.abs(dy) * 1.5) {
      swiped = true;
      step(dx < 0); // swipe left: next, like turning a page
      setTimeout(() => { swiped = false; }, 0);
    }
  });
  $('blackout').addEventListener('click', () => current.togglePause());
  $('timer-toggle').addEventListener('click', () => timer.toggle());
  document.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowRight' || event.key === ' ' || event.key === 'PageDown') step(true);
    else if (event.key === 'ArrowLeft' || event.key === 'PageUp') step(false);
  });

  const renderTimer = () => {
    const elapsed = timer.elapsed();
    $('elapsed').textContent = formatDuration(elapsed);
    $('timer-toggle').textContent = timer.running ? 'Pause timer' : (elapsed ? 'Resume timer' : 'Start timer');
  };
  // Another tab (the speaker view) may change the shared timer.
  window.addEventListener('storage', () => timer.load());
  setInterval(renderTimer, 250);
  renderTimer();

  await driver.start();
  window.presenterLive = {
    get seq() { return driver.live.seq; },
    get state() { return driver.live.state; },
    connection: driver.connection,
    driver,
    current,
  };
}

main();
