/** The console's calls to the JSON API of the same server. */

/** Elasticsearch did not answer (the API's 502): the page says so instead of showing figures. */
export class Unavailable extends Error {}

export async function getJson<T>(path: string, query?: URLSearchParams): Promise<T> {
  const text = query?.toString();
  const answer = await fetch(text ? `${path}?${text}` : path, { headers: { accept: 'application/json' } });
  if (answer.status === 401) {
    // The session ran out: the login form brings the person back here.
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new Error('signed out');
  }
  const body = await answer.json();
  if (answer.status === 502) throw new Unavailable(body.error);
  if (!answer.ok) throw new Error(body.error ?? `${path}: HTTP ${answer.status}`);
  return body as T;
}
