// How a device's live status reads on screen: one colour and the same meaning in words, so nothing depends on colour
// alone. Used by the map; the statuses themselves come from the server (snapshot, then one with each device event).
import { t, tf } from './i18n.js';

export function deviceLook(device, status) {
  if (device.status === 'maintenance') {
    return { colour: '#7d8a96', text: tf('look.maintenance', 'in maintenance'), level: 'muted' };
  }
  if (!status || (!status.lastSeen && status.connectivity !== 'online')) {
    return { colour: '#9ad1ff', text: tf('look.noReport', 'no report yet'), level: 'unknown' };
  }
  if (status.connectivity === 'offline') {
    return { colour: '#5b6673', text: tf('look.offline', 'offline'), level: 'fault' };
  }
  const live = status.live || {};
  switch (device.kind) {
    case 'gasSensor':
      if (live.gasLevel === 'high') return { colour: '#e5484d', text: tf('look.gasHigh', 'gas HIGH {0}', live.gasConcentration), level: 'alarm' };
      if (live.gasLevel === 'low') return { colour: '#f5a524', text: tf('look.gasLow', 'gas low alarm {0}', live.gasConcentration), level: 'warning' };
      break;
    case 'floodSensor':
      if (live.floodStage === 'danger') return { colour: '#e5484d', text: tf('look.floodDanger', 'flood DANGER {0} m', live.waterLevel), level: 'alarm' };
      if (live.floodStage === 'alert') return { colour: '#f5a524', text: tf('look.floodAlert', 'flood alert {0} m', live.waterLevel) + (live.minutesToDanger != null ? tf('look.dangerIn', ', danger in {0} min', Math.round(live.minutesToDanger)) : ''), level: 'warning' };
      break;
    case 'trafficSignal':
      if (live.signalMode === 'fault') return { colour: '#e5484d', text: tf('look.signalFault', 'signal FAULT'), level: 'alarm' };
      if (live.signalMode === 'flash') return { colour: '#f5a524', text: tf('look.signalFlash', 'signal flashing'), level: 'warning' };
      if (live.signalMode === 'preemption') return { colour: '#b57bff', text: tf('look.preemption', 'preemption active'), level: 'warning' };
      break;
    case 'camera':
      if (live.streamUp === false) return { colour: '#e5484d', text: tf('look.streamLost', 'stream lost'), level: 'alarm' };
      break;
    case 'warningDevice':
      if (live.warning && live.warning.active) {
        return live.warning.reportedAt
          ? { colour: '#b57bff', text: tf('look.warningPlaying', 'warning PLAYING (message {0})', live.warning.sequence), level: 'warning' }
          : { colour: '#f5a524', text: tf('look.warningSent', 'warning sent, not yet playing (message {0})', live.warning.sequence), level: 'warning' };
      }
      break;
    case 'barrier':
      if (live.barrierPosition === 'fault') return { colour: '#e5484d', text: tf('look.barrierFault', 'barrier FAULT'), level: 'alarm' };
      if (live.barrierCommand && !live.barrierCommand.doneAt) return { colour: '#f5a524', text: live.barrierCommand.target === 'open' ? tf('look.barrierToldOpen', 'barrier told open, not yet there') : tf('look.barrierToldClosed', 'barrier told closed, not yet there'), level: 'warning' };
      if (live.barrierPosition === 'closed') return { colour: '#b57bff', text: tf('look.barrierClosed', 'barrier closed'), level: 'warning' };
      break;
    case 'weatherStation':
      if (live.wind && live.wind.fromDegrees != null) {
        return { colour: '#3fb37f', text: tf('look.wind', 'wind {0} m/s from {1}°', live.wind.speedMetersPerSecond, Math.round(live.wind.fromDegrees)), level: 'normal' };
      }
      break;
  }
  if (device.kind === 'trafficSignal' && live.signalPlan) {
    return { colour: '#b57bff', text: tf('look.onPlan', 'on {0} plan for {1}', live.signalPlan.plan, live.signalPlan.incidentId), level: 'warning' };
  }
  if (status.activeAlarms && status.activeAlarms.length > 0) {
    return { colour: '#f5a524', text: tf('look.alarm', 'alarm: {0}', status.activeAlarms.join(', ')), level: 'warning' };
  }
  return { colour: '#3fb37f', text: tf('look.normal', 'normal'), level: 'normal' };
}
