import { isIP } from 'node:net';
import { flag, list, number, text } from './fields.js';
import type { ZeekRecord } from './values.js';

type Fields = Record<string, unknown>;

function compact(object: Fields): Fields | undefined {
  let empty = true;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined) delete object[key];
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      if (compact(value as Fields) === undefined) delete object[key];
      else empty = false;
    } else empty = false;
  }
  return empty ? undefined : object;
}

function dns(r: ZeekRecord): Fields {
  const answers = list(r, 'answers') as string[] | undefined;
  const ttls = list(r, 'TTLs') as number[] | undefined;
  const flags = ['AA', 'TC', 'RD', 'RA'].filter((f) => flag(r, f) === true);
  const transId = number(r, 'trans_id');
  return {
    dns: {
      id: transId === undefined ? undefined : String(transId),
      question: { name: text(r, 'query'), type: text(r, 'qtype_name'), class: text(r, 'qclass_name') },
      response_code: text(r, 'rcode_name'),
      header_flags: flags.length > 0 ? flags : undefined,
      answers: answers?.map((data, i) => ({ data, ...(ttls?.[i] !== undefined ? { ttl: ttls[i] } : {}) })),
      resolved_ip: answers?.filter((a) => isIP(a) !== 0),
    },
  };
}

function http(r: ZeekRecord): Fields {
  const uri = text(r, 'uri');
  const host = text(r, 'host');
  const query = uri?.indexOf('?') ?? -1;
  return {
    url: {
      original: uri,
      domain: host,
      path: uri === undefined ? undefined : query === -1 ? uri : uri.slice(0, query),
      query: uri !== undefined && query !== -1 ? uri.slice(query + 1) : undefined,
    },
    http: {
      version: text(r, 'version'),
      request: {
        method: text(r, 'method'),
        referrer: text(r, 'referrer'),
        body: { bytes: number(r, 'request_body_len') },
      },
      response: { status_code: number(r, 'status_code'), body: { bytes: number(r, 'response_body_len') } },
    },
    user_agent: { original: text(r, 'user_agent') },
  };
}

/** `TLSv12` → `1.2`; `SSLv3` → protocol `ssl`, version `3.0`. */
function tlsVersion(version: string | undefined): { version?: string; version_protocol?: string } {
  const match = version === undefined ? null : /^(TLS|SSL|DTLS)v(\d)(\d)?/.exec(version);
  if (match === null) return {};
  return { version_protocol: match[1].toLowerCase(), version: `${match[2]}.${match[3] ?? '0'}` };
}

function ssl(r: ZeekRecord): Fields {
  return {
    tls: {
      ...tlsVersion(text(r, 'version')),
      cipher: text(r, 'cipher'),
      curve: text(r, 'curve'),
      resumed: flag(r, 'resumed'),
      established: flag(r, 'established'),
      next_protocol: text(r, 'next_protocol'),
      client: {
        server_name: text(r, 'server_name'),
        issuer: text(r, 'client_issuer'),
        subject: text(r, 'client_subject'),
      },
      server: { issuer: text(r, 'issuer'), subject: text(r, 'subject') },
    },
  };
}

function files(r: ZeekRecord): Fields {
  return {
    file: {
      name: text(r, 'filename'),
      mime_type: text(r, 'mime_type'),
      size: number(r, 'total_bytes') ?? number(r, 'seen_bytes'),
      hash: { md5: text(r, 'md5'), sha1: text(r, 'sha1'), sha256: text(r, 'sha256') },
    },
  };
}

export interface LogProfile {
  category: string[];
  type: string[];
  /** `network.protocol`, for logs of one application protocol. */
  protocol?: string;
  ecs?: (record: ZeekRecord) => Fields;
}

const PROFILES: Record<string, LogProfile> = {
  dns: { category: ['network'], type: ['protocol', 'info'], protocol: 'dns', ecs: dns },
  http: { category: ['network', 'web'], type: ['protocol', 'access'], protocol: 'http', ecs: http },
  ssl: { category: ['network'], type: ['protocol', 'info'], protocol: 'tls', ecs: ssl },
  ssh: { category: ['network'], type: ['protocol', 'info'], protocol: 'ssh' },
  files: { category: ['file'], type: ['info'], ecs: files },
  x509: { category: ['file'], type: ['info'] },
  weird: { category: ['network'], type: ['info'] },
};

const DEFAULT_PROFILE: LogProfile = { category: ['network'], type: ['info'] };

export function profile(log: string): LogProfile {
  return PROFILES[log] ?? DEFAULT_PROFILE;
}

/** The profile's ECS fields without the ones the record does not have. */
export function ecsFields(p: LogProfile, record: ZeekRecord): Fields {
  return p.ecs === undefined ? {} : (compact(p.ecs(record)) ?? {});
}
