// The video wall: only the cameras that need eyes, in a layout of 1 to 36 tiles saved for each user. First the cameras
// whose own alarms an open incident links (an analytics event, stream loss, tampering), then those the incident's
// response attached or that stand near it; in selective mode the rest follow in turn at a set pace. Each tile says why
// it is there, shows the camera live and fills the screen on a click. Kept live from the control-room hub.
import { t } from './core/i18n.js';
import { facts, me } from './core/api.js';
import { startPage } from './core/layout.js';
import { connectLive, showConnection } from './core/live.js';
import { liveView } from './core/liveview.js';
import { titleOf, typeName, phraseText } from './core/names.js';

const NEAR_METRES = 500;
let terminal = new Set();
const cameras = new Map();        // camera id -> device (name, district) from the board
const incidents = new Map();      // incident id -> { summary, own: [camera ids], near: [{ id, meters }], nearby (cached), load (number) }
const tiles = new Map();          // camera id -> tile element, kept across renders so live views do not restart
const select = document.getElementById('district');
const settings = { layout: 9, mode: 'incidents', pace: 10, key: 'citycontrol.wall' };
let cycle = 0;
const done = incident => terminal.has(incident.status) || incident.status === 'resolved';

// Smaller layouts refresh their tiles faster: the analysis rate (5 a second) up to 4 tiles, twice a second to 16.
const refreshOf = layout => (layout <= 4 ? 200 : layout <= 16 ? 500 : 1000);

function tileOf(camera) {
  let tile = tiles.get(camera.id);
  if (!tile || Number(tile.dataset.refresh) !== refreshOf(settings.layout)) {
    tile = document.createElement('figure');
    tile.className = 'tile';
    tile.dataset.camera = camera.id;
    tile.dataset.refresh = String(refreshOf(settings.layout));
    tile.tabIndex = 0;
    tile.title = t('wall.fullScreen', 'Click for full screen');
    tile.append(liveView(camera, {
      alt: `${t('wall.liveOf', 'live view of')} ${camera.name}`,
      noneText: t('wall.noLive', 'no live view: no video worker runs this camera, or you may not see it'),
      retryMs: 10000,
      intervalMs: refreshOf(settings.layout),
    }), document.createElement('figcaption'));
    const full = () => (document.fullscreenElement ? document.exitFullscreen() : tile.requestFullscreen?.());
    tile.addEventListener('click', full);
    tile.addEventListener('keydown', event => { if (event.key === 'Enter') full(); });
    tiles.set(camera.id, tile);
  }
  return tile;
}

// The cameras for the wall, each with why: own alarm first, then attached or near an incident (most urgent incident
// first), then in selective mode the others in turn.
function choose() {
  const district = select.value;
  const open = [...incidents.values()].filter(i => !done(i.summary) && (!district || i.summary.district === district))
    .sort((a, b) => a.summary.priority.localeCompare(b.summary.priority) || a.summary.openedAt.localeCompare(b.summary.openedAt));
  const chosen = new Map();
  for (const { summary, own } of open) {
    for (const id of own) {
      if (!chosen.has(id) && cameras.has(id)) chosen.set(id, { incident: summary, why: `${t('wall.whyAlarm', 'its alarm')}: ${summary.latestAlarm ? phraseText(summary.latestAlarmText, summary.latestAlarm) : typeName(summary.type)}`, tier: 'alarm' });
    }
  }
  for (const { summary, near } of open) {
    for (const { id, meters } of near) {
      if (!chosen.has(id) && cameras.has(id)) {
        chosen.set(id, { incident: summary, tier: 'near',
          why: meters == null ? t('wall.whyAttached', 'attached by the response') : `${t('wall.whyNear', 'near the incident')} (${Math.round(meters)} m)` });
      }
    }
  }
  const needing = [...chosen].slice(0, settings.layout);
  if (settings.mode !== 'selective' || needing.length >= settings.layout) return { shown: needing, open };
  const rest = [...cameras.values()].filter(c => !chosen.has(c.id) && (!district || c.district === district));
  const slots = settings.layout - needing.length;
  const turn = rest.length <= slots ? rest : Array.from({ length: slots }, (_, i) => rest[(cycle + i) % rest.length]);
  return { shown: [...needing, ...turn.map(c => [c.id, { incident: null, tier: 'cycle', why: t('wall.whyCycle', 'in turn') }])], open };
}

