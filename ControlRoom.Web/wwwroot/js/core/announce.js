// New incidents announce themselves, so that fast delivery is not lost on an unattended wall: a sound per priority
// (made here, no files: P1 three high beeps, P2 two, P3 one, P4 one low and short), for P1 and P2 also a banner over
// the page and a flashing tab title until someone looks, and a desktop notification where the console allowed them.
// Sound is muted per console (this browser) with the header's button.
import { t } from './i18n.js';
import { titleOf } from './names.js';

const muteKey = 'citycontrol.mute';
const tones = {
  P1: { hz: 1046, beeps: 3, ms: 160 },
  P2: { hz: 880, beeps: 2, ms: 160 },
  P3: { hz: 660, beeps: 1, ms: 200 },
  P4: { hz: 440, beeps: 1, ms: 120 },
};

// A WAV file of the priority's beeps: 16-bit mono at 16 kHz, each beep faded in and out, 80 ms apart.
function wav({ hz, beeps, ms }) {
  const rate = 16000;
  const beep = Math.round(rate * ms / 1000);
  const gap = Math.round(rate * 0.08);
  const samples = beeps * beep + (beeps - 1) * gap;
  const data = new DataView(new ArrayBuffer(44 + samples * 2));
  const text = (at, s) => [...s].forEach((c, i) => data.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF'); data.setUint32(4, 36 + samples * 2, true); text(8, 'WAVE');
  text(12, 'fmt '); data.setUint32(16, 16, true); data.setUint16(20, 1, true); data.setUint16(22, 1, true);
  data.setUint32(24, rate, true); data.setUint32(28, rate * 2, true); data.setUint16(32, 2, true); data.setUint16(34, 16, true);
  text(36, 'data'); data.setUint32(40, samples * 2, true);
  for (let b = 0; b < beeps; b++) {
    const start = b * (beep + gap);
    for (let i = 0; i < beep; i++) {
      const fade = Math.min(1, i / 200, (beep - i) / 200);
      data.setInt16(44 + (start + i) * 2, Math.round(Math.sin(2 * Math.PI * hz * i / rate) * 0.5 * fade * 32767), true);
    }
  }
  return URL.createObjectURL(new Blob([data], { type: 'audio/wav' }));
}

export const muted = () => localStorage.getItem(muteKey) === 'true';

function setMuted(value, button) {
  localStorage.setItem(muteKey, String(value));
  button.setAttribute('aria-pressed', String(value));
  button.textContent = value ? t('announce.muted', 'Sound off') : t('announce.sound', 'Sound on');
}

let flashing = null;
const pageTitle = document.title;

function flashTitle(text) {
  clearInterval(flashing);
  let on = false;
  flashing = setInterval(() => {
    on = !on;
    document.title = on ? `● ${text}` : pageTitle;
  }, 1000);
  document.title = `● ${text}`;
}

function stopFlashing() {
  clearInterval(flashing);
  flashing = null;
  document.title = pageTitle;
}

let current = null;

// Announces an incident the console has not seen before and that nobody has taken yet, or one whose priority rose
// (raised), on live pages.
export function announceNew(incident, raised = false) {
  current?.(incident, raised);
}

// The page's announcer: the audio element, the banner and the mute button in the header (given by the layout).
export function createAnnouncer(header) {
  const audio = Object.assign(document.createElement('audio'), { id: 'alarm-sound', preload: 'auto' });
  const sounds = Object.fromEntries(Object.entries(tones).map(([priority, tone]) => [priority, wav(tone)]));
  const banner = Object.assign(document.createElement('div'), { id: 'announcement', className: 'announcement', hidden: true });
  banner.setAttribute('role', 'alert');
  document.body.prepend(banner, audio);

  const mute = Object.assign(document.createElement('button'), { type: 'button', id: 'mute', className: 'mute' });
  mute.addEventListener('click', () => setMuted(!muted(), mute));
  setMuted(muted(), mute);
  header.append(mute);
  if ('Notification' in window && Notification.permission === 'default') {
    const ask = Object.assign(document.createElement('button'), { type: 'button', id: 'notify', textContent: t('announce.desktop', 'Desktop alerts') });
    ask.addEventListener('click', () => Notification.requestPermission().then(() => ask.remove()));
    header.append(ask);
  }

  window.addEventListener('focus', stopFlashing);
  document.addEventListener('visibilitychange', () => { if (!document.hidden && document.hasFocus()) stopFlashing(); });

  current = function announce(incident, raised) {
    const text = `${incident.priority} ${titleOf(incident)}`;
    if (!muted() && sounds[incident.priority]) {
      audio.src = sounds[incident.priority];
      audio.dataset.priority = incident.priority;
      // A browser that has not been clicked in yet may refuse to play: the button says so.
      audio.play().catch(() => { mute.title = t('announce.blocked', 'The browser held the sound back: click in the page once'); });
    }
    if (incident.priority === 'P1' || incident.priority === 'P2') {
      const link = Object.assign(document.createElement('a'), { href: `/incidents/${encodeURIComponent(incident.id)}`, textContent: text });
      const close = Object.assign(document.createElement('button'), { type: 'button', className: 'close', textContent: '×' });
      close.setAttribute('aria-label', t('announce.dismiss', 'Dismiss'));
      close.addEventListener('click', () => { banner.hidden = true; stopFlashing(); });
      banner.className = `announcement ${incident.priority}`;
      banner.replaceChildren(Object.assign(document.createElement('strong'), { textContent: (raised ? t('announce.raised', 'Priority raised') : t('announce.new', 'New incident')) + ': ' }), link, close);
      banner.hidden = false;
      flashTitle(text);
      if ('Notification' in window && Notification.permission === 'granted') {
        new Notification(raised ? t('announce.raised', 'Priority raised') : t('announce.new', 'New incident'), { body: text, tag: incident.id });
      }
    }
  };
  return current;
}
