// A dispatcher's console: the agency's open incidents live (the hub sends a dispatcher only their agency's), and the
// selected incident's lifecycle actions, procedure and timeline.
import { t } from './core/i18n.js';
import { facts, problemText } from './core/api.js';
import { startPage } from './core/layout.js';
import { timelineText } from './core/timeline.js';
import { connectLive, showConnection } from './core/live.js';
import { act as actOn, nearestUnits, unitOptions } from './core/incidentactions.js';
import { statusName, titleOf, stepText } from './core/names.js';

let terminal = new Set();
let transitions = {};
const incidents = new Map();
let selected = null;

function message(text) {
  const element = document.getElementById('message');
  element.textContent = text;
  element.hidden = !text;
}

// A dispatcher's work on an incident ends when it is resolved (the operator closes it): resolved ones leave the list.
const active = incident => !terminal.has(incident.status) && incident.status !== 'resolved';

function renderList() {
  const list = [...incidents.values()].filter(active)
    .sort((a, b) => a.priority.localeCompare(b.priority) || a.openedAt.localeCompare(b.openedAt));
  document.querySelector('#incidents tbody').replaceChildren(...list.map(incident => {
    const row = document.createElement('tr');
    row.dataset.id = incident.id;
    row.tabIndex = 0;
    row.className = incident.id === selected ? 'selected' : '';
    row.innerHTML = `<td><span class="priority ${incident.priority}">${incident.priority}</span></td><td class="title"></td><td class="status">${statusName(incident.status)}</td>`;
    row.querySelector('.title').textContent = titleOf(incident);
    row.addEventListener('click', () => open(incident.id));
    return row;
  }));
  document.getElementById('empty').hidden = list.length > 0;
}

function renderDetail(detail) {
  const section = document.getElementById('detail');
  section.hidden = false;
  document.getElementById('title').textContent = `${detail.summary.priority} ${titleOf(detail.summary)}`;
  document.getElementById('status').textContent = statusName(detail.summary.status);
  document.getElementById('unit').textContent = detail.assignedUnit || t('incident.noUnit', 'none');
  // Only the moves the lifecycle allows from here are offered (the server's rule, from /api/facts).
  const allowed = transitions[detail.summary.status] || [];
  document.querySelectorAll('#detail [data-to]').forEach(button => { button.disabled = !allowed.includes(button.dataset.to); });
  document.querySelector('#detail [data-action=note]').disabled = terminal.has(detail.summary.status);
  document.getElementById('procedure').replaceChildren(...detail.procedure.map(step => {
    const item = document.createElement('li');
    item.textContent = stepText(detail.summary.type, step) + (step.doneBy ? ` (done by ${step.doneBy})` : '');
    return item;
  }));
  document.getElementById('timeline').replaceChildren(...detail.timeline.map(entry => {
    const item = document.createElement('li');
    item.textContent = timelineText(entry, new Date(entry.at).toLocaleTimeString());
    return item;
  }));
}

async function open(id) {
  selected = id;
  renderList();
  const response = await fetch(`/api/incidents/${encodeURIComponent(id)}`);
  if (!response.ok) {
    message(`Could not open the incident (${response.status})`);
    return;
  }
  const detail = await response.json();
  renderDetail(detail);
  await offerUnits(detail).catch(() => {});
}

// The nearest available units of the incident's agencies, nearest first, offered in the unit field (free text still goes).
async function offerUnits(detail) {
  const offers = await nearestUnits(detail.summary);
  document.getElementById('units').replaceChildren(...unitOptions(offers));
  const input = document.getElementById('unit-input');
  input.placeholder = offers.length > 0 ? `Nearest available: ${offers[0].unit.name} (${(offers[0].meters / 1000).toFixed(1)} km)` : 'Unit, e.g. Guro Engine 3';
}

async function act(action) {
  if (!selected) {
    return;
  }
  const body = {};
  if (action === 'dispatch') {
    body.unit = document.getElementById('unit-input').value || undefined;
  }
  if (action === 'note') {
    body.text = document.getElementById('note-input').value;
  }
  const { detail: result, error } = await actOn(selected, action, body);
  if (error) {
    message(error);
    return;
  }
  message('');
  if (action === 'note') {
    document.getElementById('note-input').value = '';
  }
  incidents.set(result.summary.id, result.summary);
  renderList();
  renderDetail(result);
}

document.querySelectorAll('[data-action]').forEach(button => button.addEventListener('click', () => act(button.dataset.action)));

(async () => {
  const me = await startPage();
  const known = await facts();
  terminal = new Set(known.terminalStatuses);
  transitions = known.incidentTransitions;
  await connectLive({
    onSnapshot: snapshot => { incidents.clear(); snapshot.incidents.forEach(i => incidents.set(i.id, i)); renderList(); },
    onIncident: incident => {
      incidents.set(incident.id, incident);
      renderList();
      if (incident.id === selected) {
        open(selected);
      }
    },
  });
})().catch(error => showConnection('disconnected: ' + error));
