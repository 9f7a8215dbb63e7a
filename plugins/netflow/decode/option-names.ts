/**
 * Interface and application names that exporters announce in options data: IPFIX/v9 options records carrying an
 * interface (ingressInterface / egressInterface, or v9's Interface scope) with interfaceName (IE 82) or
 * interfaceDescription (IE 83), and NBAR2-style tables of applicationId (IE 95) with applicationName (IE 96) or
 * applicationDescription (IE 94). Flow records of the same observation domain are named from them.
 */
import type { ObservedInterface } from '../../../src/schema/flow.js';
import type { DomainState, ExporterState, OptionName } from './exporter-state.js';
import type { CompiledTemplate, FieldValue } from './template.js';

/** Longer names are cut: real ones are tens of characters, a crafted one could be 65 535. */
export const MAX_NAME_CHARS = 256;
/** Estimated heap bytes of one table entry besides its strings (map slot, object, key). */
const ENTRY_BYTES = 120;

export function optionNameCost(entry: OptionName): number {
  return ENTRY_BYTES + 2 * ((entry.name?.length ?? 0) + (entry.description?.length ?? 0));
}

function text(values: FieldValue[], index: number): string | undefined {
  if (index < 0) return undefined;
  const value = values[index];
  if (typeof value !== 'string') return undefined;
  // Exporters pad fixed-length names with NULs or spaces.
  const trimmed = value.replace(/\0+$/, '').trim();
  return trimmed.length === 0 ? undefined : trimmed.slice(0, MAX_NAME_CHARS);
}

function num(values: FieldValue[], index: number): number | undefined {
  if (index < 0) return undefined;
  const value = values[index];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function entryOf(name: string | undefined, description: string | undefined): OptionName | undefined {
  if (name === undefined && description === undefined) return undefined;
  const entry: { name?: string; description?: string } = {};
  if (name !== undefined) entry.name = name;
  if (description !== undefined) entry.description = description;
  return entry;
}

/** Puts `entry` into `table` unless the shared byte bound would be passed (counted as `option_names`). */
function put<K>(state: ExporterState, table: Map<K, OptionName>, key: K, entry: OptionName): void {
  const { budget, settings } = state;
  const old = table.get(key);
  if (old && old.name === entry.name && old.description === entry.description) return;
  const freed = old ? optionNameCost(old) : 0;
  const cost = optionNameCost(entry);
  if (budget.optionNameBytes - freed + cost > settings.maxOptionNameBytes) {
    budget.hits.option_names++;
    return;
  }
  table.set(key, entry);
  state.optionNameBytes += cost - freed;
  budget.optionNameBytes += cost - freed;
}

/** Learns the names an options record announces, if any, into its domain's tables. */
export function learnOptionNames(
  state: ExporterState,
  domain: DomainState,
  t: CompiledTemplate,
  v: FieldValue[],
): void {
  const at = t.at;
  const iface = entryOf(text(v, at.interfaceName), text(v, at.interfaceDescription));
  if (iface) {
    const id = num(v, at.interfaceScope) ?? num(v, at.ingressInterface) ?? num(v, at.egressInterface);
    if (id !== undefined) put(state, domain.interfaces, id, iface);
  }
  if (at.applicationId >= 0) {
    const app = entryOf(text(v, at.applicationName), text(v, at.applicationDescription));
    const id = v[at.applicationId];
    if (app && id !== undefined) put(state, domain.applications, String(id), app);
  }
}

/** Puts restored entries back, within the bound. */
export function restoreOptionNames(
  state: ExporterState,
  domain: DomainState,
  interfaces: ReadonlyArray<[number, string | null, string | null]>,
  applications: ReadonlyArray<[string, string | null, string | null]>,
): void {
  for (const [id, name, description] of interfaces) {
    const entry = entryOf(name ?? undefined, description ?? undefined);
    if (entry && Number.isInteger(id)) put(state, domain.interfaces, id, entry);
  }
  for (const [id, name, description] of applications) {
    const entry = entryOf(name ?? undefined, description ?? undefined);
    if (entry && typeof id === 'string') put(state, domain.applications, id, entry);
  }
}

/** A domain's tables as snapshot rows. */
export function optionNameRows(domain: DomainState): {
  interfaces: Array<[number, string | null, string | null]>;
  applications: Array<[string, string | null, string | null]>;
} {
  const row = <K>([key, e]: [K, OptionName]): [K, string | null, string | null] => [
    key,
    e.name ?? null,
    e.description ?? null,
  ];
  return { interfaces: [...domain.interfaces].map(row), applications: [...domain.applications].map(row) };
}

/**
 * Interface `id` of the domain in ECS terms. IE 82 is the name; IE 83 the description, which becomes the alias, or
 * the name when the exporter sends no IE 82 (IOS XR's interface table sends only IE 83, holding the name).
 */
export function observedInterface(domain: DomainState, id: number): ObservedInterface {
  const iface: ObservedInterface = { id: String(id) };
  const known = domain.interfaces.get(id);
  if (known === undefined) return iface;
  if (known.name !== undefined) {
    iface.name = known.name;
    if (known.description !== undefined && known.description !== known.name) iface.alias = known.description;
  } else if (known.description !== undefined) {
    iface.name = known.description;
  }
  return iface;
}

/** `network.application` of an applicationId: the name the domain's options announced, lower case (as ECS asks). */
export function applicationName(domain: DomainState, id: FieldValue | undefined): string | undefined {
  if (id === undefined || domain.applications.size === 0) return undefined;
  return domain.applications.get(String(id))?.name?.toLowerCase();
}
