// After-action replay: an incident's timeline stepped through (or played) on the map, showing at each moment the
// incident's status, what its devices were reading (coloured against their set-points), the hazard zone once it was
// drawn, and the evidence recorded up to then. Readings come from each device's kept history: where that no longer
// reaches back, the page says so rather than guess.
import { t, timeOf, dateTimeOf } from './core/i18n.js';
import { getJson } from './core/api.js';
import { startPage } from './core/layout.js';
import { timelineText } from './core/timeline.js';
import { drawBasemap } from './core/basemap.js';
import { titleOf } from './core/names.js';
import { escapeHtml } from './core/html.js';

const id = decodeURIComponent(location.pathname.split('/').at(-2));
const map = L.map('map', { zoomSnap: 0.5, minZoom: 5, maxZoom: 19 }).setView([37.5, 126.93], 15);
const replay = { detail: null, devices: [], step: 0, timer: null, markers: new Map(), zone: null };

function message(text) {
  const element = document.getElementById('message');
  element.textContent = text;
  element.hidden = !text;
}

// The reading of a metric at or before a moment, and whether the kept history reaches that far back.
function readingAt(readings, at) {
  let found = null;
  for (const r of readings) {
    if (Date.parse(r.timestamp) <= at) found = r;
  }
  return { reading: found, covered: readings.length > 0 && Date.parse(readings[0].timestamp) <= at };
}

// A device's look at a moment: its value against its set-points or stages.
function lookAt(device, readings, at) {
  const { reading, covered } = readingAt(readings, at);
  if (!reading) {
    return { colour: '#5b6673', text: covered ? t('replay.noReading', 'no reading yet') : t('replay.notKept', 'no reading kept for this moment') };
  }
  const v = reading.value;
  const text = `${v} ${reading.unit} (${timeOf(reading.timestamp)})`;
  const g = device.gasSensor, f = device.floodSensor;
  if (g && g.high != null && v >= g.high) return { colour: '#e5484d', text: `HIGH ${text}` };
  if (g && g.low != null && v >= g.low) return { colour: '#f5a524', text: `low alarm ${text}` };
  if (f && v >= f.dangerLevel) return { colour: '#e5484d', text: `DANGER ${text}` };
  if (f && v >= f.alertLevel) return { colour: '#f5a524', text: `alert ${text}` };
  return { colour: '#3fb37f', text };
}

const mainMetric = { gasSensor: 'concentration', floodSensor: 'waterLevel', weatherStation: 'windSpeed' };

function show(step) {
  const { detail } = replay;
  const timeline = detail.timeline;
  replay.step = Math.max(0, Math.min(timeline.length - 1, step));
  const entry = timeline[replay.step];
  const at = Date.parse(entry.at);
  const status = timeline.slice(0, replay.step + 1).reduce((s, e) => e.to ?? s, 'new');
  document.getElementById('status').textContent = t(`status.${status}`, status);
  document.getElementById('step-count').textContent = `${t('replay.step', 'step')} ${replay.step + 1} / ${timeline.length}`;
  document.getElementById('moment').textContent = dateTimeOf(at);
  document.getElementById('position').value = String(replay.step);
  document.querySelectorAll('#timeline li').forEach((li, i) => {
    li.classList.toggle('current', i === replay.step);
    li.classList.toggle('future', i > replay.step);
  });
  // The current step in view inside the timeline's own box (the status above it stays where it is).
  const list = document.getElementById('timeline');
  const current = list.children[replay.step];
  if (current && (current.offsetTop < list.scrollTop || current.offsetTop + current.offsetHeight > list.scrollTop + list.clientHeight)) {
    list.scrollTop = current.offsetTop - list.clientHeight / 3;
  }
  const items = [];
  for (const { device, readings } of replay.devices) {
    const look = lookAt(device, readings, at);
    const marker = replay.markers.get(device.id);
    marker.setStyle({ fillColor: look.colour });
    marker.setTooltipContent(`${device.name}: ${look.text}`);
    const li = document.createElement('li');
    li.innerHTML = '<span class="swatch"></span> ';
    li.firstChild.style.background = look.colour;
    li.append(`${device.name}: ${look.text}`);
    items.push(li);
  }
  document.getElementById('devices').replaceChildren(...items);
  // The hazard zone from the time it was drawn.
  if (replay.zone) {
    Date.parse(detail.hazard.at) <= at ? replay.zone.addTo(map) : replay.zone.remove();
  }
  const media = detail.media.map((m, index) => ({ m, index })).filter(({ m }) => Date.parse(m.at) <= at);
  document.getElementById('evidence').replaceChildren(...(media.length ? media.map(({ m, index }) => {
    const figure = document.createElement('figure');
    const caption = document.createElement('figcaption');
    caption.textContent = `${m.deviceId} · ${m.condition} · ${timeOf(m.at)} · ${m.item.kind}`;
    if (m.item.uri && m.item.kind === 'snapshot') {
      const img = document.createElement('img');
      img.src = `/api/incidents/${encodeURIComponent(id)}/media/${index}`;
      img.alt = `${m.condition} snapshot from ${m.deviceId}`;
      figure.append(img);
    }
    figure.append(caption);
    return figure;
  }) : [Object.assign(document.createElement('p'), { className: 'muted', textContent: t('replay.noEvidence', 'none recorded yet') })]));
}

