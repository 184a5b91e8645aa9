// The control-room live channel: connect, take a snapshot, then apply the numbered batches of each group in order;
// after a reconnection or a gap, take a snapshot again. Pages give their own handlers.
// SignalR's browser client is a classic script (/lib/signalr/signalr.min.js) loaded before the page's modules.
import { announceNew } from './announce.js';
import { facts } from './api.js';
import { t, timeOf } from './i18n.js';

const { signalR } = window;

// The page's connection badge: 'live' in green, anything else (reconnecting, disconnected: why) in red, in the page's
// language for the states it knows.
const stateWords = { live: 'live.live', connecting: 'live.connecting', reconnecting: 'live.reconnecting',
  'disconnected, retrying': 'live.retrying', 'offline: no network': 'live.offline', 'server restarting, reconnecting': 'live.restarting' };
export function showConnection(text) {
  const badge = document.getElementById('connection');
  badge.textContent = stateWords[text] ? t(stateWords[text], text) : text;
  badge.className = 'connection ' + (text === 'live' ? 'live' : 'lost');
}

export function connectLive({ onSnapshot, onIncident, onDevice, onState = showConnection }) {
  // known: the incidents this console has seen, with their priority. One it has not seen, still new, announces
  // itself (not those of the first snapshot, which the page shows as it opens), and so does an open one whose
  // priority rose (a leak confirmed, an incident nobody took escalating).
  // ended: the server's terminal statuses, and resolved (nothing left to do but close).
  const state = { last: {}, ready: false, early: [], stale: null, known: null, ended: null };
  const announces = incident => state.known.has(incident.id)
    ? !state.ended.has(incident.status) && incident.priority < state.known.get(incident.id)
    : incident.status === 'new';
  const connection = new signalR.HubConnectionBuilder()
    // A request that hangs on a dead connection (a network that went quiet) is given up after 8 s and tried again.
    .withUrl('/hubs/control-room', { timeout: 8000 })
    // SignalR's own retries cover a short drop (about 8 s); past them the page restarts the connection itself (below).
    .withAutomaticReconnect([0, 1000, 2000, 5000])
    // The hub pings every 3 s: 8 s of silence means the network went quiet, even though nothing was closed.
    .withServerTimeout(8000)
    .withKeepAliveInterval(5000)
    .build();
  // The browser knows at once when it loses its network: say so without waiting for the hub's silence.
  window.addEventListener('offline', () => onState('offline: no network'));

  function apply(batch) {
    const last = state.last[batch.group] || 0;
    if (batch.sequence <= last) {
      return;
    }
    if (batch.sequence !== last + 1) {
      resync();
      return;
    }
    state.last[batch.group] = batch.sequence;
    batch.incidents.forEach(incident => {
      if (announces(incident)) {
        announceNew(incident, state.known.has(incident.id));
      }
      state.known.set(incident.id, incident.priority);
      onIncident(incident);
    });
    // Each device event comes with the device's status after it, worked out by the server.
    const states = new Map((batch.deviceStates || []).map(s => [s.id, s]));
    (batch.devices || []).forEach(d => onDevice && onDevice(d, states.get(d.deviceId) ?? null));
  }

  async function resync() {
    state.ready = false;
    state.ended ??= new Set([...(await facts()).terminalStatuses, 'resolved']);
    const snapshot = await connection.invoke('Snapshot');
    state.last = { ...snapshot.sequences };
    // After a reconnection, what came meanwhile is announced as if it had come live.
    if (state.known) {
      snapshot.incidents.filter(announces).forEach(i => announceNew(i, state.known.has(i.id)));
    }
    state.known = new Map([...(state.known ?? []), ...snapshot.incidents.map(i => [i.id, i.priority])]);
    onSnapshot(snapshot);
    state.ready = true;
    state.early.splice(0).forEach(apply);
    onState(state.stale ?? 'live');
  }

  // SignalR gives up after its retry schedule; an outage can be longer. Start again every few seconds until the hub
  // answers, and say so on screen.
  async function restart() {
    while (connection.state === signalR.HubConnectionState.Disconnected) {
      try {
        await connection.start();
        await resync();
        return;
      } catch {
        onState('disconnected, retrying');
        await new Promise(resolve => setTimeout(resolve, restartDelay));
      }
    }
  }

  connection.on('Updates', batch => state.ready ? apply(batch) : state.early.push(batch));
  // Storage went away: changes cannot be saved or published, so the picture may be out of date; when it is back, take
  // a fresh snapshot (what happened meanwhile may not have come as batches).
  connection.on('Platform', status => {
    state.stale = status.storageUp ? null : `stale: storage unavailable since ${timeOf(status.since)}`;
    if (status.storageUp) {
      resync();
    } else {
      onState(state.stale);
    }
  });
  // The front end is stopping: say so; the connection's end then starts the retries (another front end, or this one back).
  connection.on('Reconnect', () => onState('server restarting, reconnecting'));
  connection.onreconnecting(() => onState('reconnecting'));
  // A snapshot that fails after reconnecting ends the connection, so that the restart loop below takes over.
  connection.onreconnected(() => resync().catch(() => connection.stop()));
  connection.onclose(() => {
    onState('disconnected, retrying');
    setTimeout(restart, restartDelay);
  });
  return connection.start().then(resync);
}

const restartDelay = 3000;
