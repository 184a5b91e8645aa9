// The unified map: the offline basemap (districts, neighbourhoods, the river, transit; a tile server only if
// configured), devices by layer (clustered where dense, never an alarm), open incidents by priority with the highest
// drawn on top, a panel per device, all kept live from the control-room hub.
import { t, tf } from './core/i18n.js';
import { facts, problemText, me } from './core/api.js';
import { drawBasemap } from './core/basemap.js';
import { createDevicePanel } from './core/devicepanel.js';
import { nearestUnits, unitOptions } from './core/incidentactions.js';
import { startPage } from './core/layout.js';
import { connectLive, showConnection } from './core/live.js';
import { deviceLook } from './core/devices.js';
import { phraseText, statusName, titleOf } from './core/names.js';
import { escapeHtml } from './core/html.js';

const layerOfKind = { gasSensor: 'safety', floodSensor: 'safety', weatherStation: 'safety', warningDevice: 'safety', barrier: 'safety', trafficSignal: 'traffic', camera: 'crime' };
const layerOfIncident = { chemicalLeak: 'safety', fire: 'safety', flood: 'safety', externalWarning: 'safety',
  trafficSignalFault: 'traffic', roadAccident: 'traffic', stoppedVehicle: 'traffic',
  intrusion: 'crime', loitering: 'crime', crowding: 'crime', cameraTampering: 'crime', equipmentFault: 'crime' };
const colours = { P1: '#e5484d', P2: '#f5a524', P3: '#3e8ed0', P4: '#7d8a96' };
let terminal = new Set();

const map = L.map('map', { preferCanvas: false, zoomSnap: 0.5, minZoom: 5, maxZoom: 19 }).setView([37.5, 126.93], 13);
// Quiet devices gather into clusters where dense; a device in alarm or warning is always drawn on its own.
const clusters = L.markerClusterGroup({
  maxClusterRadius: 40, disableClusteringAtZoom: 16, showCoverageOnHover: false, spiderfyOnMaxZoom: false,
  iconCreateFunction: cluster => L.divIcon({ className: 'device-cluster', html: `<span>${cluster.getChildCount()}</span>`, iconSize: [30, 30] }),
}).addTo(map);
// What the map shows, on the element, for whoever reads the page (south,west,north,east).
map.on('moveend', () => {
  const b = map.getBounds();
  map.getContainer().dataset.view = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(v => v.toFixed(5)).join(',');
});
const standsOut = level => level === 'alarm' || level === 'warning';
const zOfPriority = { P1: 4000, P2: 3000, P3: 2000, P4: 1000 };
let panel = null;
let basemap = null;
let home = null;
const devices = new Map();
const statuses = new Map();
const views = L.layerGroup();
const incidents = new Map();
const hazards = new Map();
const filters = { safety: true, traffic: true, crime: true, district: '' };

function visible(layer, district) {
  return filters[layer] && (!filters.district || filters.district === district);
}

// A barrier opened or closed by hand: the server records who did it; the panel says what was sent, or why not.
async function commandBarrier(device, target) {
  const response = await fetch(`/api/devices/${encodeURIComponent(device.id)}/barrier`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ target }),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(problemText(body, response.status));
  return tf('panel.barrierSent', 'Sent to the barrier: {0}. It reports back when it has moved.', phraseText(body.said, body.detail));
}

function removeDevice(id) {
  const known = devices.get(id);
  if (!known) return;
  clusters.removeLayer(known.marker);
  known.marker.remove();
}

function drawDevice(device) {
  removeDevice(device.id);
  const look = deviceLook(device, statuses.get(device.id));
  const marker = L.circleMarker([device.location.latitude, device.location.longitude], {
    radius: look.level === 'normal' ? 6 : 9, weight: 2, color: '#0f1720', fillColor: look.colour, fillOpacity: 0.95, bubblingMouseEvents: false,
    className: `device ${device.kind} ${look.level}`,
  }).bindTooltip(escapeHtml(`${device.name} (${t(`kind.${device.kind}`, device.kind)}): ${look.text}`));
  marker.deviceId = device.id;
  marker.on('click', () => {
    if (route.incident && device.kind === 'trafficSignal') {
      route.addSignal(device);
    } else {
      panel?.open(device.id, statuses.get(device.id)).catch(() => {});
    }
  });
  devices.set(device.id, { device, marker });
  if (visible(layerOfKind[device.kind], device.district)) {
    standsOut(look.level) ? marker.addTo(map) : clusters.addLayer(marker);
  }
}

