// The inspector page: routes (`#/tree`, `#/actors`, `#/actor/<host>/<id>`, ...), the status bar
// (the page's link to the inspector server, NATS, the orchestrator), the "what is down" banner,
// and re-rendering the open view whenever the state changes. Rendering pauses while a mouse
// button is held, so a click never lands on an element that was replaced under it.

import { h, replace, fmtBackoff, fmtDuration, fmtTime, short } from './dom.js';
import { store, onChange, connect, now } from './store.js';
import { treeView } from './tree.js';
import { actorsView, eventsView } from './tables.js';
import { actorDetailView, hostDetailView } from './detail.js';
import { collectionsView, clustersView, timelinesView } from './data-views.js';
import { natsView } from './nats.js';

const TABS = [
  ['tree', 'Tree', treeView],
  ['actors', 'Actors', actorsView],
  ['collections', 'Collections', collectionsView],
  ['clusters', 'Clusters', clustersView],
  ['timelines', 'Timelines & sessions', timelinesView],
  ['nats', 'NATS', natsView],
  ['events', 'Events', eventsView],
];

let view = null;
let route = '';
let pointerDown = false;
let pending = false;

function routeView(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'actor' && parts.length === 3) return actorDetailView(parts[1], parts[2]);
  if (parts[0] === 'host' && parts.length === 2) return hostDetailView(parts[1]);
  const tab = TABS.find(([name]) => name === parts[0]) || TABS[0];
  return tab[2]();
}

function navigate() {
  if (view && view.unmount) view.unmount();
  route = location.hash || '#/tree';
  view = routeView(route);
  const main = document.getElementById('view');
  main.replaceChildren();
  main.append(h('h2', { class: 'view-title' }, view.title));
  view.mount(main);
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', route.startsWith(a.getAttribute('href')));
  render();
}

function render() {
  if (pointerDown) {
    pending = true;
    return;
  }
  pending = false;
  renderStatus();
  renderDown();
  if (view) view.update();
}

function pill(id, label, state, title) {
  const el = document.getElementById(id);
  el.dataset.state = state;
  el.title = title || '';
  replace(el, h('span', { class: 'dot' }), `${label}: ${state}`);
}

function renderStatus() {
  const st = store.state;
  const since = (t) => (t ? ` since ${fmtTime(t)}` : '');
  pill('link-page', 'inspector', store.link, `the page's event stream from the inspector server${since(store.linkSince)}`);
  if (st) {
    document.getElementById('region').textContent = st.region;
    pill('link-nats', 'NATS', st.links.nats.state, `${st.links.nats.error || ''}${since(st.links.nats.since)}`);
    pill('link-orchestrator', 'orchestrator', st.links.orchestrator.up ? 'up' : 'down', `${st.links.orchestrator.error || ''}${since(st.links.orchestrator.since)}`);
    pill('link-operator', 'actions', st.links.operator.state, 'the operator connection the actions are sent on');
  }
  const age = store.lastMessageAt ? Date.now() - store.lastMessageAt : undefined;
  document.getElementById('updated').textContent = age === undefined ? 'no data yet' : `updated ${fmtDuration(age)} ago`;
}

/** What is down, in words: the page's link, NATS, the orchestrator, hosts and actors not running. */
function renderDown() {
  const st = store.state;
  const items = [];
  if (store.link !== 'live') items.push(['inspector', `The inspector server is unreachable — reconnecting${store.lastMessageAt ? `; showing the state of ${fmtTime(store.lastMessageAt)}` : ''}.`]);
  if (st) {
    const t = now();
    if (st.links.nats.state !== 'connected') items.push(['nats', `NATS is ${st.links.nats.state} since ${fmtTime(st.links.nats.since)}${st.links.nats.error ? ` (${st.links.nats.error})` : ''}; the inspector keeps retrying. Values shown are the last known.`]);
    else if (!st.links.orchestrator.up) items.push(['orchestrator', `The orchestrator does not answer since ${fmtTime(st.links.orchestrator.since)}; hosts are asked directly.`]);
    for (const x of st.hosts) {
      if (x.state === 'running' && !x.stale) continue;
      const extra = x.state === 'backoff' ? `, ${fmtBackoff(x.backoffDeadline, t)}` : '';
      items.push([`host:${x.hostId}`, `Host ${x.hostId} is ${x.state}${x.stale ? ' (last known)' : ''}${extra}${x.lastError ? ` — ${short(x.lastError, 100)}` : ''}.`]);
    }
    const notRunning = st.actors.filter((a) => a.state !== 'running' || a.stale);
    if (notRunning.length > 0) {
      const names = notRunning.slice(0, 6).map((a) => `${a.id}@${a.hostId} ${a.stale ? `(${a.staleReason || 'stale'})` : a.state}`).join(', ');
      items.push(['actors', `${notRunning.length} actor(s) not running: ${names}${notRunning.length > 6 ? ', …' : ''}.`]);
    }
  }
  const box = document.getElementById('down');
  box.hidden = items.length === 0;
  replace(box, items.map(([what, text]) => h('div', { class: 'down-item', dataset: { down: what } }, text)));
}

onChange(() => render());
window.addEventListener('hashchange', navigate);
window.addEventListener('pointerdown', () => (pointerDown = true), true);
const release = () => {
  pointerDown = false;
  if (pending) setTimeout(render, 0);
};
window.addEventListener('pointerup', release, true);
window.addEventListener('pointercancel', release, true);
window.addEventListener('blur', release);
// Uptimes and countdowns move even between pushes.
setInterval(() => {
  if (!pointerDown) {
    renderStatus();
  }
}, 1000);

replace(document.getElementById('tabs'), TABS.map(([name, label]) => h('a', { href: `#/${name}`, dataset: { tab: name } }, label)));
navigate();
connect();
