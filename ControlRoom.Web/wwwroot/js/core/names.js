// How the server's words read in the user's language: statuses, agencies, incident types, an incident's title and its
// procedure steps. The server stores them in English; Korean pages show them from the labels, English pages as stored.
import { t, lang, dateTimeOf } from './i18n.js';

export const statusName = status => t(`status.${status}`, status);
export const agencyNames = agencies => agencies.map(a => t(`agency.${a}`, a)).join(', ');
export const typeName = type => t(`type.${type}`, type);

// Districts and neighbourhoods in the local language (from the basemap), fetched once on Korean pages.
let places = new Map();
export async function loadPlaceNames() {
  if (lang === 'en') return;
  const response = await fetch('/api/map/names');
  if (!response.ok) return;
  const key = name => name.trim().toLowerCase();
  for (const place of await response.json()) {
    const english = key(place.english);
    const bare = english.replace(/[-\s](gu|dong)$/u, '');
    // A district wins over a neighbourhood of the same English name.
    for (const k of [english, bare]) if (!places.has(k) || place.kind === 'district') places.set(k, place.local);
  }
}

// A device's district as the page's language has it ("Guro" reads 구로구 on a Korean page).
export const districtName = district => (lang === 'en' ? district : places.get(String(district).trim().toLowerCase()) ?? district);

// The title the server composed from type, place and district ("Chemical leak, plant-1, Guro"), in Korean from its
// parts; an external warning keeps its own headline.
export function titleOf(summary) {
  if (lang === 'en' || summary.type === 'externalWarning') return summary.title;
  const zone = summary.zone === 'reported by call' ? t('call.reported', 'reported by call') : summary.zone;
  return `${typeName(summary.type)}, ${zone}, ${districtName(summary.district)}`;
}

// A procedure step of the incident's type, by its number.
export const stepText = (type, step) => t(`procedure.${type}.${step.number}`, step.text);

// What a timeline step did ("barrier closing commanded") and who did it ("flood model", "camera cam-yeo-08"), by the
// step's words as the server stores them; the detail stays as written.
const key = words => String(words).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
export const actionName = action => t(`tl.${key(action)}`, action);
export function actorName(actor) {
  const fixed = t(`who.${key(actor)}`, '');
  if (fixed) return fixed;
  const [, kind, rest] = /^(camera|barrier|signal|warning device) (.+)$/u.exec(actor) ?? [];
  return kind ? `${t(`who.${key(kind)}`, kind)} ${rest}` : actor;
}

// A sentence the server said as a phrase (an alarm's message, an incident's opening: { key, args, inner }) in the
// page's language: its template from the labels (phrase.<key>), with its arguments (words translated, times on the
// page's clock) and the inner phrase at {*}. The server's English where it gave no phrase or a template is missing.
export function phraseText(phrase, english) {
  if (!phrase || lang === 'en') return english ?? '';
  try {
    return render(phrase) ?? english ?? '';
  } catch {
    return english ?? ''; // a phrase this page cannot read (a newer server's) is still said, in English
  }
}

function render(phrase) {
  const template = t(`phrase.${phrase.key}`, '');
  if (!template) return null;
  const inner = phrase.inner ? render(phrase.inner) : '';
  if (inner === null) return null;
  return template.replace(/\{(\*|\^?\d+)\}/gu, (_, slot) => {
    if (slot === '*') return inner;
    const capital = slot.startsWith('^');
    const arg = word(phrase.args?.[Number(capital ? slot.slice(1) : slot)] ?? '');
    return capital ? arg.charAt(0).toUpperCase() + arg.slice(1) : arg;
  });
}

// An argument as the server encoded it (Phrases.cs): words by their labels, a time on the page's clock, a text as given.
const word = arg => {
  if (arg.startsWith('\\')) return arg.slice(1);
  if (arg.startsWith('~')) return dateTimeOf(arg.slice(1).split('|')[0]);
  if (!arg.startsWith('@')) return arg;
  return arg.split(', ').map(w => {
    const bar = w.indexOf('|');
    return bar > 1 ? t(w.slice(1, bar), w.slice(bar + 1)) : w;
  }).join(', ');
};
