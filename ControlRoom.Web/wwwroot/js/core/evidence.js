// Camera evidence of an incident as pages show it: a snapshot as a picture, a clip played in the page (its frames as
// stored; the file stays downloadable), the hash in the caption; evidence of a camera the user may not see keeps its
// place without its pictures.
import { t, timeOf } from './i18n.js';
import { mjpegPlayer } from './mjpegplayer.js';

export function mediaFigure(id, m, index) {
  const url = `/api/incidents/${encodeURIComponent(id)}/media/${index}`;
  const figure = document.createElement('figure');
  const caption = document.createElement('figcaption');
  caption.textContent = `${m.deviceId} · ${m.condition} · ${timeOf(m.at)} · ${m.item.kind} · SHA-256 ${m.item.sha256.slice(0, 12)}…`;
  if (!m.item.uri) {
    // Evidence of a camera this user may not see: it keeps its place, without its pictures.
    caption.textContent = `${m.deviceId} · ${m.condition} · ${timeOf(m.at)} · ${t('incident.noAccess', 'no access to this camera: ask the control centre for a grant')}`;
  } else if (m.item.kind === 'snapshot') {
    const img = document.createElement('img');
    img.src = url;
    img.alt = `${m.condition} snapshot from ${m.deviceId}`;
    img.addEventListener('error', () => { caption.textContent += ' · not available or altered'; img.remove(); });
    figure.append(img);
  } else {
    // A clip plays in the page (its frames, as stored and checked); the file stays downloadable as <id>-<n>.avi.
    const a = document.createElement('a');
    a.href = url;
    a.textContent = `${t('incident.download', 'download')} (${Math.round(m.item.bytes / 1024)} KB, ${m.item.contentType})`;
    figure.append(m.item.contentType === 'video/x-msvideo' ? mjpegPlayer(url, { label: `${m.condition} ${m.item.kind}` }) : '', a);
  }
  figure.append(caption);
  return figure;
}
