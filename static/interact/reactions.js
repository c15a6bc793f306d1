// Reactions: a bar of the deck's reaction buttons, and the added-up taps of
// the room floating up over the slide while the presenter shows them. The
// server adds taps up; at scale a frame says "👍 ×300", so a few elements per
// frame stand for them all, never one per tap.

export const MAX_FLOATING = 30;
const PER_EMOJI = 3;
const FLOAT_MS = 3200;

/**
 * Which elements to float for a `reactions` frame's counts, with at most
 * `room` in all: up to three per reaction, the most tapped first, the first
 * of each labelled with its count when the elements do not show them all.
 */
export function floatPlan(counts, room = MAX_FLOATING, perEmoji = PER_EMOJI) {
  const entries = Object.entries(counts || {})
    .map(([emoji, count]) => [emoji, Math.floor(Number(count))])
    .filter(([, count]) => Number.isFinite(count) && count > 0)
    .sort((a, b) => b[1] - a[1]);
  const plan = [];
  for (let round = 0; round < perEmoji; round += 1) {
    for (const [emoji, count] of entries) {
      if (plan.length >= room) return plan;
      const shown = Math.min(count, perEmoji);
      if (round >= shown) continue;
      plan.push({ emoji, label: round === 0 && count > shown ? `×${count}` : '', count, first: round === 0 });
    }
  }
  return plan;
}

/**
 * A token bucket for this page's taps. The server allows a socket 5 messages
 * a second (bursts of 10) for questions, upvotes, votes and reactions
 * together; taps past this smaller bucket only animate, so a keen tapper
 * never makes their own question `rate_limited`.
 */
export class TapBucket {
  constructor({ rate = 2, burst = 4, now = () => Date.now() } = {}) {
    this.rate = rate;
    this.burst = burst;
    this.now = now;
    this.tokens = burst;
    this.at = now();
  }

  take() {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Wire the reaction buttons in `bar`: a tap animates the button and, within the bucket, sends `react`. */
export function bindReactionBar(bar, send, bucket = new TapBucket()) {
  if (!bar) return;
  bar.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-emoji]');
    if (!button || !bar.contains(button)) return;
    button.classList.remove('tapped');
    // Restart the tap animation on every tap (reading offsetWidth reflows).
    void button.offsetWidth;
    button.classList.add('tapped');
    if (bucket.take()) send({ type: 'react', emoji: button.dataset.emoji });
  });
  bar.addEventListener('animationend', (event) => event.target.classList.remove('tapped'));
}

/** Floats reactions up over the slide, at most MAX_FLOATING at a time. */
export class Floats {
  constructor(layer, { random = Math.random } = {}) {
    this.layer = layer;
    this.random = random;
    this.lane = 0;
  }

  get count() {
    return this.layer ? this.layer.childElementCount : 0;
  }

  /** Float a `reactions` frame's counts. */
  show(counts) {
    if (!this.layer) return;
    for (const item of floatPlan(counts, MAX_FLOATING - this.count)) this.add(item);
  }

  add({ emoji, label, count }) {
    const element = document.createElement('span');
    element.className = 'presenter-float';
    if (count >= 10) element.classList.add('big');
    const face = document.createElement('span');
    face.className = 'presenter-float-emoji';
    face.textContent = emoji;
    element.append(face);
    if (label) {
      const tally = document.createElement('span');
      tally.className = 'presenter-float-count';
      tally.textContent = label;
      element.append(tally);
    }
    // Spread over five lanes on the right of the screen, with some drift.
    this.lane = (this.lane + 1) % 5;
    element.style.setProperty('--lane', String(this.lane));
    element.style.setProperty('--drift', `${Math.round((this.random() - 0.5) * 60)}px`);
    element.style.setProperty('--delay', `${Math.round(this.random() * 400)}ms`);
    const done = () => element.remove();
    element.addEventListener('animationend', done, { once: true });
    // Without animations (reduced motion, a hidden tab) they must still go.
    setTimeout(done, FLOAT_MS + 600);
    this.layer.append(element);
  }

  /** Reactions float only while the presenter shows them; hiding drops those in the air. */
  setShown(shown) {
    if (!this.layer) return;
    this.layer.hidden = !shown;
    if (!shown) this.layer.replaceChildren();
  }
}
