// The talk timer as the server keeps it (one for every presenter device of a
// deck). The page only shows it: it takes each `timer` message and counts on
// from the moment it arrived while the timer runs.

export class LiveTimer {
  constructor(now = () => Date.now()) {
    this.now = now;
    this.running = false;
    this.seconds = 0; // on the clock when the last message came
    this.at = now(); // when that was, by this page's clock
    this.seq = -1;
  }

  /** Take a `timer` message (older ones are ignored); return whether it was newer. */
  take(msg) {
    if (typeof msg.seq === 'number' && msg.seq < this.seq) return false;
    this.seq = typeof msg.seq === 'number' ? msg.seq : this.seq;
    this.running = Boolean(msg.running);
    this.seconds = Number(msg.elapsed) || 0;
    this.at = this.now();
    return true;
  }

  /** Elapsed seconds now. */
  elapsed() {
    return this.seconds + (this.running ? Math.max(0, this.now() - this.at) / 1000 : 0);
  }

  /** Seconds left of `planned` (null when there is no plan); negative once over. */
  remaining(planned) {
    return planned ? planned - this.elapsed() : null;
  }
}
