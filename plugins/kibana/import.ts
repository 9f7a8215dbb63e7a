/**
 * Kibana's saved objects API, `_import` only: what `flowtrail setup --kibana` uses to load the dashboards. Node's
 * own fetch and FormData build the multipart request, so Kibana needs no client library.
 */
import { redactUrl } from '../../src/util/url.js';

export type KibanaAuth = { apiKey: string } | { username: string; password: string };

export interface KibanaConnection {
  /** Base URL, with Kibana's base path if it has one. */
  url: string;
  /** Space id; `default` is addressed without `/s/<space>`. */
  space: string;
  auth?: KibanaAuth;
  requestTimeoutMs: number;
}

/** One object Kibana did not import, and why, in words. */
export interface ImportFailure {
  type: string;
  id: string;
  title?: string;
  error: string;
}

export interface ImportReport {
  /** Where the objects went, without credentials. */
  url: string;
  space: string;
  /** Objects sent, by type. */
  sent: Record<string, number>;
  /** Kibana's verdict: every object imported. */
  success: boolean;
  imported: number;
  failures: ImportFailure[];
}

/** Kibana could not be asked, or refused the request as a whole (as opposed to some of its objects). */
export class KibanaError extends Error {
  override readonly name = 'KibanaError';
}

/** What Kibana answers to `_import` (Kibana 7.x to 9.x). */
interface ImportResponse {
  success?: boolean;
  successCount?: number;
  errors?: Array<{
    id: string;
    type: string;
    title?: string;
    meta?: { title?: string };
    error: { type: string; message?: string; references?: Array<{ type: string; id: string }> };
  }>;
}

function importUrl(connection: KibanaConnection): string {
  const base = connection.url.replace(/\/+$/, '');
  const space = connection.space === 'default' ? '' : `/s/${encodeURIComponent(connection.space)}`;
  return `${base}${space}/api/saved_objects/_import?overwrite=true`;
}

function authorization(auth: KibanaAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ('apiKey' in auth) return { authorization: `ApiKey ${auth.apiKey}` };
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}

function describeFailure(error: NonNullable<ImportResponse['errors']>[number]['error']): string {
  switch (error.type) {
    case 'missing_references':
      return `refers to objects Kibana does not have: ${(error.references ?? []).map((r) => `${r.type} ${r.id}`).join(', ')}`;
    case 'unsupported_type':
      return 'Kibana does not know this type of object (Kibana 8.x or later is needed)';
    case 'conflict':
    case 'ambiguous_conflict':
      return 'conflicts with an object Kibana already has';
    default:
      return error.message ? `${error.type}: ${error.message}` : error.type;
  }
}

/** The reason in Kibana's error body (`{"statusCode":403,"error":"Forbidden","message":"…"}`), or the text itself. */
function reasonOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string; error?: string };
    return parsed.message ?? parsed.error ?? body;
  } catch {
    return body.slice(0, 500);
  }
}

function countByType(ndjson: string): Record<string, number> {
  const sent: Record<string, number> = {};
  for (const line of ndjson.split('\n')) {
    if (line === '') continue;
    const { type } = JSON.parse(line) as { type: string };
    sent[type] = (sent[type] ?? 0) + 1;
  }
  return sent;
}

/**
 * Imports `ndjson` (one saved object a line), overwriting objects of the same ids. Objects Kibana refuses are in
 * the report's `failures`; a request Kibana refuses as a whole (credentials, privileges, an unknown space) or
 * cannot be sent throws a {@link KibanaError} that says which.
 */
export async function importSavedObjects(
  connection: KibanaConnection,
  ndjson: string,
  fileName: string,
): Promise<ImportReport> {
  const target = importUrl(connection);
  const where = redactUrl(connection.url);
  const form = new FormData();
  // Kibana takes the objects from the multipart field `file` and refuses a file whose name is not *.ndjson.
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), fileName);
  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      // Kibana refuses state-changing API calls without this header (its cross-site request forgery guard).
      headers: { 'kbn-xsrf': 'flowtrail', ...authorization(connection.auth) },
      body: form,
      signal: AbortSignal.timeout(connection.requestTimeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new KibanaError(`Kibana at ${where} could not be reached: ${cause}`);
  }
  const body = await response.text();
  if (response.status === 401)
    throw new KibanaError(
      `Kibana at ${where} refused the credentials (401): set kibana.username/password or api_key`,
    );
  if (response.status === 403)
    throw new KibanaError(`Kibana at ${where} refused the import (403): ${reasonOf(body)}`);
  if (response.status === 404 && connection.space !== 'default')
    throw new KibanaError(`Kibana at ${where} has no space "${connection.space}" (404): ${reasonOf(body)}`);
  if (!response.ok)
    throw new KibanaError(`Kibana at ${where} answered ${response.status}: ${reasonOf(body)}`);
  let answer: ImportResponse;
  try {
    answer = JSON.parse(body) as ImportResponse;
  } catch {
    throw new KibanaError(`Kibana at ${where} answered ${response.status} with no JSON: is it Kibana?`);
  }
  if (typeof answer.success !== 'boolean')
    throw new KibanaError(`Kibana at ${where} answered without "success": is it Kibana 7.x or later?`);
  return {
    url: where,
    space: connection.space,
    sent: countByType(ndjson),
    success: answer.success,
    imported: answer.successCount ?? 0,
    failures: (answer.errors ?? []).map((e) => ({
      type: e.type,
      id: e.id,
      title: e.title ?? e.meta?.title,
      error: describeFailure(e.error),
    })),
  };
}
