// The audience's questions panel: the list (sorted by votes or by time, with
// upvote toggles), the ask form, the pinned question over the slide. It only
// draws and reports what the viewer did; interaction.js talks to the server.
// Questions and names are the audience's own text: textContent only.

import { NAME_MAX, QUESTION_MAX, checkQuestion, length } from './questions.js';

const NAME_KEY = 'presenter-qa-name';

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function storedName() {
  try {
    return window.localStorage.getItem(NAME_KEY) || '';
  } catch {
    return '';
  }
}

function storeName(name) {
  try {
    if (name) window.localStorage.setItem(NAME_KEY, name);
    else window.localStorage.removeItem(NAME_KEY);
  } catch {
    // Storage refused (private mode): the name is simply not remembered.
  }
}

export class QuestionPanel {
  /**
   * @param {{ask: (text: string, name: string) => void, upvote: (id: string, on: boolean) => void}} actions
   */
  constructor(actions) {
    this.actions = actions;
    this.button = $('presenter-qa-button');
    this.panel = $('presenter-qa-panel');
    this.text = $('presenter-qa-text');
    this.name = $('presenter-qa-name');
    this.submit = $('presenter-qa-submit');
    this.pinned = $('presenter-pinned');
    if (!this.button || !this.panel) return;
    this.list = this.panel.querySelector('.presenter-qa-list');
    this.empty = this.panel.querySelector('.presenter-qa-empty');
    this.badge = this.button.querySelector('.presenter-qa-count');
    this.counter = this.panel.querySelector('.presenter-qa-counter');
    this.note = this.panel.querySelector('.presenter-qa-note');
    this.error = this.panel.querySelector('.presenter-qa-error');
    this.form = this.panel.querySelector('form');
    this.order = 'top';
    this.open = true;
    this.sending = false;
    this.name.value = storedName();
    this.bind();
    this.updateForm();
  }

  get ready() {
    return Boolean(this.button && this.panel);
  }

