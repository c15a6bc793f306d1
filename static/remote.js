// The phone remote: back/next (buttons or swipe), blackout, slide number,
// notes and the elapsed timer, driving the deck through the live protocol.
// It reconnects and resyncs when the phone wakes up. What it shares with the
// speaker view is in speaker.js.

import { slideCount, slideIndex } from './navigation.js';
import { goLive, mountSpeaker, renderNotes } from './speaker.js';

const $ = (id) => document.getElementById(id);
const SWIPE_PX = 50;

async function main() {
  const view = await mountSpeaker({
    frames: [$('current-frame')],
    change: (v, state) => {
      $('slide-number').textContent = `${slideIndex(v.shape, state) + 1} / ${slideCount(v.shape)}`;
      $('blackout').setAttribute('aria-pressed', String(state.paused));
      renderNotes($('notes'), v.notes, state);
    },
    loginHint: 'Not signed in as presenter: scan the code on the speaker view again.',
    timerLabels: { start: 'Start timer', pause: 'Pause timer', resume: 'Resume timer' },
  });
  if (!view) return;
  const { current } = view;
  current.configure({ transition: 'none', backgroundTransition: 'none' });

  const step = (forward) => {
    if (forward) current.next();
    else current.prev();
  };

  // One tap, one step: clicks only (touch-action keeps taps from turning into
  // zoom), and a swipe that ends on a button is not also a tap.
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
  await goLive(view);
}

main();