function render() {
  const { shown, open } = choose();
  const wall = document.getElementById('wall');
  const columns = Math.ceil(Math.sqrt(settings.layout));
  wall.style.setProperty('--columns', String(columns));
  wall.style.setProperty('--rows', String(Math.ceil(settings.layout / columns)));
  wall.classList.toggle('dense', settings.layout > 9);
  wall.replaceChildren(...shown.map(([id, { incident, why, tier }]) => {
    const camera = cameras.get(id);
    const tile = tileOf(camera);
    const caption = tile.querySelector('figcaption');
    caption.replaceChildren();
    if (incident) {
      caption.innerHTML = `<span class="priority ${incident.priority}">${incident.priority}</span> <a></a><br>`;
      const link = caption.querySelector('a');
      link.textContent = titleOf(incident);
      link.href = `/incidents/${encodeURIComponent(incident.id)}`;
      link.addEventListener('click', event => event.stopPropagation());
    }
    caption.append(Object.assign(document.createElement('span'), { className: 'camera-name', textContent: `${camera.name} · ${camera.district}` }),
      document.createElement('br'), Object.assign(document.createElement('span'), { className: `why ${tier}`, textContent: why }));
    tile.className = `tile ${incident?.priority ?? ''} ${tier}`.trim();
    return tile;
  }));
  const onWall = new Set(shown.map(([id]) => id));
  [...tiles.keys()].filter(id => !onWall.has(id)).forEach(id => tiles.delete(id));
  document.getElementById('empty').hidden = shown.length > 0;
  const needing = shown.filter(([, s]) => s.tier !== 'cycle').length;
  document.getElementById('summary').textContent =
    `${t('wall.cameras', 'Cameras needing eyes')}: ${needing} · ${t('wall.incidents', 'open incidents')}: ${open.length} · ${t('wall.watched', 'cameras in all')}: ${cameras.size}`;
}

// Which cameras an incident involves: the devices whose alarms it links (its own), the cameras its response attached,
// and the cameras within 500 m of it.
async function load(summary) {
  if (done(summary)) {
    incidents.delete(summary.id);
    render();
    return;
  }
  const known = incidents.get(summary.id);
  const number = (known?.load ?? 0) + 1;
  incidents.set(summary.id, { summary, own: known?.own ?? [], near: known?.near ?? [], nearby: known?.nearby, load: number });
  render();
  // Updates come faster than fetches: only the newest load of an incident may change what it shows.
  const newest = () => incidents.get(summary.id)?.load === number;
  const response = await fetch(`/api/incidents/${encodeURIComponent(summary.id)}`);
  if (!response.ok || !newest()) return;
  const detail = await response.json();
  const own = detail.devices.filter(id => cameras.has(id));
  const near = (detail.cameras || []).filter(id => cameras.has(id)).map(id => ({ id, meters: null }));
  const nearby = incidents.get(summary.id).nearby;
  if (nearby) {
    near.push(...nearby);
  } else {
    const nearest = await fetch(`/api/incidents/${encodeURIComponent(summary.id)}/nearest-cameras?count=6`);
    if (!newest()) return;
    const found = nearest.ok ? (await nearest.json()).filter(c => c.distanceMeters <= NEAR_METRES).map(c => ({ id: c.id, meters: c.distanceMeters })) : [];
    near.push(...found);
    if (nearest.ok) incidents.get(summary.id).nearby = found;
  }
  if (!newest()) return;
  incidents.set(summary.id, { ...incidents.get(summary.id), own, near });
  render();
}

function onDevice(event) {
  if (event.kind === 'camera' && event.location && event.status !== 'decommissioned' && !cameras.has(event.deviceId)) {
    cameras.set(event.deviceId, { id: event.deviceId, name: event.deviceId, district: event.district });
  }
}

function save() {
  localStorage.setItem(settings.key, JSON.stringify({ layout: settings.layout, mode: settings.mode, pace: settings.pace }));
}

select.addEventListener('change', render);
for (const [id, name] of [['layout', 'layout'], ['mode', 'mode'], ['pace', 'pace']]) {
  document.getElementById(id).addEventListener('change', event => {
    settings[name] = name === 'mode' ? event.target.value : Number(event.target.value);
    save();
    render();
  });
}

(async () => {
  await startPage();
  // The layout is the user's own, kept for them in this browser.
  const user = await me();
  settings.key = `citycontrol.wall.${user.name}`;
  Object.assign(settings, JSON.parse(localStorage.getItem(settings.key) || '{}'));
  document.getElementById('layout').value = String(settings.layout);
  document.getElementById('mode').value = settings.mode;
  document.getElementById('pace').value = String(settings.pace);
  terminal = new Set((await facts()).terminalStatuses);
  const turn = () => {
    cycle += Math.max(1, settings.layout);
    if (settings.mode === 'selective') render();
    setTimeout(turn, settings.pace * 1000);
  };
  setTimeout(turn, settings.pace * 1000);
  await connectLive({
    onSnapshot: snapshot => {
      cameras.clear();
      snapshot.devices.filter(d => d.kind === 'camera' && d.status !== 'decommissioned').forEach(d => cameras.set(d.id, d));
      const districts = [...new Set(snapshot.devices.map(d => d.district))].sort();
      const chosen = select.value;
      select.replaceChildren(new Option(t('filter.all', 'all'), ''), ...districts.map(d => new Option(d, d)));
      select.value = chosen;
      incidents.clear();
      snapshot.incidents.forEach(i => load(i).catch(() => {}));
      render();
    },
    onIncident: incident => load(incident).catch(() => {}),
    onDevice,
  });
})().catch(error => showConnection('disconnected: ' + error));