function drawIncident(incident) {
  incidents.get(incident.id)?.marker.remove();
  if (terminal.has(incident.status)) {
    incidents.delete(incident.id);
    return;
  }
  const icon = L.divIcon({
    className: `incident-marker ${incident.priority}`,
    html: `<span class="priority ${incident.priority}">${incident.priority}</span>`,
    iconSize: [44, 24],
  });
  const marker = L.marker([incident.location.latitude, incident.location.longitude], { icon, title: incident.title, zIndexOffset: zOfPriority[incident.priority] ?? 1000 })
    .bindTooltip(escapeHtml(`${incident.priority} ${titleOf(incident)} (${statusName(incident.status)}, ${tf('map.alarmCount', '{0} alarms', incident.alarmCount)}) · ${t('route.hint', 'click to plan a unit\'s route')}`))
    .on('click', () => route.start(incident));
  incidents.set(incident.id, { incident, marker });
  if (visible(layerOfIncident[incident.type] || 'safety', incident.district)) {
    marker.addTo(map);
  }
}

// A leak's hazard zone (confirmed by detectors, or called in with its chemical): the zone that drives the response, the plume's contours, the wind at the source, and
// each signal the response commanded with its answer. Fetched when the incident says its zone changed.
const planColours = { evacuation: '#e5484d', closure: '#f5a524', normal: '#3fb37f' };
// Updates come faster than fetches: only the newest fetch per incident and layer may draw.
const fetchNumbers = new Map();
async function latest(key, url) {
  const number = (fetchNumbers.get(key) || 0) + 1;
  fetchNumbers.set(key, number);
  const response = await fetch(url);
  const body = response.ok ? await response.json() : null;
  return fetchNumbers.get(key) === number ? { current: true, body } : { current: false, body: null };
}

async function drawHazard(incident) {
  const { current, body: hazard } = await latest('hazard:' + incident.id, `/api/incidents/${encodeURIComponent(incident.id)}/hazard`);
  if (!current) return;
  hazards.get(incident.id)?.remove();
  hazards.delete(incident.id);
  if (!hazard) return;
  if (!hazard.active || terminal.has(incident.status)) return;
  const layer = L.geoJSON(hazard.geojson, {
    style: feature => feature.properties.layer === 'zone'
      ? { color: '#e5484d', weight: 2, dashArray: '6 4', fillColor: '#e5484d', fillOpacity: 0.18, className: 'hazard-zone' }
      : { color: '#ff9f43', weight: 1, fillColor: '#ff9f43', fillOpacity: feature.properties.level === 'high' ? 0.3 : 0.12, className: 'hazard-plume' },
    pointToLayer: (feature, latlng) => {
      const p = feature.properties;
      if (p.layer === 'signal') {
        const colour = p.accepted ? planColours[p.plan.toLowerCase()] : '#7d8a96';
        return L.marker(latlng, { icon: L.divIcon({ className: `signal-answer ${p.accepted ? 'accepted' : 'refused'}`,
          html: `<span style="border-color:${colour}">${p.accepted ? '✔' : '✖'} ${escapeHtml(p.plan)}</span>`, iconSize: [110, 22], iconAnchor: [-8, 28] }), zIndexOffset: 900 });
      }
      // The wind label never takes a click meant for a device under it.
      return L.marker(latlng, { interactive: false, keyboard: false, icon: L.divIcon({ className: 'hazard-source', html: p.windFrom != null
        ? `<span title="wind">☣ ${t('hazard.wind', 'wind')} ${p.windSpeed} m/s ${t('hazard.from', 'from')} ${Math.round(p.windFrom)}°</span>`
        : `<span>☣ ${t('hazard.noWind', 'no wind')}</span>`, iconSize: [160, 22], iconAnchor: [-10, 46] }) });
    },
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(escapeHtml(p.layer === 'zone' ? tf('map.zoneTip', 'Hazard zone {0}: {1}, isolate {2} m, protect {3} km — {4}', p.version, p.material, p.isolationMeters, p.protectiveMeters / 1000, p.basis)
        : p.layer === 'plume' ? tf('map.plumeTip', 'Plume {0} set-point ({1} ppm) reaches {2} m', p.level, p.ppm, p.reachMeters)
        : p.layer === 'signal' ? `${p.name}: ${p.plan} ${p.accepted ? t('map.acknowledged', 'acknowledged') : t('map.refused', 'refused')} — ${p.detail}` : t('map.leakSource', 'Leak source')));
    },
  });
  hazards.set(incident.id, layer);
  if (visible('safety', incident.district)) layer.addTo(map);
}

