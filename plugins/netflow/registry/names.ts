/**
 * IANA camelCase → the snake_case Filebeat uses for `netflow.*`: a run of capitals is one word
 * (`postNATSourceIPv4Address` → `post_nat_source_ipv4_address`), except that its last capital starts
 * the next word when a lowercase letter follows and the run is longer than two (`selectorIDTotal…` →
 * `selector_id_total…`), while two capitals before lowercase stay together (`IPv4` → `ipv4`).
 */
export function snakeCase(name: string): string {
  let out = '';
  let upperRun = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    const lower = c.toLowerCase();
    if (c !== lower) {
      if (upperRun === 0 && out.length > 0 && !out.endsWith('_')) out += '_';
      upperRun++;
      out += lower;
      continue;
    }
    if (upperRun > 2 && /[a-z]/.test(c)) out = `${out.slice(0, -1)}_${out.slice(-1)}`;
    upperRun = 0;
    out += c === '-' || c === ' ' ? '_' : c;
  }
  return out;
}