function play() {
  const button = document.getElementById('play');
  if (replay.timer) {
    clearInterval(replay.timer);
    replay.timer = null;
    button.textContent = t('replay.play', 'Play');
    return;
  }
  if (replay.step >= replay.detail.timeline.length - 1) show(0);
  button.textContent = t('replay.pause', 'Pause');
  replay.timer = setInterval(() => {
    if (replay.step >= replay.detail.timeline.length - 1) {
      play();
      return;
    }
    show(replay.step + 1);
  }, Number(document.getElementById('pace').value));
}

document.getElementById('first').addEventListener('click', () => show(0));
document.getElementById('previous').addEventListener('click', () => show(replay.step - 1));
document.getElementById('next').addEventListener('click', () => show(replay.step + 1));
document.getElementById('last').addEventListener('click', () => show(Infinity));
document.getElementById('play').addEventListener('click', play);
document.getElementById('position').addEventListener('input', event => show(Number(event.target.value)));

(async () => {
  await startPage();
  const detail = await getJson(`/api/incidents/${encodeURIComponent(id)}`);
  replay.detail = detail;
  const s = detail.summary;
  document.title = `CityControl · ${t('replay.title', 'After-action replay')} · ${s.title}`;
  document.getElementById('back').href = `/incidents/${encodeURIComponent(id)}`;
  document.getElementById('incident-title').textContent = titleOf(s);
  const priority = document.getElementById('priority');
  priority.textContent = s.priority;
  priority.className = `priority ${s.priority}`;
  document.getElementById('position').max = String(detail.timeline.length - 1);
  document.getElementById('timeline').replaceChildren(...detail.timeline.map((entry, i) => {
    const li = document.createElement('li');
    li.textContent = timelineText(entry, timeOf(entry.at));
    li.addEventListener('click', () => show(i));
    return li;
  }));
  const setup = await getJson('/api/map');
  if (setup.tileUrl) L.tileLayer(setup.tileUrl, { attribution: setup.tileAttribution, maxZoom: 19 }).addTo(map);
  await drawBasemap(map, setup.basemap);
  L.marker([s.location.latitude, s.location.longitude], { zIndexOffset: 1000,
    icon: L.divIcon({ className: `incident-marker ${s.priority}`, html: `<span class="priority ${s.priority}">${s.priority}</span>`, iconSize: [44, 24] }) })
    .bindTooltip(escapeHtml(s.title)).addTo(map);
  if (detail.hazard) {
    replay.zone = L.polygon(detail.hazard.outline.map(p => [p.latitude, p.longitude]),
      { color: '#e5484d', weight: 2, dashArray: '6 4', fillColor: '#e5484d', fillOpacity: 0.18, className: 'hazard-zone' });
  }
  if (detail.area?.length) {
    L.polygon(detail.area.map(p => [p.latitude, p.longitude]), { color: '#3e8ed0', weight: 2, fill: false }).addTo(map);
  }
  const ids = [...new Set([...detail.devices, ...detail.cameras])];
  for (const deviceId of ids) {
    const device = await getJson(`/api/devices/${encodeURIComponent(deviceId)}`).catch(() => null);
    if (!device) continue;
    const metric = mainMetric[device.kind];
    const readings = metric ? await getJson(`/api/devices/${encodeURIComponent(deviceId)}/readings?metric=${metric}&max=500`).catch(() => []) : [];
    replay.devices.push({ device, readings });
    replay.markers.set(device.id, L.circleMarker([device.location.latitude, device.location.longitude], {
      radius: 9, weight: 2, color: '#0f1720', fillColor: '#5b6673', fillOpacity: 0.95, className: `device replay ${device.kind}`,
    }).bindTooltip(escapeHtml(device.name), { permanent: true, direction: 'right', offset: [10, 0], className: 'replay-label' }).addTo(map));
  }
  const points = [[s.location.latitude, s.location.longitude], ...replay.devices.map(({ device }) => [device.location.latitude, device.location.longitude])];
  map.fitBounds(L.latLngBounds(points).pad(0.4), { maxZoom: 17 });
  show(0);
})().catch(error => message(String(error.message || error)));
