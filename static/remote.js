// The phone remote: back/next (buttons or swipe), blackout, slide number,
// notes and the elapsed timer, driving the deck through the live protocol.
// It reconnects and resyncs when the phone wakes up. With audience
// interaction on: the most upvoted questions (in place of the notes, a tap
// away) and the controls of the slide's poll. What it shares with the speaker
// view is in speaker.js.

import { slideCount, slideIndex } from './navigation.js';
import { PollControls, QuestionList, createDesk } from './moderation-ui.js';
import { topQuestions } from './moderation.js';
import { goLive, mountSpeaker, renderNotes, showAlert } from './speaker.js';

const $ = (id) => document.getElementById(id);
const SWIPE_PX = 50;

const TOP_QUESTIONS = 10;

/** Questions and the slide's poll on the phone; the desk's `enabled` is false when the deck has none. */
function mountInteraction(view) {
  let renderQuestions = () => {};
  let renderPolls = () => {};
  const desk = createDesk(view, {
    frames: [$('current-frame')],
    offline: () => showAlert('Not connected: try again in a moment.'),
    questions: () => renderQuestions(),
    polls: () => renderPolls(),
  });
  if (!desk.enabled) return desk;

  const list = new QuestionList($('qa-list'), {
    compact: true,
    onAction: (id, action) => desk.moderate(id, action),
  });
  renderQuestions = () => {
    const pinnedId = desk.qa.pinned ? desk.qa.pinned.id : null;
    list.render(topQuestions([...desk.board.questions.values()], TOP_QUESTIONS), pinnedId);
    const pending = desk.board.pendingCount();
    $('qa-pending').textContent = String(pending);
    $('qa-pending').hidden = pending === 0;
    const total = desk.board.size;
    $('remote-qa-summary').textContent = total
      ? `${total} ${total === 1 ? 'question' : 'questions'}${pending ? ` · ${pending} waiting` : ''}${total > TOP_QUESTIONS ? ` · top ${TOP_QUESTIONS}` : ''}`
      : 'No questions yet';
  };
  // One area for notes or questions: the pad keeps its size for the thumb.
  $('qa-toggle').addEventListener('click', () => {
    const show = $('remote-qa').hidden;
    $('remote-qa').hidden = !show;
    $('notes').hidden = show;
    $('qa-toggle').setAttribute('aria-pressed', String(show));
  });
  // The phone opens, closes and reveals; resetting a poll is for the speaker view.
  const polls = new PollControls($('poll-controls'), {
    chart: false,
    actions: ['open', 'close', 'reveal', 'conceal'],
    onAction: (poll, action) => desk.poll(poll, action),
  });
  renderPolls = () => polls.render(desk.pollsHere(), desk.book, desk.settings.polls);
  desk.slideChanged = renderPolls;
  return desk;
}

async function main() {
  let desk = null;
  const view = await mountSpeaker({
    frames: [$('current-frame')],
    change: (v, state) => {
      $('slide-number').textContent = `${slideIndex(v.shape, state) + 1} / ${slideCount(v.shape)}`;
      $('blackout').setAttribute('aria-pressed', String(state.paused));
      renderNotes($('notes'), v.notes, state);
      if (desk && desk.enabled) desk.slideChanged();
    },
    message: (v, msg) => { if (desk) desk.take(msg); },
    // Before the view lands on a slide again: its polls may have moved.
    reloaded: async () => { if (desk) await desk.reloaded(); },
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
  desk = mountInteraction(view);
  await goLive(view);
}

main();
