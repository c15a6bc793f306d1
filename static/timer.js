// The speaker's elapsed timer, kept in localStorage so a reload (or a live
// reload of an HTML deck) does not lose it. Shared by the speaker view and
// the remote of the same browser.

export class Timer {
  constructor(key, storage = window.localStorage, now = () => Date.now()) {
    this.key = key;
    this.storage = storage;
    this.now = now;
    this.startedAt = null; // ms timestamp of a running timer's (shifted) start
    this.pausedMs = 0; // elapsed ms while stopped
    this.load();
  }

  load() {
    try {
      const saved = JSON.parse(this.storage.getItem(this.key) || 'null');
      if (saved && typeof saved.pausedMs === 'number') {
        this.startedAt = typeof saved.startedAt === 'number' ? saved.startedAt : null;
        this.pausedMs = saved.pausedMs;
      }
    } catch {
      // A broken entry starts a fresh timer.
    }
  }

  save() {
    try {
      this.storage.setItem(this.key, JSON.stringify({ startedAt: this.startedAt, pausedMs: this.pausedMs }));
    } catch {
      // Private mode or a full quota: the timer still works for this page.
    }
  }

  get running() {
    return this.startedAt !== null;
  }

  /** Elapsed seconds. */
  elapsed() {
    return (this.running ? this.now() - this.startedAt : this.pausedMs) / 1000;
  }

  start() {
    if (this.running) return;
    this.startedAt = this.now() - this.pausedMs;
    this.save();
  }

  pause() {
    if (!this.running) return;
    this.pausedMs = this.now() - this.startedAt;
    this.startedAt = null;
    this.save();
  }

  toggle() {
    if (this.running) this.pause();
    else this.start();
  }

  reset() {
    this.startedAt = null;
    this.pausedMs = 0;
    this.save();
  }
}
