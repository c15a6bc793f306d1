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

// WebSocket attempts that never opened, in a row, before falling back to SSE.
const WS_FAILURES_BEFORE_SSE = 2;

export class LiveConnection {
  /**
   * @param {string} url  WebSocket URL
   * @param {{message?: Function, status?: Function}} handlers
   *   message(msg) gets every decoded frame; status(name, transport) gets
   *   'connecting' | 'live' | 'offline' and 'websocket' | 'sse'.
   * @param {{eventsUrl?: string}} options  an SSE URL to fall back on when
   *   WebSockets cannot connect (receive-only: for audience pages).
   */
  constructor(url, handlers = {}, options = {}) {
    this.url = url;
    this.handlers = handlers;
    this.eventsUrl = options.eventsUrl || null;
    this.transport = 'websocket';
    this.failures = 0;
    this.attempt = 0;
    this.socket = null;
    this.events = null;
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
    if (this.events) {
      this.events.close();
      this.events = null;
    }
    clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    if (old) old.close();
    this.connect();
  }

  reconnectNow() {
    if (this.socket || this.events || this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }

  connect() {
    if (this.eventsUrl && this.failures >= WS_FAILURES_BEFORE_SSE) {
      this.connectEvents();
      return;
    }
    this.status('connecting');
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.schedule();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.failures = 0;
    });
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!opened) this.failures += 1;
      this.status('offline');
      if (this.eventsUrl && this.failures >= WS_FAILURES_BEFORE_SSE) this.connect();
      else this.schedule();
    });
  }

  /** Server-Sent Events: the browser reconnects by itself and sends Last-Event-ID. */
  connectEvents() {
    this.transport = 'sse';
    this.status('connecting');
    const events = new EventSource(this.eventsUrl);
    this.events = events;
    events.addEventListener('message', (event) => this.receive(event.data));
    events.addEventListener('error', () => {
      if (events.readyState === EventSource.CLOSED) {
        this.events = null;
        this.status('offline');
        this.schedule();
      } else {
        this.status('connecting');
      }
    });
  }

  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg && msg.type === 'welcome') {
      this.attempt = 0;
      this.status('live');
    }
    if (this.handlers.message) this.handlers.message(msg);
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
    if (this.handlers.status) this.handlers.status(name, this.transport);
  }
}

/** Show a connection status (and, for SSE, the transport) in an indicator element. */
export function showStatus(element, name, transport = 'websocket') {
  if (!element) return;
  const labels = { connecting: 'Connecting…', live: 'Live', offline: 'Offline – reconnecting…' };
  const via = transport === 'sse' ? ' (Server-Sent Events)' : ' (WebSocket)';
  element.dataset.status = name;
  element.dataset.transport = transport;
  element.title = (labels[name] || name) + via;
  const label = element.querySelector('.presenter-connection-label');
  if (label) label.textContent = (labels[name] || name) + (transport === 'sse' ? ' · SSE' : '');
}
