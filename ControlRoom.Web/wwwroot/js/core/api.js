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

// A problem details body in one line: its title, then each field's rule in brackets ("title (field: rule; ...)").
export function problemText(problem, status) {
  if (!problem || typeof problem !== 'object') {
    return problem ? String(problem) : `HTTP ${status}`;
  }
  const fields = Object.entries(problem.errors || {}).map(([field, messages]) => `${field}: ${messages.join(', ')}`).join('; ');
  return (problem.title || `HTTP ${status}`) + (fields ? ` (${fields})` : '');
}

let whoAmI;
export const me = () => (whoAmI ??= getJson('/api/me'));

let serverFacts;
export const facts = () => (serverFacts ??= getJson('/api/facts'));
