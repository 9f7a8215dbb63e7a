/**
 * The grammars of what users type as report, search and host parameters, shared by the CLI (flags) and the API
 * (query strings): each value either reads exactly as its grammar says or is refused with a UsageError that names
 * the parameter as the caller knows it. Nothing loosely read (`10.1`, `0x0a.0.0.1`, `1e9`, `__proto__`) reaches
 * Elasticsearch.
 */
import ipaddr from 'ipaddr.js';
import { UsageError } from '../errors.js';
import type { ObserverView } from './observers.js';

/** How a caller names a parameter in messages: the CLI's flags (`--min-bytes`) or the API's (`min_bytes`). */
export type Naming = (key: string) => string;

export const FLAG_NAMES: Naming = (key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const QUERY_NAMES: Naming = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** A dotted-quad IPv4 or a textual IPv6 address; the legacy forms ipaddr.js also takes are refused. */
export function isAddress(text: string): boolean {
  if (DOTTED_QUAD.test(text)) return true;
  return text.includes(':') && /^[0-9A-Fa-f:.]+$/.test(text) && ipaddr.IPv6.isValid(text);
}

export function address(value: string, name: string): string {
  if (!isAddress(value)) throw new UsageError(`${name}: expected an IPv4 or IPv6 address, got "${value}"`);
  return value;
}

/** An address, or a network as `address/prefix` with a prefix its family allows. */
export function addressOrNetwork(value: string, name: string): string {
  const slash = value.indexOf('/');
  const ip = slash === -1 ? value : value.slice(0, slash);
  const prefix = slash === -1 ? undefined : value.slice(slash + 1);
  const bits = ip.includes(':') ? 128 : 32;
  const valid =
    isAddress(ip) && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits));
  if (!valid) throw new UsageError(`${name}: expected an IP address or CIDR, got "${value}"`);
  return value;
}

/** Decimal digits only, within the bounds. */
export function integerIn(value: string, name: string, min: number, max: number): number {
  const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${name}: expected an integer ${min}..${max}`);
  return n;
}

/** One of a fixed set of words, compared as text (never looked up as a property). */
export function oneOf<T extends string>(value: string, name: string, choices: readonly T[]): T {
  const found = choices.find((choice) => choice === value);
  if (found === undefined) throw new UsageError(`${name}: expected one of ${choices.join(', ')}`);
  return found;
}

/** `--observer ID` (one observer's view) and `--by-observer` (every observer's), as flags or query parameters. */
export function parseObserverView(
  given: { observer?: string; byObserver?: boolean | string },
  naming: Naming = FLAG_NAMES,
): ObserverView {
  const each = given.byObserver === true || given.byObserver === 'true';
  if (
    given.byObserver !== undefined &&
    typeof given.byObserver === 'string' &&
    !each &&
    given.byObserver !== 'false'
  )
    throw new UsageError(`${naming('byObserver')}: expected true or false`);
  if (given.observer === undefined) return { each };
  if (!/^[\x21-\x7e]{1,200}$/.test(given.observer))
    throw new UsageError(`${naming('observer')}: expected an observer as flows name it, e.g. 192.0.2.1:2055`);
  return { only: given.observer, each };
}
