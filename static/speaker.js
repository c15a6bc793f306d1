// Bits shared by the pages behind the presenter login (speaker view, remote).

/** Show a message in #presenter-alert; `ms` 0 keeps it up. */
export function showAlert(text, ms = 4000) {
  const box = document.getElementById('presenter-alert');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(showAlert.timer);
  if (ms) showAlert.timer = setTimeout(() => { box.hidden = true; }, ms);
}

/** Put the notes of the slide at `state` into `box`. */
export function renderNotes(box, notes, state) {
  const html = notes[`${state.indexh}.${state.indexv}`];
  if (html) {
    box.innerHTML = html; // the deck author's notes; these pages need the presenter login
    box.classList.remove('empty');
  } else {
    box.textContent = 'No notes for this slide.';
    box.classList.add('empty');
  }
}

/** Fetch the deck's current notes and load error; null when the server cannot say. */
export async function fetchNotes(deck) {
  try {
    const response = await fetch(`/decks/${encodeURIComponent(deck)}/api/notes`, { cache: 'no-store' });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** A promise that never settles: used while the page is reloading itself. */
export function reloadPage() {
  window.location.reload();
  return new Promise(() => {});
}
