// The platform's HTTP API as the pages use it: JSON in and out, problem details made readable, and the facts the
// server owns (who is signed in; statuses, kinds and transitions) fetched once per page instead of repeated here.

export async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(problemText(body) || `HTTP ${response.status}`);
  }
  return body;
}

// A request with a JSON body (or none); the answer as { ok, status, body }, never thrown for a 4xx.
export async function send(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { ok: response.ok, status: response.status, body: parsed };
}

// A problem details body in one line: its title, then each field's errors ("field: message").
export function problemText(problem) {
  if (!problem || typeof problem !== 'object') {
    return problem ? String(problem) : '';
  }
  const errors = Object.entries(problem.errors || {}).flatMap(([field, messages]) => messages.map(m => `${field}: ${m}`));
  return errors.length > 0 ? errors.join('; ') : (problem.detail || problem.title || '');
}

let whoAmI;
export const me = () => (whoAmI ??= getJson('/api/me'));

let serverFacts;
export const facts = () => (serverFacts ??= getJson('/api/facts'));
