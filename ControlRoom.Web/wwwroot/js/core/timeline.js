// One line of an incident's timeline as a person reads it: who did what, the status change if any, and the detail
// unless it only repeats the new status ("acknowledge new → acknowledged", not "... acknowledged acknowledged").
// Who, what and the statuses read in the page's language, and the detail where the server said it as a phrase.
import { statusName, actionName, actorName, phraseText } from './names.js';

export function timelineText(entry, time) {
  const change = entry.to ? (entry.from ? ` ${statusName(entry.from)} → ${statusName(entry.to)}` : ` → ${statusName(entry.to)}`) : '';
  const detail = entry.detail && entry.detail !== entry.to && entry.detail !== entry.action ? ` ${phraseText(entry.said, entry.detail)}` : '';
  return `${time} ${actorName(entry.actor)}: ${actionName(entry.action)}${change}${detail}`;
}
