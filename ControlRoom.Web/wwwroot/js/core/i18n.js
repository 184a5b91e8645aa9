// Labels in the user's language (English by default, Korean on request, remembered in this browser) from the app's
// resource files: the one source of every label. Elements with data-i18n="key" get that label as their text; scripts
// use t(key, English fallback) once `ready` has resolved.

export const languages = { en: 'English', ko: '한국어' };
const saved = localStorage.getItem('citycontrol.lang');
export const lang = languages[saved] ? saved : 'en';
let labels = {};

export const t = (key, fallback) => labels[key] ?? fallback ?? key;

export function applyLabels(root) {
  root.querySelectorAll('[data-i18n]').forEach(element => { element.textContent = t(element.dataset.i18n, element.textContent); });
}

export function chooseLanguage(code) {
  localStorage.setItem('citycontrol.lang', code);
  location.reload();
}

document.documentElement.lang = lang;
export const ready = fetch(`/api/labels?lang=${lang}`)
  .then(response => response.ok ? response.json() : {})
  .catch(() => ({}))
  .then(loaded => {
    labels = loaded;
    applyLabels(document);
  });
