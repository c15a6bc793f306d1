// The audience side of a deck page: follow the presenter, let the viewer
// browse on their own, and snap back with #back-to-live.
// With ?view=embed (the presenter's previews) it only prepares reveal.js.

import { LiveConnection, showStatus, socketUrl } from './connection.js';
import { deckShape, nearestPosition } from './navigation.js';
import {
  LiveSnapshot, Mirror, STATE_EVENTS, jumpTo, readConfig, sameState, toWire, waitForReveal,
} from './state.js';

const config = readConfig();

function reveal() {
  document.documentElement.classList.remove('presenter-pending');
}

async function start() {
  if (config.kind === 'markdown' && window.Reveal && !window.Reveal.isReady()) {
    window.Reveal.initialize({
      ...config.reveal,
      hash: false,
      history: false,
      // Below 435px reveal.js switches to its scroll view, which cannot follow.
      scrollActivationWidth: null,
      // reveal.js's own plugins render the slides: Markdown first, then code.
      plugins: [window.RevealMarkdown, window.RevealHighlight].filter(Boolean),
    });
  }
  // Never leave the page hidden, whatever happens below.
  const failsafe = setTimeout(reveal, 3000);
  const Reveal = await waitForReveal();
  if (!Reveal) {
    reveal();
    const indicator = document.getElementById('presenter-connection');
    showStatus(indicator, 'not following');
    if (indicator) indicator.title = 'This deck does not expose window.Reveal, so it cannot follow';
    return null;
  }
  if (config.kind === 'html') {
    // The author's initialize() may already have switched a phone to the scroll
    // view; turning the option off does not leave it, so leave it explicitly.
    Reveal.configure({ scrollActivationWidth: null });
    if (Reveal.isScrollView()) Reveal.toggleScrollView(false);
  }
  await jumpTo(Reveal, config.state);
  clearTimeout(failsafe);
  reveal();
  return Reveal;
}

/**
 * Swap in the deck's new slides without reloading the page, keeping the
 * position (or the nearest one that still exists). Returns false when only a
 * full page load will do: an HTML deck, or a new theme or reveal.js options.
 */
async function reloadInPlace(Reveal) {
  if (config.kind !== 'markdown') return false;
  let fresh;
  try {
    const response = await fetch(`/decks/${encodeURIComponent(config.deck)}/api/deck`, { cache: 'no-store' });
    if (!response.ok) return false;
    fresh = await response.json();
  } catch {
    return false;
  }
  if (fresh.head !== config.head || typeof fresh.slidesHtml !== 'string') return false;
  const before = toWire(Reveal.getState());
  const slides = Reveal.getSlidesElement();
  slides.innerHTML = fresh.slidesHtml;
  const markdown = Reveal.hasPlugin('markdown') ? Reveal.getPlugin('markdown') : null;
  if (markdown) {
    await markdown.processSlides(slides);
    await markdown.convertSlides();
  }
  const highlight = Reveal.hasPlugin('highlight') ? Reveal.getPlugin('highlight') : null;
  if (highlight) {
    for (const block of slides.querySelectorAll('pre code')) highlight.highlightBlock(block);
  }
  Reveal.sync();
  await jumpTo(Reveal, nearestPosition(deckShape(Reveal), before));
  return true;
}

function follow(Reveal) {
  const button = document.getElementById('back-to-live');
  const indicator = document.getElementById('presenter-connection');
  const hint = document.getElementById('presenter-hint');
  const live = new LiveSnapshot(config.seq, config.state);
  const mirror = new Mirror(Reveal);
  let following = true;

  const setFollowing = (value) => {
    following = value;
    document.documentElement.classList.toggle('presenter-browsing', !value);
    if (button) button.hidden = value;
    if (value) mirror.apply(live.state);
  };

  for (const name of STATE_EVENTS) {
    Reveal.on(name, () => {
      if (mirror.busy || !following) return;
      if (sameState(Reveal.getState(), live.state)) return;
      // While following, only the presenter ends a blackout: the viewer's
      // resume (button, B or .) is undone, and the page keeps following.
      if (live.state.paused && !Reveal.isPaused()) {
        mirror.apply(live.state);
        return;
      }
      setFollowing(false);
    });
  }
  if (button) button.addEventListener('click', () => setFollowing(true));

  const connection = new LiveConnection(socketUrl(config.ws), {
    status: (name, transport) => showStatus(indicator, name, transport),
    message: (msg) => {
      if (msg.type === 'reload') {
        mirror.busy = true;
        reloadInPlace(Reveal).then((done) => {
          mirror.busy = false;
          if (!done) window.location.reload();
          else if (following) mirror.apply(live.state);
        });
        return;
      }
      if (msg.type === 'welcome' && hint) hint.hidden = !msg.signedIn;
      if (live.take(msg) && following) mirror.apply(live.state);
    },
  }, { eventsUrl: config.events });
  connection.start();
  window.presenterLive = {
    get following() { return following; },
    get seq() { return live.seq; },
    get state() { return live.state; },
    connection,
  };
}

const ready = start();
if (config.view === 'embed') {
  // The presenter pages drive embedded views directly through these.
  window.presenterReady = ready;
  window.presenterReload = async () => {
    const Reveal = await ready;
    return Reveal ? reloadInPlace(Reveal) : false;
  };
} else {
  ready.then((Reveal) => { if (Reveal) follow(Reveal); });
}