// Emergency routes of an incident whose units are on their way: the line and each signal's answer (granted, queued, rejected).
const routes = new Map();
const priorityColours = { granted: '#3fb37f', queued: '#f5a524', rejected: '#7d8a96', cleared: '#4d6a85' };
async function drawRoutes(incident) {
  const { current, body } = await latest('routes:' + incident.id, `/api/incidents/${encodeURIComponent(incident.id)}/routes`);
  if (!current) return;
  routes.get(incident.id)?.remove();
  routes.delete(incident.id);
  if (!body) return;
  if (!body.routes.some(r => r.active)) return;
  const layer = L.geoJSON(body.geojson, {
    filter: feature => body.routes.find(r => r.unit === feature.properties.unit)?.active,
    style: { color: '#3e8ed0', weight: 4, opacity: 0.85, className: 'emergency-route' },
    pointToLayer: (feature, latlng) => {
      const p = feature.properties;
      return L.marker(latlng, { zIndexOffset: 950, icon: L.divIcon({ className: `priority-answer ${p.status}`,
        html: `<span style="border-color:${priorityColours[p.status] || '#7d8a96'}">${escapeHtml(`${p.unit} ${p.approach}: ${p.status}`)}</span>`, iconSize: [170, 22], iconAnchor: [-8, -6] }) });
    },
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(escapeHtml(p.layer === 'route' ? `${p.unit} (${p.role})` : `${p.id}: ${p.detail}`));
    },
  });
  routes.set(incident.id, layer);
  if (visible('traffic', incident.district)) layer.addTo(map);
}

function onIncident(incident) {
  drawIncident(incident);
  if (['dispatched', 'enRoute', 'onScene', 'acknowledged', 'new'].includes(incident.status)) {
    drawRoutes(incident).catch(() => {});
  } else if (routes.has(incident.id)) {
    routes.get(incident.id).remove();
    routes.delete(incident.id);
  }
  // A confirmed leak, or one called in with its chemical, has a hazard zone; an unconfirmed leak without one has none yet.
  if (incident.type === 'chemicalLeak') {
    drawHazard(incident).catch(() => {});
  } else if (hazards.has(incident.id)) {
    hazards.get(incident.id).remove();
    hazards.delete(incident.id);
  }
}

