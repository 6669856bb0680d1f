// The page's copy of the inspector state, fed by Server-Sent Events from /api/events. It reconnects
// by itself: the browser retries a dropped stream, and a stream that is closed for good (an HTTP
// error) or silent for too long is opened again with backoff. Until then the last known state stays
// on screen, marked as such.

const SILENCE_MS = 10_000;
const MAX_EVENTS = 1000;

export const store = {
  /** The latest InspectorState, or null before the first hello. */
  state: null,
  /** Recent InspectorEvents, oldest first. */
  events: [],
  /** Lag series history: key -> [[at, lagMs], ...]. */
  history: {},
  historyMs: 600_000,
  statechart: null,
  /** The page's link to the inspector server: connecting | live | reconnecting. */
  link: 'connecting',
  linkSince: Date.now(),
  lastMessageAt: 0,
  /** Server clock minus browser clock. */
  offset: 0,
  /** How many hellos were received (1 + reconnects). */
  hellos: 0,
};

const listeners = new Set();

/** Calls `fn(kind)` after every change: 'hello', 'state', 'lifecycle', 'link'. */
export function onChange(fn) {
  listeners.add(fn);
}

function changed(kind) {
  for (const fn of listeners) fn(kind);
}

/** The server's notion of now. */
export function now() {
  return Date.now() + store.offset;
}

let source = null;
let retryTimer = null;
let attempt = 0;

/** Opens the event stream (again). */
export function connect() {
  if (source) source.close();
  clearTimeout(retryTimer);
  const es = new EventSource('/api/events');
  source = es;
  es.addEventListener('hello', (e) => {
    const hello = JSON.parse(e.data);
    attempt = 0;
    store.hellos++;
    store.statechart = hello.statechart;
    store.historyMs = hello.historyMs;
    store.history = hello.history;
    store.events = hello.events;
    applyState(hello.state);
    setLink('live');
    changed('hello');
  });
  es.addEventListener('state', (e) => {
    applyState(JSON.parse(e.data));
    if (store.link !== 'live') setLink('live');
    changed('state');
  });
  es.addEventListener('lifecycle', (e) => {
    const ev = JSON.parse(e.data);
    store.lastMessageAt = Date.now();
    store.events.push(ev);
    if (store.events.length > MAX_EVENTS) store.events.splice(0, store.events.length - MAX_EVENTS);
    changed('lifecycle');
  });
  es.onerror = () => {
    if (source !== es) return;
    setLink('reconnecting');
    // CONNECTING: the browser retries by itself. CLOSED: it gave up (an HTTP error); we retry.
    if (es.readyState === EventSource.CLOSED) retryLater();
  };
}

function retryLater() {
  clearTimeout(retryTimer);
  const delay = Math.min(10_000, 500 * 2 ** attempt++);
  retryTimer = setTimeout(connect, delay);
}

function applyState(s) {
  store.lastMessageAt = Date.now();
  store.offset = s.at - Date.now();
  store.state = s;
  const from = s.at - store.historyMs;
  for (const [key, point] of Object.entries(s.points || {})) {
    const list = store.history[key] || (store.history[key] = []);
    if (list.length === 0 || list[list.length - 1][0] < point[0]) list.push(point);
    while (list.length > 0 && list[0][0] < from) list.shift();
  }
}

function setLink(link) {
  if (store.link === link) return;
  store.link = link;
  store.linkSince = Date.now();
  changed('link');
}

// A stream that says nothing for too long (the server hangs, a proxy holds it) is reopened.
setInterval(() => {
  if (store.link === 'live' && Date.now() - store.lastMessageAt > SILENCE_MS) {
    setLink('reconnecting');
    connect();
  }
}, 1000);

/** Events about one actor or host (`hostId`, `id`), newest first. */
export function eventsOf(hostId, id) {
  return store.events.filter((e) => e.hostId === hostId && e.id === id).reverse();
}
