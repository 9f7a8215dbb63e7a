import { ParseError } from '../../src/errors.js';

export type Eve = Record<string, unknown>;

const FLOW_ID = /"flow_id"\s*:\s*(\d+)/;

/** One EVE line. `flow_id` is a 64-bit integer that JSON.parse would round, so it is re-read from the text. */
export function parseEve(text: string): { eve: Eve; flowId?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ParseError(`suricata eve: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParseError('suricata eve: line is not an object');
  }
  const eve = value as Eve;
  if (typeof eve.event_type !== 'string') throw new ParseError('suricata eve: no event_type');
  const flowId = eve.flow_id === undefined ? undefined : FLOW_ID.exec(text)?.[1];
  return { eve, flowId };
}

const EVE_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/;

/** Suricata writes `2021-01-27T01:28:11.488362+0100`: an offset without colon, which Date.parse does not take. */
export function parseEveTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = EVE_TIME.exec(value);
  if (match === null) return undefined;
  const [, base, fraction = '', zone = 'Z'] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const seconds = Date.parse(`${base}${offset}`);
  if (Number.isNaN(seconds)) return undefined;
  return seconds + (fraction === '' ? 0 : Number(`0.${fraction}`) * 1000);
}

export function object(value: unknown): Eve | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Eve) : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
