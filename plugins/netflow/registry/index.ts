import { IANA_ELEMENTS } from './iana.generated.js';
import { snakeCase } from './names.js';
import type { AbstractType, ElementInfo } from './types.js';
import { ENTERPRISE_ELEMENTS, V9_VENDOR_ELEMENTS } from './vendors.js';

export type { AbstractType, ElementInfo } from './types.js';

/**
 * NetFlow v9 options scope fields have their own type space (RFC 3954 §6.1: 1 System, 2 Interface,
 * 3 Line Card, 4 Cache, 5 Template); templates mark them with this PEN, which no wire PEN can be.
 */
export const V9_SCOPE_PEN = -1;
const V9_SCOPES: Record<number, string> = {
  1: 'system',
  2: 'interface',
  3: 'lineCard',
  4: 'netflowCache',
  5: 'template',
};

/** RFC 5103: PEN 29305 marks the reverse direction of the IANA element with the same id. */
export const REVERSE_PEN = 29305;
const CERT_PEN = 6871;
/** CERT/YAF marks its own reverse elements by setting bit 0x4000 of the id. */
const CERT_REVERSE_BIT = 0x4000;

const iana = new Map<number, ElementInfo>();
for (const [id, name, snake, type] of IANA_ELEMENTS) iana.set(id, { pen: 0, id, name, snake, type });

const cache = new Map<string, ElementInfo>();
/** Templates are attacker-controlled input: random (PEN, id) pairs must not grow the cache without bound. */
const CACHE_LIMIT = 20_000;

function element(pen: number, id: number, name: string, type: AbstractType): ElementInfo {
  return { pen, id, name, snake: snakeCase(name), type };
}

function reverseOf(pen: number, id: number, base: ElementInfo): ElementInfo {
  const name = `reverse${base.name[0].toUpperCase()}${base.name.slice(1)}`;
  return { pen, id, name, snake: `reverse_${base.snake}`, type: base.type };
}

function resolve(pen: number, id: number, v9: boolean): ElementInfo {
  if (pen === V9_SCOPE_PEN) {
    const name = V9_SCOPES[id] ?? `scope${id}`;
    return element(pen, id, name, 'unsigned32');
  }
  if (pen === 0) {
    const standard = iana.get(id);
    if (standard) return standard;
    const vendor = v9 ? V9_VENDOR_ELEMENTS[id] : undefined;
    if (vendor) return element(0, id, vendor[0], vendor[1]);
    return { pen, id, name: `ie${id}`, snake: `ie${id}`, type: 'octetArray' };
  }
  if (pen === REVERSE_PEN) {
    const base = iana.get(id);
    if (base) return reverseOf(pen, id, base);
  }
  const vendor = ENTERPRISE_ELEMENTS[pen]?.[id];
  if (vendor) return element(pen, id, vendor[0], vendor[1]);
  if (pen === CERT_PEN && id & CERT_REVERSE_BIT) {
    const forward = ENTERPRISE_ELEMENTS[pen]?.[id & ~CERT_REVERSE_BIT];
    if (forward) return reverseOf(pen, id, element(pen, id, forward[0], forward[1]));
  }
  return { pen, id, name: `ent${pen}_${id}`, snake: `ent${pen}_${id}`, type: 'octetArray' };
}

/** What an (enterprise, element id) pair means. `v9` selects NetFlow v9's vendor range for ids IANA does not define. */
export function lookupElement(pen: number, id: number, v9 = false): ElementInfo {
  const key = `${v9 ? 'v' : ''}${pen}:${id}`;
  let info = cache.get(key);
  if (!info) {
    info = resolve(pen, id, v9);
    if (cache.size < CACHE_LIMIT) cache.set(key, info);
  }
  return info;
}
