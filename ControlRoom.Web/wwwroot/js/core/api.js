// The platform's HTTP API as the pages use it: JSON in and out, problem details made readable, and the facts the
// server owns (who is signed in; statuses, kinds and transitions) fetched once per page instead of repeated here.

export async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(problemText(body, response.status));
  }
  return body;
}

// A problem details body in one line: its title, then each field's rule in brackets ("title (field: rule; ...)"),
// leaving out the rules the title already states.
export function problemText(problem, status) {
  if (!problem || typeof problem !== 'object') {
    return problem ? String(problem) : `HTTP ${status}`;
  }
  const title = problem.title || `HTTP ${status}`;
  // A rule the title already states is not said twice ("unit: is required for Dispatch", once).
  const fields = Object.entries(problem.errors || {})
    .flatMap(([field, messages]) => messages.map(message => `${field}: ${message}`))
    .filter(text => !title.includes(text))
    .join('; ');
  return title + (fields ? ` (${fields})` : '');
}

let whoAmI;
export const me = () => (whoAmI ??= getJson('/api/me'));

let serverFacts;
export const facts = () => (serverFacts ??= getJson('/api/facts'));
