// The audience side of a deck page: follow the presenter, let the viewer
// browse on their own, and snap back with #back-to-live.
// With ?view=embed or ?view=preview (the frames of the presenter pages) it
// only prepares reveal.js, for the presenter page to drive.

import { LiveConnection, showStatus, socketUrl } from './connection.js';
import { AudienceInteraction } from './interact/interaction.js';
import { PollBoard } from './interact/polls.js';
import { deckShape, nearestPosition } from './navigation.js';
import {
  LiveSnapshot, Mirror, STATE_EVENTS, jumpTo, readConfig, sameState, toReveal, toWire, waitForReveal,
} from './state.js';

const config = readConfig();
const interaction = config.interaction || {};
// Questions, reactions and votes are the audience page's; the speaker view's
// frames show polls too, display only, fed by the speaker view.
const talksBack = config.view === 'audience' && interaction.enabled === true;
const polls = new PollBoard({ polls: interaction.polls, interactive: talksBack });

function reveal() {
  document.documentElement.classList.remove('presenter-pending');
}

/** The top-level slides of a slides element, and what else it holds. */
function stacksOf(slides) {
  const children = [...slides.children];
  return {
    stacks: children.filter((node) => node.matches('section')),
    others: children.filter((node) => !node.matches('section')),
  };
}

// A Markdown preview keeps all but the first slide away from reveal.js until
// one is shown: rendering thousands of slides it never shows would slow the
// speaker view's start.
let setAside = null;

const framed = config.view === 'embed' || config.view === 'preview';

/** What S opens on an audience page (as reveal.js's S opens its notes window), or null. */
function speakerView() {
  // A following copy (presenter export --follow) has its server's absolute URLs.
  const server = new URL(config.events || '/', window.location.href);
  return framed || server.protocol === 'file:'
    ? null
    : new URL(`/decks/${encodeURIComponent(config.deck)}/presenter`, server).href;
}

/** The reveal.js plugins the deck asked for (static/plugins.js makes them). */
function deckPlugins() {
  if (!window.presenterPlugins) return [];
  return window.presenterPlugins(config.plugins, { framed, speakerView: speakerView() });
}

