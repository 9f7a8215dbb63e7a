import { LocalNetworks } from '../schema/locality.js';
import type { FlowtrailConfig } from './schema.js';

const built = new WeakMap<FlowtrailConfig, LocalNetworks>();

/** The configuration's `local_networks`, built once per configuration. */
export function localNetworksOf(config: FlowtrailConfig): LocalNetworks {
  let networks = built.get(config);
  if (networks === undefined) {
    networks = new LocalNetworks(config.local_networks);
    built.set(config, networks);
  }
  return networks;
}