// Planning an emergency route on the map: click an incident, choose the unit (the nearest available are offered, and a
// rostered unit starts from its station; any other from a click on the map), click the signals it passes in order,
// and ask for priority. The answers come back live on the map and the incident's timeline.
const route = {
  incident: null, signals: [], from: null, line: null, offers: [],
  async start(incident) {
    if (this.incident || call.active) return;
    this.incident = incident;
    this.signals = [];
    this.from = null;
    document.getElementById('route-panel').hidden = false;
    document.getElementById('route-title').textContent = `${t('route.for', 'Route for')} ${incident.priority} ${titleOf(incident)}:`;
    document.getElementById('route-message').textContent = '';
    this.offers = await nearestUnits(incident);
    document.getElementById('route-units').replaceChildren(...unitOptions(this.offers));
    document.getElementById('route-unit').value = this.offers[0]?.unit.id ?? '';
    this.show();
  },
  addSignal(device) {
    if (!this.incident || this.signals.some(s => s.id === device.id)) return;
    this.signals.push(device);
    this.show();
  },
  setFrom(latlng) {
    if (!this.incident) return;
    this.from = { latitude: latlng.lat, longitude: latlng.lng };
    this.show();
  },
  startPoint() {
    const unit = document.getElementById('route-unit').value;
    const offer = this.offers.find(o => o.unit.id === unit);
    return offer ? offer.unit.station : this.from;
  },
  show() {
    const start = this.startPoint();
    document.getElementById('route-help').textContent = start
      ? t('route.clickSignals', 'click the signals it passes, in order')
      : t('route.clickStart', 'click where the unit starts, then the signals it passes, in order');
    document.getElementById('route-signals').textContent = this.signals.map((s, i) => `${i + 1}. ${s.name}`).join('  ');
    document.getElementById('route-send').disabled = !start || this.signals.length === 0 || !document.getElementById('route-unit').value;
    this.line?.remove();
    const points = [start, ...this.signals.map(s => s.location)].filter(Boolean).map(p => [p.latitude, p.longitude]);
    this.line = points.length > 1 ? L.polyline(points, { color: '#3e8ed0', weight: 3, dashArray: '4 6', className: 'route-draft' }).addTo(map) : null;
  },
  async send() {
    const unit = document.getElementById('route-unit').value;
    const offer = this.offers.find(o => o.unit.id === unit);
    const response = await fetch(`/api/incidents/${encodeURIComponent(this.incident.id)}/routes`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ unit, role: offer?.agency === 'police' ? 'police' : undefined, from: this.startPoint(), signals: this.signals.map(s => s.id) }),
    });
    if (!response.ok) {
      document.getElementById('route-message').textContent = problemText(await response.json().catch(() => null), response.status);
      return;
    }
    const incident = this.incident;
    this.cancel();
    drawRoutes(incident).catch(() => {});
  },
  cancel() {
    this.incident = null;
    this.signals = [];
    this.line?.remove();
    this.line = null;
    document.getElementById('route-panel').hidden = true;
  },
};
// Opening an incident from a telephone call: type, where (a click on the map), the district (the nearest device's,
// changeable), the place, the caller and what was said; then the incident's page, where it is handled like any other.
const call = {
  at: null, marker: null,
  open() {
    route.cancel();
    document.getElementById('call-panel').hidden = false;
    document.getElementById('call-message').textContent = '';
    document.getElementById('call-type').focus();
    this.show();
  },
  place(latlng) {
    this.at = { latitude: Number(latlng.lat.toFixed(6)), longitude: Number(latlng.lng.toFixed(6)) };
    this.marker?.remove();
    this.marker = L.marker(latlng, { interactive: false, zIndexOffset: 5000,
      icon: L.divIcon({ className: 'call-marker', html: '<span>☎</span>', iconSize: [30, 30], iconAnchor: [15, 15] }) }).addTo(map);
    const district = document.getElementById('call-district');
    if (!district.value) {
      let nearest = null;
      devices.forEach(({ device }) => {
        const meters = map.distance(latlng, [device.location.latitude, device.location.longitude]);
        if (!nearest || meters < nearest.meters) nearest = { meters, district: device.district };
      });
      district.value = nearest?.district ?? '';
    }
    this.show();
  },
  show() {
    document.getElementById('call-where').textContent = this.at
      ? `${this.at.latitude}, ${this.at.longitude} · ${t('call.moveIt', 'click again to move it')}`
      : t('call.clickMap', 'click the map where it is');
    document.getElementById('call-create').disabled = !this.at;
  },
  async create(event) {
    event.preventDefault();
    const value = id => document.getElementById(id).value.trim() || undefined;
    const response = await fetch('/api/incidents', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: value('call-type'), priority: value('call-priority'), location: this.at, district: value('call-district'),
        zone: value('call-zone'), caller: { name: value('call-name'), phone: value('call-phone') }, description: value('call-description'),
        ...(value('call-type') === 'chemicalLeak' && value('call-chemical') ? { chemical: value('call-chemical'), spill: value('call-spill') } : {}),
      }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      document.getElementById('call-message').textContent = problemText(body, response.status);
      return;
    }
    location.href = `/incidents/${encodeURIComponent(body.summary.id)}`;
  },
  cancel() {
    this.at = null;
    this.marker?.remove();
    this.marker = null;
    document.getElementById('call-panel').reset();
    document.getElementById('call-panel').hidden = true;
  },
  get active() { return !document.getElementById('call-panel').hidden; },
};
document.getElementById('call-open').addEventListener('click', () => call.open());
document.getElementById('call-panel').addEventListener('submit', event => call.create(event).catch(error => {
  document.getElementById('call-message').textContent = String(error);
}));
document.getElementById('call-cancel').addEventListener('click', () => call.cancel());

