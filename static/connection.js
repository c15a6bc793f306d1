// One live connection with reconnect: exponential backoff, full jitter,
// first retry within 1 s, capped at 10 s.

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 10000;
const STALE_AFTER_HIDDEN_MS = 5000;

/** The delay before reconnect attempt `attempt` (0-based): uniform in [0, min(cap, first * 2^attempt)). */
export function backoffDelay(attempt, random = Math.random) {
  return random() * Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
}

/** The ws:// or wss:// URL for a path on this page's server. */
export function socketUrl(path, loc = window.location) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}`;
}

export class LiveConnection {
  /**
   * @param {string} url  WebSocket URL
   * @param {{message?: Function, status?: Function}} handlers
   *   message(msg) gets every decoded frame; status(name) gets
   *   'connecting' | 'live' | 'offline'.
   */
  constructor(url, handlers = {}) {
    this.url = url;
    this.handlers = handlers;
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
  }

  start() {
    this.connect();
    window.addEventListener('online', () => this.reconnectNow());
    let hiddenAt = null;
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState !== 'visible') {
        hiddenAt = Date.now();
        return;
      }
      // A phone that slept may hold a socket that looks open but is dead:
      // after a long absence start afresh rather than trust it.
      const away = hiddenAt === null ? 0 : Date.now() - hiddenAt;
      hiddenAt = null;
      if (this.socket && away > STALE_AFTER_HIDDEN_MS) this.restart();
      else this.reconnectNow();
    });
  }

  /** Drop the current socket, if any, and connect again at once. */
  restart() {
    const old = this.socket;
    this.socket = null;
    clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    if (old) old.close();
    this.connect();
  }

  reconnectNow() {
    if (this.socket || this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }

  connect() {
    this.status('connecting');
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.schedule();
      return;
    }
    this.socket = socket;
    socket.addEventListener('message', (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg && msg.type === 'welcome') {
        this.attempt = 0;
        this.status('live');
      }
      if (this.handlers.message) this.handlers.message(msg);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.status('offline');
      this.schedule();
    });
  }

  schedule() {
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  /** Send a message object; returns false when not connected. */
  send(msg) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(msg));
    return true;
  }

  status(name) {
    if (this.handlers.status) this.handlers.status(name);
  }
}

/** Show a connection status in an indicator element. */
export function showStatus(element, name) {
  if (!element) return;
  const labels = { connecting: 'Connecting…', live: 'Live', offline: 'Offline – reconnecting…' };
  element.dataset.status = name;
  element.title = labels[name] || name;
  const label = element.querySelector('.presenter-connection-label');
  if (label) label.textContent = labels[name] || name;
}
