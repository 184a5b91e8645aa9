// How a device's live status reads on screen: one colour and the same meaning in words, so nothing depends on colour
// alone. Used by the map; the statuses themselves come from the server (snapshot, then one with each device event).
export function deviceLook(device, status) {
  if (device.status === 'maintenance') {
    return { colour: '#7d8a96', text: 'in maintenance', level: 'muted' };
  }
  if (!status || (!status.lastSeen && status.connectivity !== 'online')) {
    return { colour: '#9ad1ff', text: 'no report yet', level: 'unknown' };
  }
  if (status.connectivity === 'offline') {
    return { colour: '#5b6673', text: 'offline', level: 'fault' };
  }
  const live = status.live || {};
  switch (device.kind) {
    case 'gasSensor':
      if (live.gasLevel === 'high') return { colour: '#e5484d', text: `gas HIGH ${live.gasConcentration}`, level: 'alarm' };
      if (live.gasLevel === 'low') return { colour: '#f5a524', text: `gas low alarm ${live.gasConcentration}`, level: 'warning' };
      break;
    case 'floodSensor':
      if (live.floodStage === 'danger') return { colour: '#e5484d', text: `flood DANGER ${live.waterLevel} m`, level: 'alarm' };
      if (live.floodStage === 'alert') return { colour: '#f5a524', text: `flood alert ${live.waterLevel} m` + (live.minutesToDanger != null ? `, danger in ${Math.round(live.minutesToDanger)} min` : ''), level: 'warning' };
      break;
    case 'trafficSignal':
      if (live.signalMode === 'fault') return { colour: '#e5484d', text: 'signal FAULT', level: 'alarm' };
      if (live.signalMode === 'flash') return { colour: '#f5a524', text: 'signal flashing', level: 'warning' };
      if (live.signalMode === 'preemption') return { colour: '#b57bff', text: 'preemption active', level: 'warning' };
      break;
    case 'camera':
      if (live.streamUp === false) return { colour: '#e5484d', text: 'stream lost', level: 'alarm' };
      break;
    case 'warningDevice':
      if (live.warning && live.warning.active) {
        return live.warning.reportedAt
          ? { colour: '#b57bff', text: `warning PLAYING (message ${live.warning.sequence})`, level: 'warning' }
          : { colour: '#f5a524', text: `warning sent, not yet playing (message ${live.warning.sequence})`, level: 'warning' };
      }
      break;
    case 'barrier':
      if (live.barrierPosition === 'fault') return { colour: '#e5484d', text: 'barrier FAULT', level: 'alarm' };
      if (live.barrierCommand && !live.barrierCommand.doneAt) return { colour: '#f5a524', text: `barrier told ${live.barrierCommand.target}, not yet there`, level: 'warning' };
      if (live.barrierPosition === 'closed') return { colour: '#b57bff', text: 'barrier closed', level: 'warning' };
      break;
    case 'weatherStation':
      if (live.wind && live.wind.fromDegrees != null) {
        return { colour: '#3fb37f', text: `wind ${live.wind.speedMetersPerSecond} m/s from ${Math.round(live.wind.fromDegrees)}°`, level: 'normal' };
      }
      break;
  }
  if (device.kind === 'trafficSignal' && live.signalPlan) {
    return { colour: '#b57bff', text: `on ${live.signalPlan.plan} plan for ${live.signalPlan.incidentId}`, level: 'warning' };
  }
  if (status.activeAlarms && status.activeAlarms.length > 0) {
    return { colour: '#f5a524', text: 'alarm: ' + status.activeAlarms.join(', '), level: 'warning' };
  }
  return { colour: '#3fb37f', text: 'normal', level: 'normal' };
}
