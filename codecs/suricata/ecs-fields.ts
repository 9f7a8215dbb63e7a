import { isIP } from 'node:net';
import { type Eve, num, object, parseEveTime, str } from './eve.js';

type Fields = Record<string, unknown>;

/** Paths split once: `set` runs a dozen times per event. */
const PATHS = new Map<string, string[]>();

function set(target: Fields, path: string, value: unknown): void {
  if (value === undefined) return;
  let parts = PATHS.get(path);
  if (parts === undefined) {
    parts = path.split('.');
    PATHS.set(path, parts);
  }
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    node[parts[i]] ??= {};
    node = node[parts[i]] as Fields;
  }
  node[parts[parts.length - 1]] = value;
}

function http(eve: Eve, out: Fields): void {
  const h = object(eve.http);
  if (h === undefined) return;
  const url = str(h.url);
  const query = url?.indexOf('?') ?? -1;
  set(out, 'url.original', url);
  set(out, 'url.path', url !== undefined && query !== -1 ? url.slice(0, query) : url);
  if (url !== undefined && query !== -1) set(out, 'url.query', url.slice(query + 1));
  set(out, 'url.domain', str(h.hostname));
  set(out, 'destination.domain', str(h.hostname));
  set(out, 'http.request.method', str(h.http_method));
  set(out, 'http.request.referrer', str(h.http_refer));
  set(out, 'http.response.status_code', num(h.status));
  set(out, 'http.response.body.bytes', num(h.length));
  set(out, 'user_agent.original', str(h.http_user_agent));
}

/** Suricata 4/5 (`rrname`, one answer per event) and 6+ (`queries`/`answers` arrays) both fill dns.*. */
function dns(eve: Eve, out: Fields): void {
  const d = object(eve.dns);
  if (d === undefined) return;
  const type = str(d.type);
  set(out, 'dns.type', type);
  set(out, 'dns.id', d.id === undefined ? undefined : String(d.id));
  set(out, 'dns.response_code', str(d.rcode));
  const question = Array.isArray(d.queries) ? object(d.queries[0]) : type === 'query' ? d : undefined;
  if (question !== undefined) {
    set(out, 'dns.question.name', str(question.rrname));
    set(out, 'dns.question.type', str(question.rrtype));
  }
  const answers = Array.isArray(d.answers)
    ? d.answers.map(object)
    : type === 'answer' && 'rdata' in d
      ? [d]
      : [];
  const mapped = answers
    .filter((a): a is Eve => a !== undefined)
    .map((a) => ({ name: str(a.rrname), type: str(a.rrtype), ttl: num(a.ttl), data: str(a.rdata) }));
  if (mapped.length > 0) {
    set(
      out,
      'dns.answers',
      mapped.map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined))),
    );
    const ips = mapped.map((a) => a.data).filter((ip): ip is string => ip !== undefined && isIP(ip) !== 0);
    if (ips.length > 0) set(out, 'dns.resolved_ip', ips);
  }
}

function dateOf(value: unknown): string | undefined {
  const text = str(value);
  if (text === undefined || text === '') return undefined;
  const ms = parseEveTime(/[Z+-]\d*:?\d*$/.test(text.slice(19)) ? text : `${text}Z`);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function tls(eve: Eve, out: Fields): void {
  const t = object(eve.tls);
  if (t === undefined) return;
  const version = /^(TLS|SSL)v?\s*(\d(?:\.\d)?)/i.exec(str(t.version) ?? '');
  if (version !== null) {
    set(out, 'tls.version_protocol', version[1].toLowerCase());
    set(out, 'tls.version', version[2]);
  }
  // A trailing dot (fully qualified form) is not part of the name a client asked for.
  set(out, 'tls.client.server_name', str(t.sni)?.replace(/\.$/, '') || undefined);
  set(out, 'tls.resumed', t.session_resumed === true ? true : undefined);
  set(out, 'tls.server.subject', str(t.subject) || undefined);
  set(out, 'tls.server.issuer', str(t.issuerdn) || undefined);
  set(out, 'tls.server.not_before', dateOf(t.notbefore));
  set(out, 'tls.server.not_after', dateOf(t.notafter));
  const fingerprint = str(t.fingerprint);
  if (fingerprint) set(out, 'tls.server.hash.sha1', fingerprint.replaceAll(':', '').toUpperCase());
  set(out, 'tls.client.ja3', str(object(t.ja3)?.hash));
  set(out, 'tls.server.ja3s', str(object(t.ja3s)?.hash));
}

function fileinfo(eve: Eve, out: Fields): void {
  const f = object(eve.fileinfo);
  if (f === undefined) return;
  set(out, 'file.path', str(f.filename));
  set(out, 'file.size', num(f.size));
  set(out, 'file.mime_type', str(f.magic));
  set(out, 'file.hash.md5', str(f.md5));
  set(out, 'file.hash.sha1', str(f.sha1));
  set(out, 'file.hash.sha256', str(f.sha256));
}

/** ECS fields of the application-layer objects an EVE event may carry, whatever its event_type. */
export function applicationFields(eve: Eve): Fields {
  const out: Fields = {};
  http(eve, out);
  dns(eve, out);
  tls(eve, out);
  fileinfo(eve, out);
  return out;
}