async function start() {
  if (config.kind === 'markdown' && window.Reveal && !window.Reveal.isReady()) {
    if (config.view === 'preview') {
      setAside = stacksOf(document.querySelector('.reveal .slides'));
      for (const stack of setAside.stacks.slice(1)) stack.remove();
    }
    window.Reveal.initialize({
      ...config.reveal,
      hash: false,
      history: false,
      // Below 435px reveal.js switches to its scroll view, which cannot follow.
      scrollActivationWidth: null,
      // reveal.js's own plugins render the slides: Markdown first, then code,
      // then what the deck asked for (its front matter's plugins).
      plugins: [window.RevealMarkdown, window.RevealHighlight, ...deckPlugins()].filter(Boolean),
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
  polls.mount();
  if (config.kind === 'html') {
    // The author's initialize() may already have switched a phone to the scroll
    // view; turning the option off does not leave it, so leave it explicitly.
    Reveal.configure({ scrollActivationWidth: null });
    if (Reveal.isScrollView()) Reveal.toggleScrollView(false);
    const opens = speakerView();
    if (Reveal.hasPlugin('notes') && opens) {
      // reveal.js's notes window would read the notes from this page, which
      // has none: S opens the speaker view, which has them.
      Reveal.addKeyBinding({ keyCode: 83, key: 'S', description: 'Open the speaker view' }, () => {
        window.open(opens, 'presenter-speaker-view');
      });
    }
  }
  if (Reveal.isPrintView()) {
    // ?print-pdf: reveal.js lays out every slide as a page to print or save
    // as PDF. Nothing follows, and nothing of ours is printed on the pages.
    const ui = document.querySelector('.presenter-ui');
    if (ui) ui.remove();
  } else if (config.view !== 'preview') {
    // A preview shows what the presenter page asks for, nothing before.
    await jumpTo(Reveal, config.state);
  }
  clearTimeout(failsafe);
  reveal();
  return Reveal;
}

/**
 * The deck's slides as the server has them now, or null when only a full page
 * load will do: an HTML deck, or a new theme or reveal.js options.
 */
async function freshSlides() {
  if (config.kind !== 'markdown') return null;
  try {
    const response = await fetch(`/decks/${encodeURIComponent(config.deck)}/api/deck`, { cache: 'no-store' });
    if (!response.ok) return null;
    const fresh = await response.json();
    return fresh.head === config.head && typeof fresh.slidesHtml === 'string' ? fresh.slidesHtml : null;
  } catch {
    return null;
  }
}

/** Let reveal.js's plugins render the slides in `slides` they have not rendered yet. */
async function renderSlides(Reveal, slides) {
  const markdown = Reveal.hasPlugin('markdown') ? Reveal.getPlugin('markdown') : null;
  if (markdown) {
    await markdown.processSlides(slides);
    await markdown.convertSlides();
  }
  const highlight = Reveal.hasPlugin('highlight') ? Reveal.getPlugin('highlight') : null;
  if (highlight) {
    for (const block of slides.querySelectorAll('pre code:not(.hljs)')) highlight.highlightBlock(block);
  }
  if (window.presenterPlugins) window.presenterPlugins.typeset(Reveal, slides);
  const diagrams = Reveal.hasPlugin('presenter-mermaid') ? Reveal.getPlugin('presenter-mermaid') : null;
  if (diagrams) await diagrams.render(slides);
  polls.mount();
}

/**
 * Swap in the deck's new slides without reloading the page, keeping the
 * position (or the nearest one that still exists). Returns false when only a
 * full page load will do.
 */
async function reloadInPlace(Reveal) {
  // The slide menu lists the slides it found at start, and cannot list them again.
  if (Reveal.hasPlugin('menu')) return false;
  const html = await freshSlides();
  if (html === null) return false;
  const before = toWire(Reveal.getState());
  const slides = Reveal.getSlidesElement();
  slides.innerHTML = html;
  await renderSlides(Reveal, slides);
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
  const talk = talksBack && document.getElementById('presenter-qa-button')
    ? new AudienceInteraction({ polls }) : null;
  let following = true;

  const setFollowing = (value) => {
    following = value;
    if (talk) talk.setFollowing(value);
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

  // A copy made by `presenter export --follow` names the server's socket in full.
  const wsUrl = /^wss?:\/\//.test(config.ws) ? config.ws : socketUrl(config.ws);
  const connection = new LiveConnection(wsUrl, {
    status: (name, transport) => showStatus(indicator, name, transport),
    message: (msg) => {
      if (talk && talk.handle(msg)) return;
      if (msg.type === 'reload') {
        mirror.during(() => reloadInPlace(Reveal)).then((done) => {
          if (!done) window.location.reload();
          else if (following) mirror.apply(live.state);
        });
        return;
      }
      if (msg.type === 'welcome' && hint) hint.hidden = !msg.signedIn;
      if (live.take(msg) && following) mirror.apply(live.state);
    },
  }, { eventsUrl: config.events });
  if (talk) talk.attach(connection);
  connection.start();
  window.presenterLive = {
    get following() { return following; },
    get seq() { return live.seq; },
    get state() { return live.state; },
    connection,
  };
}

/**
 * The speaker view's next-step preview. reveal.js does work for every slide of
 * the deck on each step; so that a long deck does not pay it twice, the
 * preview gives reveal.js one top-level slide (with its vertical stack) at a
 * time and keeps the others aside. Slides of a Markdown deck are rendered
 * when first shown.
 */
class Preview {
  constructor(Reveal) {
    this.Reveal = Reveal;
    this.configured = false;
    this.take(setAside);
    setAside = null;
  }

  /**
   * Take the deck's slides: `aside` when they were set aside unrendered (all
   * but the first, which reveal.js has), else those in the slides element.
   */
  take(aside) {
    const { stacks, others } = aside || stacksOf(this.Reveal.getSlidesElement());
    this.stacks = stacks;
    this.others = others;
    this.unrendered = new Set(aside ? stacks.slice(1) : []);
    // Set aside, the first slide is the one reveal.js has; else it has them all.
    this.shown = aside ? stacks[0] : null;
    this.at = null;
  }

  /** Show the step at `state` (wire form, deck positions). */
  async show(state) {
    const slides = this.Reveal.getSlidesElement();
    const index = state.indexh;
    if (index >= this.stacks.length) return;
    if (this.stacks[index] !== this.shown) {
      slides.replaceChildren(...this.others, this.stacks[index]);
      if (this.unrendered.delete(this.stacks[index])) {
        await renderSlides(this.Reveal, slides);
        // The Markdown plugin replaces the section it renders.
        this.stacks[index] = stacksOf(slides).stacks[0];
      } else {
        // While set aside, its polls missed the frames that came meanwhile.
        polls.mount();
      }
      this.shown = this.stacks[index];
      if (this.configured) {
        this.Reveal.sync();
      }
    }
    if (!this.configured) {
      // configure() syncs too, which costs little once the slide is alone.
      this.Reveal.configure({
        controls: false, progress: false, keyboard: false, touch: false,
        transition: 'none', backgroundTransition: 'none', slideNumber: false,
      });
      this.configured = true;
    }
    this.Reveal.setState(toReveal({ ...state, indexh: 0, paused: false, overview: false }));
    const { v, f } = this.Reveal.getIndices();
    this.at = { h: index, v, f };
  }

  /** Take the deck's new slides, as a live reload brings them. */
  async reload() {
    const html = await freshSlides();
    if (html === null) return false;
    const slides = this.Reveal.getSlidesElement();
    slides.innerHTML = html;
    const fresh = stacksOf(slides);
    for (const stack of fresh.stacks.slice(1)) stack.remove();
    await renderSlides(this.Reveal, slides);
    this.take({ ...fresh, stacks: [stacksOf(slides).stacks[0], ...fresh.stacks.slice(1)] });
    this.Reveal.sync();
    return true;
  }
}

const ready = start();
if (config.view === 'embed' || config.view === 'preview') {
  // The presenter pages drive their frames directly through these.
  let preview = null;
  const previewOf = async () => {
    const Reveal = await ready;
    if (Reveal && !preview && config.view === 'preview') preview = new Preview(Reveal);
    return preview;
  };
  // A preview's shows and reloads take turns: each may wait for rendering.
  let queue = Promise.resolve();
  const inTurn = (task) => {
    const result = queue.then(task);
    queue = result.catch(() => {});
    return result;
  };
  window.presenterReady = ready;
  window.presenterReload = async () => {
    const Reveal = await ready;
    if (!Reveal) return false;
    return config.view === 'preview'
      ? inTurn(async () => (await previewOf()).reload())
      : reloadInPlace(Reveal);
  };
  window.presenterPreview = {
    /** Show `state` (wire form); resolves once it is shown. */
    show(state) {
      return inTurn(async () => {
        const shown = await previewOf();
        if (shown) await shown.show(state);
      });
    },
    /** The position shown, in the deck's numbering: {h, v, f}, or null. */
    get at() { return preview && preview.at; },
  };
  window.presenterPolls = {
    /** Show a `poll` frame (as the speaker view hears it) in this frame's poll widgets. */
    update(frame) { polls.take(frame); },
  };
} else {
  ready.then((Reveal) => { if (Reveal && !Reveal.isPrintView()) follow(Reveal); });
}
