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
  /** TCP flags as bits, from nfdump's `CEUAPRSF` column. */
  flags: number;
}

/** nfdump's flags text (`...A.R..`: a letter where the bit is set, CWR first) as the bits. */
function flagBits(text: string): number {
  let bits = 0;
  for (const c of text) bits = (bits << 1) | (c === '.' ? 0 : 1);
  return bits;
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
      flags: flagBits(c[at('flg')]),
    };
  });
}
