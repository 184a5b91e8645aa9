// Labels in the user's language (English by default, Korean on request, remembered in this browser) from the app's
// resource files: the one source of every label. Elements with data-i18n="key" get that label as their text (and
// data-i18n-placeholder="key" as their placeholder); scripts
// use t(key, English fallback) once `ready` has resolved.

export const languages = { en: 'English', ko: '한국어' };
const saved = localStorage.getItem('citycontrol.lang');
export const lang = languages[saved] ? saved : 'en';
let labels = {};

export const t = (key, fallback) => labels[key] ?? fallback ?? key;

// A label with its values in place: tf('look.gasHigh', 'gas HIGH {0}', 42).
export const tf = (key, english, ...values) => values.reduce((text, value, i) => text.replaceAll(`{${i}}`, value), t(key, english));

// Times as a control room reads them: the 24-hour clock of this browser's time zone, dates year first (2026-11-28 on
// English pages, 2026. 11. 28. on Korean ones).
const locale = lang === 'ko' ? 'ko-KR' : 'en-CA';
const clock = { hourCycle: 'h23', hour: '2-digit', minute: '2-digit' };
const formats = {
  time: new Intl.DateTimeFormat(locale, { ...clock, second: '2-digit' }),
  minutes: new Intl.DateTimeFormat(locale, clock),
  dateTime: new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit', ...clock, second: '2-digit' }),
};
export const timeOf = at => formats.time.format(new Date(at));
export const minutesOf = at => formats.minutes.format(new Date(at));
export const dateTimeOf = at => formats.dateTime.format(new Date(at));

export function applyLabels(root) {
  root.querySelectorAll('[data-i18n]').forEach(element => { element.textContent = t(element.dataset.i18n, element.textContent); });
  root.querySelectorAll('[data-i18n-placeholder]').forEach(element => { element.placeholder = t(element.dataset.i18nPlaceholder, element.placeholder); });
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
