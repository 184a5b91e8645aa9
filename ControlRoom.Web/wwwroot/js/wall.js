// The video wall: only the cameras that need eyes. A camera is on the wall while an open incident involves it (its own
// alarm, or the hazard zone or car park it was attached for), most urgent incident first; each tile is the camera's
// live view, its incident and priority, full screen on a click. Kept live from the control-room hub.
import { t } from './core/i18n.js';
import { facts } from './core/api.js';
import { startPage } from './core/layout.js';
import { connectLive, showConnection } from './core/live.js';
import { liveView } from './core/liveview.js';
import { titleOf } from './core/names.js';

let terminal = new Set();
const cameras = new Map();        // camera id -> device (name, district) from the board
const incidents = new Map();      // incident id -> { summary, cameraIds }
const tiles = new Map();          // camera id -> tile element, kept across renders so live views do not restart
const select = document.getElementById('district');
const done = incident => terminal.has(incident.status) || incident.status === 'resolved';

function tileOf(camera) {
  let tile = tiles.get(camera.id);
  if (!tile) {
    tile = document.createElement('figure');
    tile.className = 'tile';
    tile.dataset.camera = camera.id;
    tile.tabIndex = 0;
    tile.title = t('wall.fullScreen', 'Click for full screen');
    tile.append(liveView(camera, {
      alt: `${t('wall.liveOf', 'live view of')} ${camera.name}`,
      noneText: t('wall.noLive', 'no live view: no video worker runs this camera, or you may not see it'),
      retryMs: 10000,
    }), document.createElement('figcaption'));
    const full = () => (document.fullscreenElement ? document.exitFullscreen() : tile.requestFullscreen?.());
    tile.addEventListener('click', full);
    tile.addEventListener('keydown', event => { if (event.key === 'Enter') full(); });
    tiles.set(camera.id, tile);
  }
  return tile;
}

function render() {
  const district = select.value;
  const open = [...incidents.values()].filter(i => !done(i.summary) && (!district || i.summary.district === district))
    .sort((a, b) => a.summary.priority.localeCompare(b.summary.priority) || a.summary.openedAt.localeCompare(b.summary.openedAt));
  const shown = new Map();
  for (const { summary, cameraIds } of open) {
    for (const id of cameraIds) {
      if (!shown.has(id) && cameras.has(id)) shown.set(id, summary);
    }
  }
  const wall = document.getElementById('wall');
  wall.replaceChildren(...[...shown].map(([id, incident]) => {
    const camera = cameras.get(id);
    const tile = tileOf(camera);
    const caption = tile.querySelector('figcaption');
    caption.innerHTML = `<span class="priority ${incident.priority}">${incident.priority}</span> <a></a><br><span class="camera-name"></span>`;
    caption.querySelector('a').textContent = titleOf(incident);
    caption.querySelector('a').href = `/incidents/${encodeURIComponent(incident.id)}`;
    caption.querySelector('a').addEventListener('click', event => event.stopPropagation());
    caption.querySelector('.camera-name').textContent = `${camera.name} · ${camera.district}`;
    tile.className = `tile ${incident.priority}`;
    return tile;
  }));
  [...tiles.keys()].filter(id => !shown.has(id)).forEach(id => tiles.delete(id));
  document.getElementById('empty').hidden = shown.size > 0;
  document.getElementById('summary').textContent =
    `${t('wall.cameras', 'Cameras needing eyes')}: ${shown.size} · ${t('wall.incidents', 'open incidents')}: ${open.length} · ${t('wall.watched', 'cameras in all')}: ${cameras.size}`;
}

// Which cameras an incident involves: the devices whose alarms it links, and the cameras its response attached.
async function load(summary) {
  if (done(summary)) {
    incidents.delete(summary.id);
    render();
    return;
  }
  const known = incidents.get(summary.id);
  incidents.set(summary.id, { summary, cameraIds: known?.cameraIds ?? [] });
  render();
  const response = await fetch(`/api/incidents/${encodeURIComponent(summary.id)}`);
  if (!response.ok) return;
  const detail = await response.json();
  const ids = [...new Set([...detail.devices, ...(detail.cameras || [])])].filter(id => cameras.has(id));
  incidents.set(summary.id, { summary: incidents.get(summary.id)?.summary ?? summary, cameraIds: ids });
  render();
}

function onDevice(event) {
  if (event.kind === 'camera' && event.location && event.status !== 'decommissioned' && !cameras.has(event.deviceId)) {
    cameras.set(event.deviceId, { id: event.deviceId, name: event.deviceId, district: event.district });
  }
}

select.addEventListener('change', render);

(async () => {
  await startPage();
  terminal = new Set((await facts()).terminalStatuses);
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
