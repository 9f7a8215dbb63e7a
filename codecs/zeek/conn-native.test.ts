import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { StreamInfo } from '../../src/codec/types.js';
import { FLOW_TEXT } from '../../src/schema/flow.js';
import { PRIVATE_NETWORKS } from '../../test/support/source-context.js';
import { CONNECTION_TEXT } from './conn.js';
import { NativeConnMapper, nativeConnUnavailable } from './conn-native.js';
import { ZeekDecoder } from './decoder.js';

const stream: StreamInfo = {
  name: 'conn.log',
  identity: 'fp',
  timezone: 'UTC',
  reference: 0,
  localNetworks: PRIVATE_NETWORKS,
  now: () => Date.parse('2026-11-22T03:00:00.123Z'),
};

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\torig_pkts\torig_ip_bytes',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tcount\tcount',
];
const LINE = '1521911720.5\tC1\t10.0.0.1\t40000\t192.0.2.7\t443\ttcp\tXYZ\t3\t180';

/** The line's document, written natively (which this checks) or in TypeScript. */
function documentOf(options: { native: boolean }): string {
  const decoder = new ZeekDecoder(stream, options);
  for (const line of HEADER) decoder.decode({ text: line, offset: 0, number: 0 });
  const nativeMap = vi.spyOn(NativeConnMapper.prototype, 'map');
  const json = decoder.decode({ text: LINE, offset: 1, number: 1 })?.json ?? '';
  const written = nativeMap.mock.results.some((r) => r.type === 'return' && r.value !== undefined);
  nativeMap.mockRestore();
  expect(written).toBe(options.native);
  return json;
}

/** Runs `check` with one piece of a text table replaced, then puts it back. */
function withPiece<T extends object>(table: T, key: keyof T, text: string, check: () => void): void {
  const writable = table as Record<keyof T, unknown>;
  const saved = writable[key];
  writable[key] = text;
  try {
    check();
  } finally {
    writable[key] = saved;
  }
}

describe.runIf(nativeConnUnavailable() === undefined)('the native conn.log mapper', () => {
  it('writes the flow document with the pieces of text src/schema/flow.ts and conn.ts hand it', () => {
    expect(documentOf({ native: true })).toBe(documentOf({ native: false }));
    withPiece(FLOW_TEXT, 'port', ',"port_renamed":', () => {
      const native = documentOf({ native: true });
      expect(native).toContain('"port_renamed":40000');
      expect(native).toBe(documentOf({ native: false }));
    });
    withPiece(CONNECTION_TEXT, 'state', '"state_renamed":', () => {
      expect(documentOf({ native: true })).toContain('"state_renamed":"XYZ"');
    });
  });

  it('holds no member name of the document in its source: every one comes from the TypeScript', () => {
    const source = readFileSync(new URL('./native/zeek_conn.c', import.meta.url), 'utf8');
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    expect(code.match(/\\"[A-Za-z@_]+\\":/g) ?? []).toEqual([]);
  });
});
