import type { Control } from './dashboard.js';
import { FLOWS } from './data-views.js';

/**
 * Several observers (NetFlow exporters on one link) may report the same traffic, and Kibana adds their records
 * up where flowtrail takes the busiest observer's figure (src/reports/observers.ts). Picking one observer here
 * makes every figure of a traffic dashboard that observer's.
 */
export const OBSERVER_CONTROL: Control = {
  field: 'flowtrail.observer',
  title: 'Observer (pick one where several see the same link)',
  view: FLOWS,
  single: true,
};

export const OBSERVER_NOTE =
  'Several exporters on one link report the same traffic and Kibana adds their records up: pick one observer.';
