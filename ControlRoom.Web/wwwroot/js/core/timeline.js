// One line of an incident's timeline as a person reads it: who did what, the status change if any, and the detail
// unless it only repeats the new status ("acknowledge new → acknowledged", not "... acknowledged acknowledged").
// Who, what and the statuses read in the page's language; the detail stays as the server wrote it.
import { statusName, actionName, actorName } from './names.js';

export function timelineText(entry, time) {
  const change = entry.to ? (entry.from ? ` ${statusName(entry.from)} → ${statusName(entry.to)}` : ` → ${statusName(entry.to)}`) : '';
  const detail = entry.detail && entry.detail !== entry.to && entry.detail !== entry.action ? ` ${entry.detail}` : '';
  return `${time} ${actorName(entry.actor)}: ${actionName(entry.action)}${change}${detail}`;
}
