// An evidence clip played in the page: the clips are Motion-JPEG AVI files (each frame a JPEG), so the page reads the
// AVI's frames and its frame rate and shows them in turn, with play/pause, a position slider and the frame's time.
// Nothing is transcoded: what plays is exactly the file whose SHA-256 the platform checked when it served it.

const fourcc = (view, at) => String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));

// The JPEG frames of an MJPEG AVI (the '##dc' chunks of its 'movi' list, in order) and its microseconds per frame.
export function readAvi(buffer) {
  const view = new DataView(buffer);
  if (buffer.byteLength < 12 || fourcc(view, 0) !== 'RIFF' || fourcc(view, 8) !== 'AVI ') {
    throw new Error('not an AVI file');
  }
  const frames = [];
  let microsPerFrame = 40000;
  const walk = (start, end) => {
    let at = start;
    while (at + 8 <= end) {
      const id = fourcc(view, at);
      const size = view.getUint32(at + 4, true);
      const body = at + 8;
      if (body + size > buffer.byteLength) break;
      if (id === 'LIST' || id === 'RIFF') {
        walk(body + 4, body + size);
      } else if (id === 'avih' && size >= 4) {
        microsPerFrame = view.getUint32(body, true) || microsPerFrame;
      } else if (/^\d\d(dc|db)$/.test(id) && size > 0) {
        frames.push(new Uint8Array(buffer, body, size));
      }
      at = body + size + (size % 2);
    }
  };
  walk(12, buffer.byteLength);
  return { frames, microsPerFrame };
}

export function mjpegPlayer(url, { label = 'clip' } = {}) {
  const box = document.createElement('div');
  box.className = 'clip-player';
  const start = Object.assign(document.createElement('button'), { type: 'button', className: 'clip-play', textContent: `▶ ${label}` });
  box.append(start);
  start.addEventListener('click', async () => {
    start.disabled = true;
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { frames, microsPerFrame } = readAvi(await response.arrayBuffer());
      if (frames.length === 0) throw new Error('the clip has no frames');
      mount(frames, microsPerFrame);
    } catch (error) {
      start.disabled = false;
      start.textContent = `▶ ${label} (${error.message})`;
    }
  });

  function mount(frames, microsPerFrame) {
    const urls = frames.map(f => URL.createObjectURL(new Blob([f], { type: 'image/jpeg' })));
    const img = Object.assign(document.createElement('img'), { className: 'clip-frame', alt: label });
    const toggle = Object.assign(document.createElement('button'), { type: 'button', className: 'clip-toggle' });
    const slider = Object.assign(document.createElement('input'), { type: 'range', min: 0, max: frames.length - 1, value: 0, className: 'clip-position' });
    slider.setAttribute('aria-label', `${label} position`);
    const where = Object.assign(document.createElement('span'), { className: 'clip-where' });
    const controls = Object.assign(document.createElement('div'), { className: 'clip-controls' });
    controls.append(toggle, slider, where);
    box.replaceChildren(img, controls);
    let frame = 0;
    let timer = null;
    const show = n => {
      frame = n;
      img.src = urls[n];
      slider.value = String(n);
      where.textContent = `${(n * microsPerFrame / 1e6).toFixed(1)} s · frame ${n + 1} / ${frames.length}`;
    };
    const pause = () => { clearInterval(timer); timer = null; toggle.textContent = '▶'; };
    const play = () => {
      if (frame >= frames.length - 1) show(0);
      toggle.textContent = '❚❚';
      timer = setInterval(() => {
        if (!box.isConnected) { pause(); urls.forEach(u => URL.revokeObjectURL(u)); return; }
        frame + 1 < frames.length ? show(frame + 1) : pause();
      }, microsPerFrame / 1000);
    };
    toggle.addEventListener('click', () => (timer ? pause() : play()));
    slider.addEventListener('input', () => { pause(); show(Number(slider.value)); });
    show(0);
    play();
  }

  return box;
}
