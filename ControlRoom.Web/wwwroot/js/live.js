// The control-room live channel: connect, take a snapshot, then apply the numbered batches of each group in order;
// after a reconnection or a gap, take a snapshot again. Pages give their own handlers.
'use strict';

// The page's connection badge: 'live' in green, anything else (reconnecting, disconnected: why) in red.
window.showConnection = function (text) {
  const badge = document.getElementById('connection');
  badge.textContent = text;
  badge.className = 'connection ' + (text === 'live' ? 'live' : 'lost');
};

window.connectLive = function ({ onSnapshot, onIncident, onDevice, onState = showConnection }) {
  const state = { last: {}, ready: false, early: [] };
  const connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/control-room')
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000])
    .build();

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
    batch.incidents.forEach(onIncident);
    (batch.devices || []).forEach(d => onDevice && onDevice(d));
  }

  async function resync() {
    state.ready = false;
    const snapshot = await connection.invoke('Snapshot');
    state.last = { ...snapshot.sequences };
    onSnapshot(snapshot);
    state.ready = true;
    state.early.splice(0).forEach(apply);
    onState('live');
  }

  connection.on('Updates', batch => state.ready ? apply(batch) : state.early.push(batch));
  connection.onreconnecting(() => onState('reconnecting'));
  connection.onreconnected(() => resync());
  connection.onclose(() => onState('disconnected'));
  return connection.start().then(resync);
};
