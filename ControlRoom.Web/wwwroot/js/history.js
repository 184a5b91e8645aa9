// Incident history: every incident of the last year searchable by words of its title or place, type, district,
// priority, agency, state and time, newest first, a page at a time; each opens on its page or in its replay.
import { t, dateTimeOf } from './core/i18n.js';
import { facts, problemText } from './core/api.js';
import { startPage } from './core/layout.js';
import { statusName, agencyNames, titleOf, typeName } from './core/names.js';

const form = document.getElementById('search');
const rows = document.querySelector('#results tbody');
let next = null;
let query = '';

function message(text) {
  const element = document.getElementById('message');
  element.textContent = text;
  element.hidden = !text;
}

function queryOf() {
  const params = new URLSearchParams();
  const add = (name, value) => { if (value) params.set(name, value); };
  add('q', document.getElementById('q').value.trim());
  add('type', document.getElementById('type').value);
  add('district', document.getElementById('district').value.trim());
  add('priority', document.getElementById('priority').value);
  add('agency', document.getElementById('agency').value);
  const state = document.getElementById('state').value;
  if (state) params.set('ended', state === 'ended' ? 'true' : 'false');
  const from = document.getElementById('from').value;
  const to = document.getElementById('to').value;
  // Whole days in the browser's time zone; the last day is included.
  if (from) params.set('from', new Date(`${from}T00:00:00`).toISOString());
  if (to) params.set('to', new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000).toISOString());
  params.set('limit', '50');
  return params;
}

function row(incident) {
  const tr = document.createElement('tr');
  const cell = (text, className) => { const td = document.createElement('td'); td.textContent = text; if (className) td.className = className; return td; };
  const priority = document.createElement('td');
  priority.innerHTML = `<span class="priority ${incident.priority}">${incident.priority}</span>`;
  const title = document.createElement('td');
  const link = document.createElement('a');
  link.href = `/incidents/${encodeURIComponent(incident.id)}`;
  link.textContent = titleOf(incident);
  title.append(link);
  const replay = document.createElement('td');
  const play = document.createElement('a');
  play.href = `/incidents/${encodeURIComponent(incident.id)}/replay`;
  play.className = 'replay-link';
  play.textContent = t('history.replay', 'Replay');
  replay.append(play);
  tr.append(priority, title, cell(typeName(incident.type)), cell(statusName(incident.status), 'status'),
    cell(agencyNames(incident.agencies)), cell(String(incident.alarmCount)),
    cell(dateTimeOf(incident.openedAt)), replay);
  return tr;
}

// remember: the search goes into the address (to share it or come back to it); the page's first search does not.
async function search(more, remember = true) {
  const params = more ? new URLSearchParams(query) : queryOf();
  if (more) params.set('after', next);
  const response = await fetch(`/api/incidents?${params}`);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    message(problemText(body, response.status));
    return;
  }
  message('');
  if (!more) {
    query = params.toString();
    rows.replaceChildren();
    if (remember) history.replaceState(null, '', `?${query}`);
  }
  rows.append(...body.items.map(row));
  next = body.next;
  document.getElementById('more').hidden = !next;
  document.getElementById('none').hidden = rows.children.length > 0;
}

form.addEventListener('submit', event => { event.preventDefault(); search(false).catch(e => message(String(e))); });
document.getElementById('more').addEventListener('click', () => search(true).catch(e => message(String(e))));

(async () => {
  await startPage();
  const known = await facts();
  document.getElementById('type').append(...known.incidentTypes.map(type => new Option(t(`type.${type}`, type), type)));
  document.getElementById('priority').append(...known.priorities.map(p => new Option(p, p)));
  document.getElementById('agency').append(...known.agencies.map(a => new Option(t(`agency.${a}`, a), a)));
  // A search shared as a link (or come back to) runs again.
  const shared = new URLSearchParams(location.search);
  for (const [name, id] of [['q', 'q'], ['type', 'type'], ['district', 'district'], ['priority', 'priority'], ['agency', 'agency']]) {
    if (shared.has(name)) document.getElementById(id).value = shared.get(name);
  }
  if (shared.has('ended')) document.getElementById('state').value = shared.get('ended') === 'true' ? 'ended' : 'open';
  await search(false, shared.size > 0);
})().catch(error => message(String(error)));
