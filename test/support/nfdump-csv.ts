import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB } from './lab.js';

export interface CsvFlow {
  sa: string;
  da: string;
  sp: number;
  dp: number;
  pr: string;
  bytes: number;
  packets: number;
}

/** nfdump's own reading of a lab export (`flows/<probe>.nfdump.csv`), the independent reference for its flows. */
export function nfdumpFlows(probe: string): CsvFlow[] {
  const [header, ...rows] = readFileSync(join(LAB, 'flows', `${probe}.nfdump.csv`), 'utf8')
    .trim()
    .split('\n');
  const columns = header.split(',');
  const at = (name: string) => columns.indexOf(name);
  return rows.map((line) => {
    const c = line.split(',');
    return {
      sa: c[at('sa')],
      da: c[at('da')],
      sp: Number(c[at('sp')]),
      dp: Number(c[at('dp')]),
      pr: c[at('pr')].toLowerCase(),
      bytes: Number(c[at('ibyt')]),
      packets: Number(c[at('ipkt')]),
    };
  });
}
