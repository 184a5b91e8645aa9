// One line of an incident's timeline as a person reads it: who did what, the status change if any, and the detail
// unless it only repeats the new status ("acknowledge new → acknowledged", not "... acknowledged acknowledged").
export function timelineText(entry, time) {
  const change = entry.to ? (entry.from ? ` ${entry.from} → ${entry.to}` : ` → ${entry.to}`) : '';
  const detail = entry.detail && entry.detail !== entry.to && entry.detail !== entry.action ? ` ${entry.detail}` : '';
  return `${time} ${entry.actor}: ${entry.action}${change}${detail}`;
}