document.getElementById('route-send').addEventListener('click', () => route.send());
document.getElementById('route-cancel').addEventListener('click', () => route.cancel());
document.getElementById('route-unit').addEventListener('input', () => route.show());
map.on('click', event => (call.active ? call.place(event.latlng) : route.setFrom(event.latlng)));

function drawViews() {
  views.eachLayer(view => {
    const shown = visible('crime', view.feature.properties.district);
    shown ? view.addTo(map) : view.remove();
  });
}

function onDevice(event, status) {
  status ? statuses.set(event.deviceId, status) : statuses.delete(event.deviceId);
  const known = devices.get(event.deviceId);
  if (known) {
    drawDevice({ ...known.device, status: event.status || known.device.status });
  } else if (event.location && event.status !== 'decommissioned') {
    drawDevice({ id: event.deviceId, kind: event.kind, name: event.deviceId, location: event.location, district: event.district, zone: event.zone, status: event.status });
  }
  if (event.status === 'decommissioned') {
    removeDevice(event.deviceId);
    devices.delete(event.deviceId);
  }
  panel?.changed(event.deviceId, status).catch(() => {});
}

function redraw() {
  drawViews();
  hazards.forEach((layer, id) => (visible('safety', incidents.get(id)?.incident.district) ? layer.addTo(map) : layer.remove()));
  routes.forEach((layer, id) => (visible('traffic', incidents.get(id)?.incident.district) ? layer.addTo(map) : layer.remove()));
  devices.forEach(({ device }) => drawDevice(device));
  incidents.forEach(({ incident }) => drawIncident(incident));
}

document.querySelectorAll('[data-layer]').forEach(box => box.addEventListener('change', () => {
  filters[box.dataset.layer] = box.checked;
  redraw();
}));
// Choosing a district zooms to it: the basemap's area of that name, else the hull of its devices; "all" goes home.
const hulls = new Map();
document.getElementById('district').addEventListener('change', event => {
  filters.district = event.target.value;
  redraw();
  const bounds = filters.district ? (basemap?.areaBounds(filters.district) ?? hulls.get(filters.district)) : home;
  if (bounds) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
});

// Where the map opens: the devices' districts, leaving out any far from the rest (one stray district must not shrink
// the city to a speck); the city's outline when there are no devices.
function homeBounds(outlines) {
  const boxes = outlines.map(o => o.getBounds());
  if (boxes.length === 0) return basemap?.cityBounds() ?? null;
  const middle = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const lat = middle(boxes.map(b => b.getCenter().lat)), lng = middle(boxes.map(b => b.getCenter().lng));
  const near = boxes.filter(b => map.distance([lat, lng], b.getCenter()) <= 15000);
  return near.reduce((all, b) => all.extend(b), L.latLngBounds(near[0].getSouthWest(), near[0].getNorthEast()));
}

