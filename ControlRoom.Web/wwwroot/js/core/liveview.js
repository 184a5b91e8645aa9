// A camera's newest annotated frame, fetched again every intervalMs (a second by default) while the image loads (its
// pipeline runs). When there is none, the image is replaced by a line saying so, and the page tries again after
// retryMs (5 s unless said): a frame the worker's relay missed once must not end the view until the page is reloaded.
export function liveView(camera, { alt, noneText, retryMs = 5000, intervalMs = 1000 } = {}) {
  const img = document.createElement('img');
  img.className = 'live';
  img.alt = alt ?? `live view of ${camera.name}`;
  const source = `/api/cameras/${encodeURIComponent(camera.id)}/live.jpg`;
  let timer = null;
  img.addEventListener('load', () => { timer = setTimeout(() => { if (img.isConnected) img.src = `${source}?t=${Date.now()}`; }, intervalMs); });
  img.addEventListener('error', () => {
    clearTimeout(timer);
    const none = document.createElement(retryMs ? 'div' : 'span');
    none.className = retryMs ? 'no-live muted' : 'muted';
    none.textContent = noneText ?? 'no live view';
    img.replaceWith(none);
    if (retryMs) {
      setTimeout(() => { if (none.isConnected) none.replaceWith(liveView(camera, { alt, noneText, retryMs, intervalMs })); }, retryMs);
    }
  });
  img.src = source;
  return img;
}
