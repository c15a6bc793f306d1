// Pure navigation arithmetic over a deck's shape, plus reading that shape
// from a live reveal.js instance.
//
// A shape is an array with one entry per horizontal slide; each entry is an
// array with one number per vertical slide: how many fragment steps it has.
// Positions are {indexh, indexv, indexf}; indexf is null on a slide without
// fragments and -1 when none of its fragments is shown.

/** Fragment steps of a slide element (reveal.js numbers them after sorting). */
export function fragmentSteps(slide) {
  let steps = 0;
  for (const fragment of slide.querySelectorAll('.fragment')) {
    if (fragment.closest('section') !== slide) continue;
    const index = Number.parseInt(fragment.getAttribute('data-fragment-index'), 10);
    steps = Math.max(steps, Number.isNaN(index) ? steps + 1 : index + 1);
  }
  return steps;
}

/** The shape of the deck shown by `Reveal`. */
export function deckShape(Reveal) {
  return Reveal.getHorizontalSlides().map((top) => {
    const stack = Array.from(top.children).filter((child) => child.tagName === 'SECTION');
    return (stack.length ? stack : [top]).map(fragmentSteps);
  });
}

function noneShown(steps) {
  return steps > 0 ? -1 : null;
}

/**
 * The step after `position`, as reveal.js's next() takes it: the next
 * fragment while the slide has some left, else down the stack, else right.
 * Returns null at the end of the deck.
 */
export function nextStep(shape, position) {
  const { indexh: h, indexv: v } = clamp(shape, position);
  const steps = shape[h][v];
  const shown = typeof position.indexf === 'number' ? position.indexf : -1;
  if (shown + 1 < steps) return { indexh: h, indexv: v, indexf: shown + 1 };
  if (v + 1 < shape[h].length) return { indexh: h, indexv: v + 1, indexf: noneShown(shape[h][v + 1]) };
  if (h + 1 < shape.length) return { indexh: h + 1, indexv: 0, indexf: noneShown(shape[h + 1][0]) };
  return null;
}

function clamp(shape, position) {
  const h = Math.max(0, Math.min(position.indexh | 0, shape.length - 1));
  const v = Math.max(0, Math.min(position.indexv | 0, shape[h].length - 1));
  return { indexh: h, indexv: v };
}

/**
 * The nearest position that exists in `shape`: used after a live reload when
 * slides or fragments were removed. Other keys (paused, overview) are kept.
 */
export function nearestPosition(shape, position) {
  if (!shape.length) return { ...position, indexh: 0, indexv: 0, indexf: null };
  const { indexh, indexv } = clamp(shape, position);
  const steps = shape[indexh][indexv];
  let indexf = null;
  if (steps > 0) {
    const wanted = typeof position.indexf === 'number' ? position.indexf : -1;
    indexf = Math.max(-1, Math.min(wanted, steps - 1));
  }
  return { ...position, indexh, indexv, indexf };
}

/** The 0-based number of a position among all slides (stacks flattened). */
export function slideIndex(shape, position) {
  const { indexh, indexv } = clamp(shape, position);
  let index = 0;
  for (let h = 0; h < indexh; h += 1) index += shape[h].length;
  return index + indexv;
}

/** How many slides the shape has. */
export function slideCount(shape) {
  return shape.reduce((total, stack) => total + stack.length, 0);
}

/** The position of the `number`-th slide (1-based, as slideIndex + 1), or null when there is none. */
export function positionOf(shape, number) {
  if (!Number.isInteger(number) || number < 1) return null;
  let left = number - 1;
  for (let h = 0; h < shape.length; h += 1) {
    if (left < shape[h].length) return { h, v: left };
    left -= shape[h].length;
  }
  return null;
}
