/**
 * `watch`'s filter: words that each narrow what every view counts, as typed after `/` or given with --filter.
 * An address or CIDR (either end), `port N` or a bare port number (either end), a protocol name (`tcp`, `udp`,
 * `icmp`, `icmp6`…) or `proto N`, `state S0` (Zeek's conn_state), `vlan N`; `not` before a word turns it round.
 * All words must hold.
 */
import ipaddr from 'ipaddr.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { protocolNumber } from '../../src/schema/protocols.js';
import type { FlowEntry } from './flow-table.js';

type Match = (flow: FlowEntry) => boolean;

export interface FlowFilter {
  /** The words as given, tidied: what the screen shows. */
  text: string;
  matches: Match;
}

export const NO_FILTER: FlowFilter = { text: '', matches: () => true };

export class FilterError extends Error {}

/** `word` as a whole number up to `max`; the error names what was expected. */
function wholeNumber(word: string | undefined, what: string, max: number): number {
  if (word === undefined || !/^\d{1,5}$/.test(word) || Number(word) > max)
    throw new FilterError(`not a ${what}: ${word ?? `(nothing after ${what.split(' ')[0]})`}`);
  return Number(word);
}

const port = (word: string | undefined) => wholeNumber(word, 'port number', 65535);

function network(word: string): Match | undefined {
  let cidr: string;
  if (ipaddr.IPv4.isValidFourPartDecimal(word)) cidr = `${word}/32`;
  else if (ipaddr.IPv6.isValid(word)) cidr = `${word}/128`;
  else if (ipaddr.IPv4.isValidCIDRFourPartDecimal(word) || ipaddr.IPv6.isValidCIDR(word)) cidr = word;
  else return undefined;
  const networks = new LocalNetworks([cidr]);
  // An address is classified once however many flows it is in: a filter sees the same few addresses over and over.
  const seen = new Map<string, boolean>();
  const inside = (address: string) => {
    let found = seen.get(address);
    if (found === undefined) {
      found = networks.locality(address) === 'internal';
      seen.set(address, found);
    }
    return found;
  };
  return (flow) => inside(flow.sourceIp) || inside(flow.destinationIp);
}

/** One word (and the word after it for `port`, `proto`, `state`, `vlan`); returns the match and words used. */
function term(words: string[], at: number): [Match, number] {
  const word = words[at];
  const lower = word.toLowerCase();
  if (lower === 'port') {
    const p = port(words[at + 1]);
    return [(f) => f.sourcePort === p || f.destinationPort === p, 2];
  }
  if (lower === 'proto') {
    const p = words[at + 1] === undefined ? undefined : protocolNumber(words[at + 1]);
    if (p === undefined) throw new FilterError(`not a protocol: ${words[at + 1] ?? '(nothing after proto)'}`);
    return [(f) => f.protocol === p, 2];
  }
  if (lower === 'state') {
    const state = words[at + 1]?.toUpperCase();
    if (state === undefined) throw new FilterError('a conn_state (S0, REJ, SF…) after state');
    return [(f) => f.state === state, 2];
  }
  if (lower === 'vlan') {
    const vlan = wholeNumber(words[at + 1], 'vlan id', 4095);
    return [(f) => f.vlan === vlan, 2];
  }
  if (/^\d{1,5}$/.test(word)) {
    const p = port(word);
    return [(f) => f.sourcePort === p || f.destinationPort === p, 1];
  }
  const inNetwork = network(word);
  if (inNetwork !== undefined) return [inNetwork, 1];
  const protocol = /^\d+$/.test(word) ? undefined : protocolNumber(word);
  if (protocol !== undefined) return [(f) => f.protocol === protocol, 1];
  throw new FilterError(`not an address, network, port or protocol: ${word}`);
}

/** The filter the words say; throws FilterError naming the word it cannot read. */
export function parseFilter(text: string): FlowFilter {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return NO_FILTER;
  const matches: Match[] = [];
  let at = 0;
  while (at < words.length) {
    const negated = words[at].toLowerCase() === 'not' || words[at] === '!';
    if (negated) at++;
    if (at >= words.length) throw new FilterError('nothing after not');
    const [match, used] = term(words, at);
    matches.push(negated ? (f) => !match(f) : match);
    at += used;
  }
  return { text: words.join(' '), matches: (flow) => matches.every((m) => m(flow)) };
}
