// A dispatcher's console: the agency's open incidents live (the hub sends a dispatcher only their agency's), and the
// selected incident's lifecycle actions, procedure and timeline.
import { t, timeOf, tf } from './core/i18n.js';
import { facts, problemText } from './core/api.js';
import { startPage } from './core/layout.js';
import { timelineText } from './core/timeline.js';
import { connectLive, showConnection } from './core/live.js';
import { act as actOn, nearestUnits, unitOptions } from './core/incidentactions.js';
import { drawBasemap } from './core/basemap.js';
import { liveView } from './core/liveview.js';
import { mediaFigure } from './core/evidence.js';
import { statusName, titleOf, stepText } from './core/names.js';
import { escapeHtml } from './core/html.js';

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
  document.getElementById('detail-title').textContent = `${detail.summary.priority} ${titleOf(detail.summary)}`;
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
    item.textContent = timelineText(entry, timeOf(entry.at));
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
  await Promise.all([offerUnits(detail).catch(() => {}), showScene(detail).catch(() => {})]);
}

// The scene: the incident on a map with the cameras near it (those this dispatcher may see, live), and its evidence.
const scene = { map: null, layer: null, incident: null, media: new Map() };
async function showScene(detail) {
  const id = detail.summary.id;
  if (!scene.map) {
    scene.map = L.map('dispatch-map', { zoomSnap: 0.5, minZoom: 5, maxZoom: 19 }).setView([37.5, 126.93], 15);
    const setup = await (await fetch('/api/map')).json();
    if (setup.tileUrl) L.tileLayer(setup.tileUrl, { attribution: setup.tileAttribution, maxZoom: 19 }).addTo(scene.map);
    await drawBasemap(scene.map, setup.basemap);
  }
  const where = detail.summary.location;
  const cameras = await (await fetch(`/api/incidents/${encodeURIComponent(id)}/nearest-cameras?count=4`)).json().catch(() => []);
  if (selected !== id) return;
  scene.layer?.remove();
  scene.layer = L.layerGroup([
    L.marker([where.latitude, where.longitude], { zIndexOffset: 1000, icon: L.divIcon({ className: `incident-marker ${detail.summary.priority}`,
      html: `<span class="priority ${detail.summary.priority}">${detail.summary.priority}</span>`, iconSize: [44, 24] }) }),
    ...cameras.filter(c => c.location).map(c => L.circleMarker([c.location.latitude, c.location.longitude], {
      radius: 6, weight: 2, color: '#0f1720', fillColor: c.access ? '#9ad1ff' : '#5b6673', fillOpacity: 0.95, className: 'scene-camera' })
      .bindTooltip(escapeHtml(`${c.name}: ${c.distanceMeters} m`))),
  ]).addTo(scene.map);
  scene.map.setView([where.latitude, where.longitude], 16);
  if (scene.incident !== id) {
    scene.incident = id;
    scene.media.clear();
    const live = cameras.filter(c => c.access && c.liveView).slice(0, 2);
    document.getElementById('dispatch-cameras').replaceChildren(...(live.length ? live.map(c => {
      const figure = document.createElement('figure');
      figure.append(liveView(c, { noneText: t('incident.noLiveView', 'none') }), Object.assign(document.createElement('figcaption'), { textContent: `${c.name} · ${c.distanceMeters} m` }));
      return figure;
    }) : [Object.assign(document.createElement('p'), { className: 'muted', textContent: t('dispatch.noCameras', 'No camera near the scene that you may see live.') })]));
  }
  document.getElementById('dispatch-media').replaceChildren(...detail.media.map((m, index) => {
    const key = `${index}:${m.item.sha256}`;
    if (!scene.media.has(key)) scene.media.set(key, mediaFigure(id, m, index));
    return scene.media.get(key);
  }));
}

// The nearest available units of the incident's agencies, nearest first, offered in the unit field (free text still goes).
async function offerUnits(detail) {
  const offers = await nearestUnits(detail.summary);
  document.getElementById('units').replaceChildren(...unitOptions(offers));
  const input = document.getElementById('unit-input');
  input.placeholder = offers.length > 0
    ? tf('dispatch.nearest', 'Nearest available: {0} ({1} km)', offers[0].unit.name, (offers[0].meters / 1000).toFixed(1))
    : t('dispatch.unitHint', 'Unit, e.g. Guro Engine 3');
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
