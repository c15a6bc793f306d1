// Pacing arithmetic for the speaker view: reveal.js's totalTime,
// defaultTiming and per-slide data-timing, all in seconds.

const FALLBACK_TIMING = 120; // reveal.js's speaker view uses two minutes a slide

/**
 * Plan the talk: one {start, end} window (seconds from the start) per slide.
 *
 * @param {(number|null)[]} timings  data-timing of each slide, null when absent
 * @param {{totalTime?: number|null, defaultTiming?: number|null}} config
 * @returns {{start: number, end: number}[] | null}  null when the deck sets no budget
 */
export function timingPlan(timings, config = {}) {
  const totalTime = positive(config.totalTime);
  const defaultTiming = positive(config.defaultTiming);
  const explicit = timings.map(positive);
  if (!timings.length) return null;
  if (totalTime === null && defaultTiming === null && explicit.every((t) => t === null)) return null;
  let fill = defaultTiming ?? FALLBACK_TIMING;
  if (totalTime !== null) {
    const fixed = explicit.reduce((sum, t) => sum + (t ?? 0), 0);
    const open = explicit.filter((t) => t === null).length;
    fill = open ? Math.max(0, (totalTime - fixed) / open) : 0;
  }
  let start = 0;
  return explicit.map((t) => {
    const duration = t ?? fill;
    const window = { start, end: start + duration };
    start += duration;
    return window;
  });
}

/**
 * Where the speaker stands against the plan on slide `index` after `elapsed` seconds.
 *
 * @returns {{status: 'ahead'|'on-time'|'behind', seconds: number} | null}
 *   ahead: seconds before this slide was due to start; behind: seconds past
 *   its planned end; on-time: seconds left for this slide.
 */
export function pace(plan, index, elapsed) {
  if (!plan || !plan.length) return null;
  const slot = plan[Math.max(0, Math.min(index, plan.length - 1))];
  if (elapsed < slot.start) return { status: 'ahead', seconds: slot.start - elapsed };
  if (elapsed > slot.end) return { status: 'behind', seconds: elapsed - slot.end };
  return { status: 'on-time', seconds: slot.end - elapsed };
}

/** Total planned seconds. */
export function plannedTotal(plan) {
  return plan && plan.length ? plan[plan.length - 1].end : 0;
}

function positive(value) {
  const number = typeof value === 'string' ? Number.parseFloat(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : null;
}

/** m:ss or h:mm:ss for a number of seconds. */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
