// reveal.js listens for keys on the document: Space steps to the next slide.
// On one of our buttons Space and Enter press the button, and only that.

/** A keydown listener for a container of our buttons. */
export function keepPressesFromReveal(event) {
  if (event.key === ' ' || event.key === 'Enter') event.stopPropagation();
}