  bind() {
    this.button.addEventListener('click', () => this.toggle());
    this.panel.querySelector('.presenter-qa-close').addEventListener('click', () => this.toggle(false));
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        this.toggle(false);
        this.button.focus();
      }
      // reveal.js listens on the document: keys typed here are not for the slides.
      event.stopPropagation();
    });
    for (const sort of this.panel.querySelectorAll('[data-sort]')) {
      sort.addEventListener('click', () => {
        this.order = sort.dataset.sort;
        for (const other of this.panel.querySelectorAll('[data-sort]')) {
          other.setAttribute('aria-pressed', String(other === sort));
        }
        this.onChange();
      });
    }
    this.text.addEventListener('input', () => this.updateForm());
    this.name.addEventListener('input', () => this.updateForm());
    this.name.addEventListener('change', () => storeName(this.name.value.trim()));
    this.text.addEventListener('keydown', (event) => {
      // Enter asks; Shift+Enter is still a line break for those who want one.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const check = checkQuestion(this.text.value, this.name.value);
      if (check.problem || this.sending || !this.open) return;
      storeName(check.name);
      this.showError('');
      this.actions.ask(check.text, check.name);
    });
    this.list.addEventListener('click', (event) => {
      const button = event.target.closest('.presenter-upvote');
      if (!button || button.disabled) return;
      const item = button.closest('.presenter-question');
      this.actions.upvote(item.dataset.id, button.getAttribute('aria-pressed') !== 'true');
    });
  }

  /** Set by interaction.js: called when the list must be drawn again. */
  onChange() {}

  toggle(show = this.panel.hidden) {
    this.panel.hidden = !show;
    this.button.setAttribute('aria-expanded', String(show));
    document.documentElement.classList.toggle('presenter-qa-open', show);
    if (show) this.onChange();
  }

  /** Questions open or closed (the `qa` frame's `open`). */
  setOpen(open) {
    this.open = open;
    this.panel.classList.toggle('closed', !open);
    this.panel.querySelector('.presenter-qa-closed').hidden = open;
    this.updateForm();
  }

  /** While an `ask` waits for its acknowledgement the form holds still. */
  setSending(sending, note = '') {
    this.sending = sending;
    this.setNote(note);
    this.updateForm();
  }

  /** The question was stored: empty the form. */
  asked(awaiting) {
    this.text.value = '';
    this.showError('');
    this.setSending(false, awaiting ? 'Thanks! Your question will appear once the presenter approves it.' : '');
  }

  setNote(text) {
    this.note.textContent = text;
    this.note.hidden = !text;
  }

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }

  updateForm() {
    const check = checkQuestion(this.text.value, this.name.value);
    const used = length(check.text);
    this.counter.textContent = `${used}/${QUESTION_MAX}`;
    this.counter.classList.toggle('over', check.left < 0);
    this.name.classList.toggle('over', check.problem === 'name_too_long');
    this.name.title = check.problem === 'name_too_long' ? `A name is at most ${NAME_MAX} characters` : '';
    this.text.disabled = !this.open;
    this.name.disabled = !this.open;
    this.submit.disabled = !this.open || this.sending || Boolean(check.problem);
    this.submit.textContent = this.sending ? 'Sending…' : 'Ask';
  }

  /**
   * Draw the list: `questions` in order, `state(question)` telling for each
   * {mine, awaiting, upvoted} (upvoted as shown: in flight or acknowledged).
   */
  render(questions, state) {
    if (!this.ready) return;
    const count = questions.length;
    this.badge.textContent = String(count);
    this.badge.hidden = count === 0;
    this.button.setAttribute('aria-label', `Questions (${count})`);
    if (this.panel.hidden) return;
    const holder = this.list.contains(document.activeElement)
      ? document.activeElement.closest('.presenter-question') : null;
    const focused = holder ? holder.dataset.id : null;
    const items = questions.map((question) => this.item(question, state(question)));
    this.list.replaceChildren(...items);
    this.empty.hidden = count > 0;
    if (focused !== null) {
      const again = items.find((item) => item.dataset.id === focused);
      if (again) again.querySelector('.presenter-upvote').focus();
    }
  }

  item(question, { mine, awaiting, upvoted }) {
    const item = element('li', 'presenter-question');
    item.dataset.id = question.id;
    item.classList.toggle('mine', mine);
    item.classList.toggle('answered', Boolean(question.answered));
    item.classList.toggle('awaiting', awaiting);

    const vote = element('button', 'presenter-upvote');
    vote.type = 'button';
    vote.setAttribute('aria-pressed', String(upvoted));
    vote.setAttribute('aria-label', upvoted ? 'Withdraw your upvote' : 'Upvote');
    vote.disabled = awaiting || !this.open;
    vote.append(
      element('span', 'presenter-upvote-arrow', '▲'),
      element('span', 'presenter-question-votes', String(Number(question.votes) || 0)),
    );

    const body = element('div', 'presenter-question-body');
    body.append(element('p', 'presenter-question-text', question.text));
    const meta = element('p', 'presenter-question-meta');
    meta.append(element('span', 'presenter-question-name', question.name || 'Anonymous'));
    if (mine) meta.append(element('span', 'presenter-badge yours', 'yours'));
    if (question.answered) meta.append(element('span', 'presenter-badge answered', 'Answered'));
    if (awaiting) meta.append(element('span', 'presenter-badge awaiting', 'Awaiting approval'));
    body.append(meta);
    item.append(vote, body);
    return item;
  }

  /** The pinned question over the slide, or none. */
  showPinned(question) {
    if (!this.pinned) return;
    const text = this.pinned.querySelector('.presenter-pinned-text');
    const name = this.pinned.querySelector('.presenter-pinned-name');
    if (!question) {
      this.pinned.hidden = true;
      text.textContent = '';
      name.textContent = '';
      return;
    }
    this.pinned.dataset.id = question.id;
    text.textContent = question.text;
    name.textContent = question.name ? `— ${question.name}` : '';
    this.pinned.hidden = false;
  }
}
