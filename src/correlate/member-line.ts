/**
 * One readable line per session member, whatever tool logged it: what an analyst would otherwise read off each
 * log by hand (the DNS question and its answers, the HTTP request and its status, the TLS server name, version and
 * certificate, a file's name and hashes).
 */

type Doc = Record<string, unknown>;

function at(doc: Doc, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Doc)[part];
  }
  return node;
}

function text(doc: Doc, path: string): string | undefined {
  const value = at(doc, path);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function texts(doc: Doc, path: string): string[] {
  const value = at(doc, path);
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
}

const SHOWN_ANSWERS = 5;

function dnsLine(doc: Doc): string | undefined {
  const answerList = at(doc, 'dns.answers');
  const answers = Array.isArray(answerList) ? (answerList as Doc[]) : [];
  // Suricata before 6 logs each answer as an event of its own, without the question: it names the record instead.
  const name = text(doc, 'dns.question.name') ?? (answers[0] && text(answers[0], 'name'));
  if (name === undefined) return undefined;
  const type = text(doc, 'dns.question.type') ?? (answers[0] && text(answers[0], 'type')) ?? '';
  const data = answers.map((a) => text(a, 'data')).filter((a): a is string => a !== undefined);
  const resolved = data.length > 0 ? data : texts(doc, 'dns.resolved_ip');
  const more = resolved.length > SHOWN_ANSWERS ? ` (+${resolved.length - SHOWN_ANSWERS})` : '';
  const rcode = text(doc, 'dns.response_code');
  const answer =
    resolved.length > 0
      ? ` -> ${resolved.slice(0, SHOWN_ANSWERS).join(', ')}${more}`
      : rcode !== undefined
        ? ` -> ${rcode}`
        : '';
  return `dns ${type ? `${type} ` : ''}${name}${answer}`;
}

function httpLine(doc: Doc): string | undefined {
  const method = text(doc, 'http.request.method');
  const uri = text(doc, 'url.original') ?? text(doc, 'url.path');
  if (method === undefined && uri === undefined) return undefined;
  const host = text(doc, 'url.domain') ?? '';
  const status = text(doc, 'http.response.status_code');
  return `http ${method ?? '?'} ${host}${uri ?? ''}${status !== undefined ? ` -> ${status}` : ''}`;
}

function tlsLine(doc: Doc): string | undefined {
  const sni = text(doc, 'tls.client.server_name');
  const version = text(doc, 'tls.version');
  const subject = text(doc, 'tls.server.subject');
  if (sni === undefined && version === undefined && subject === undefined) return undefined;
  const protocol = text(doc, 'tls.version_protocol') ?? 'tls';
  const parts = [`${protocol}${version ? ` ${version}` : ''}`];
  if (sni !== undefined) parts.push(`sni ${sni}`);
  if (subject !== undefined) parts.push(`cert ${subject}`);
  return parts.join(' ');
}

function fileLine(doc: Doc): string | undefined {
  const name = text(doc, 'file.name') ?? text(doc, 'file.path');
  const hashes = ['sha256', 'sha1', 'md5']
    .map((h) => [h, text(doc, `file.hash.${h}`)] as const)
    .filter(([, v]) => v !== undefined);
  const mime = text(doc, 'file.mime_type');
  if (name === undefined && hashes.length === 0 && mime === undefined) return undefined;
  const size = text(doc, 'file.size');
  return [
    `file ${name ?? '(unnamed)'}`,
    ...(mime !== undefined ? [mime] : []),
    ...(size !== undefined ? [`${size} bytes`] : []),
    ...hashes.slice(0, 1).map(([h, v]) => `${h} ${v}`),
  ].join(' ');
}

function x509Line(doc: Doc): string | undefined {
  const subject = text(doc, 'zeek.x509.certificate.subject');
  if (subject === undefined) return undefined;
  const issuer = text(doc, 'zeek.x509.certificate.issuer');
  return `certificate ${subject}${issuer !== undefined ? ` issued by ${issuer}` : ''}`;
}

function endpoints(doc: Doc): string {
  const end = (side: string) => {
    const ip = text(doc, `${side}.ip`);
    const port = text(doc, `${side}.port`);
    return ip === undefined ? '?' : port === undefined ? ip : `${ip}:${port}`;
  };
  return `${end('source')} -> ${end('destination')}`;
}

function alertLine(doc: Doc): string {
  const rule = text(doc, 'rule.name') ?? text(doc, 'rule.description') ?? text(doc, 'message') ?? '?';
  const id = text(doc, 'rule.id');
  return `alert ${id !== undefined ? `[${id}] ` : ''}${rule} ${endpoints(doc)}`;
}

function flowLine(doc: Doc): string {
  const transport = text(doc, 'network.transport') ?? '';
  const bytes = text(doc, 'network.bytes') ?? '0';
  const packets = text(doc, 'network.packets') ?? '0';
  const flags = texts(doc, 'flowtrail.tcp_flags');
  const observer = text(doc, 'flowtrail.observer');
  return `flow ${transport} ${endpoints(doc)} ${bytes} bytes ${packets} packets${flags.length > 0 ? ` [${flags.join(',')}]` : ''}${observer !== undefined ? ` (${observer})` : ''}`;
}

const FIRST: Record<string, (doc: Doc) => string | undefined> = {
  files: fileLine,
  fileinfo: fileLine,
  x509: x509Line,
};

/** The tool's name for a member's kind: the Zeek log, the EVE event type. */
export function memberKind(doc: Doc): string {
  const dataset = text(doc, 'event.dataset') ?? '';
  const match = /^flowtrail\.(?:zeek|suricata)_(.+)$/.exec(dataset);
  if (match !== null) return match[1];
  if (text(doc, 'event.kind') === 'alert') return 'alert';
  return dataset === 'flowtrail.flows' ? 'flow' : dataset || 'event';
}

/** The member's line, without its time and tool (the timeline prints those before it). */
export function memberLine(doc: Doc): string {
  if (text(doc, 'event.kind') === 'alert') return alertLine(doc);
  if (text(doc, 'event.dataset') === 'flowtrail.flows') return flowLine(doc);
  const kind = memberKind(doc);
  // A record of a file (Suricata's fileinfo carries the HTTP request it came in) reads as the file first.
  const first = FIRST[kind];
  const line =
    first?.(doc) ?? dnsLine(doc) ?? httpLine(doc) ?? tlsLine(doc) ?? fileLine(doc) ?? x509Line(doc);
  if (line !== undefined) return line;
  // Anything else (weird, anomaly, ssh, a log flowtrail has no ECS profile for): what happened, and between whom.
  const what =
    text(doc, 'zeek.weird.name') ??
    text(doc, 'suricata.eve.anomaly.event') ??
    text(doc, 'event.action') ??
    kind;
  return `${kind} ${what === kind ? '' : `${what} `}${endpoints(doc)}`;
}