(async () => {
  const user = await startPage();
  const known = await facts();
  terminal = new Set(known.terminalStatuses);
  if (['Operator', 'PoliceDispatcher', 'FireDispatcher'].some(role => user.roles.includes(role))) {
    document.getElementById('call-open').hidden = false;
    document.getElementById('call-type').replaceChildren(...known.callIncidentTypes.map(type => new Option(t(`type.${type}`, type), type)));
    document.getElementById('call-priority').append(...known.priorities.map(p => new Option(p, p)));
    // A leak's chemical (the toxic gases of the ERG table) and spill size: its hazard zone is drawn from them at once.
    document.getElementById('call-chemical').append(...known.callChemicals.map(c => new Option(`${c.name} (${c.gas}, UN${c.un})`, c.gas)));
    document.getElementById('call-spill').replaceChildren(...known.spillSizes.map(s => new Option(t(`spill.${s}`, s), s)));
    const leakFields = () => ['call-chemical-field', 'call-spill-field'].forEach(id => {
      document.getElementById(id).hidden = document.getElementById('call-type').value !== 'chemicalLeak';
    });
    document.getElementById('call-type').addEventListener('change', leakFields);
    document.getElementById('call-panel').addEventListener('reset', () => setTimeout(leakFields));
    leakFields();
  }
  panel = createDevicePanel(document.getElementById('device-panel'), {
    user,
    actions: (device, who) => [
      ...(who.roles.includes('Admin') ? [{ label: t('panel.edit', 'Edit in device administration'), href: `/admin?edit=${encodeURIComponent(device.id)}` }] : []),
      ...(device.kind === 'trafficSignal' && route.incident ? [{ label: t('panel.addToRoute', 'Add to the route'), run: d => route.addSignal(d) }] : []),
      ...(device.kind === 'barrier' && ['Operator', 'Admin'].some(role => who.roles.includes(role))
        ? [['open', t('panel.openBarrier', 'Open the barrier')], ['closed', t('panel.closeBarrier', 'Close the barrier')]]
          .map(([target, label]) => ({ label, run: d => commandBarrier(d, target) }))
        : []),
    ],
  });
  const setup = await (await fetch('/api/map')).json();
  if (setup.tileUrl) {
    L.tileLayer(setup.tileUrl, { attribution: setup.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  basemap = await drawBasemap(map, setup.basemap);
  // Each district's devices' hull: drawn faintly (where devices are), and where choosing a district zooms to without a basemap area.
  const outlines = [];
  L.geoJSON(setup.districts, {
    style: { color: '#4d6a85', weight: 1, dashArray: '3 5', fill: false, className: 'device-district', interactive: false },
    onEachFeature: (feature, layer) => {
      hulls.set(feature.properties.district, layer.getBounds());
      outlines.push(layer);
      layer.bindTooltip(escapeHtml(feature.properties.district), { permanent: true, direction: 'bottom', offset: [0, 24], className: 'district-label' });
    },
  }).addTo(map);
  home = homeBounds(outlines);
  if (home) {
    map.fitBounds(home, { padding: [20, 20], maxZoom: 17, animate: false });
  }
  L.geoJSON(setup.cameraViews, {
    style: { color: '#9ad1ff', weight: 1, fillColor: '#9ad1ff', fillOpacity: 0.12, className: 'camera-view' },
    onEachFeature: (feature, layer) => {
      layer.feature = feature;
      layer.bindTooltip(escapeHtml(`${feature.properties.name}: looks ${feature.properties.bearing}° over ${feature.properties.range} m`));
      views.addLayer(layer);
    },
  });
  drawViews();
  const select = document.getElementById('district');
  setup.districts.features.forEach(f => select.append(new Option(f.properties.district, f.properties.district)));
  document.getElementById('call-districts').replaceChildren(...setup.districts.features.map(f => new Option(f.properties.district)));

  await connectLive({
    onSnapshot: snapshot => {
      devices.forEach((d, id) => removeDevice(id));
      incidents.forEach(i => i.marker.remove());
      devices.clear();
      incidents.clear();
      statuses.clear();
      snapshot.deviceStates.forEach(s => statuses.set(s.id, s));
      snapshot.devices.forEach(drawDevice);
      hazards.forEach(layer => layer.remove());
      hazards.clear();
      routes.forEach(layer => layer.remove());
      routes.clear();
      snapshot.incidents.forEach(onIncident);
    },
    onIncident,
    onDevice,
  });
})().catch(error => showConnection('disconnected: ' + error));
