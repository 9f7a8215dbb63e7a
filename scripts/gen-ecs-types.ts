/**
 * Writes src/schema/ecs-types.json: the ECS type of every field in flowtrail's field table, read from ECS's own
 * definitions, and the table's fields ECS does not define (flowtrail.* aside, which is flowtrail's own). A unit test (src/schema/ecs-types.test.ts) holds the
 * field table to it. Run after adding a field, with ECS_VERSION's definitions:
 *
 *   npm pack @elastic/ecs@8.11.5 && tar xzf elastic-ecs-8.11.5.tgz
 *   npx tsx scripts/gen-ecs-types.ts package/build/esm/ecs_flat.js "@elastic/ecs 8.11.5 (build/esm/ecs_flat.js)"
 *
 * ECS's generated/ecs/ecs_flat.yml (github.com/elastic/ecs, tag v8.11.0) is read the same way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { ECS_VERSION } from '../src/schema/ecs.js';
import { allMappedFields } from '../src/schema/fields.js';
import { packageRoot } from '../src/util/package.js';

const [path, source] = process.argv.slice(2);
if (path === undefined || source === undefined) {
  throw new Error('usage: gen-ecs-types.ts <ecs_flat.yml | ecs_flat.js> <where it came from>');
}
type Flat = Record<string, { type: string }>;
const flat: Flat = path.endsWith('.yml')
  ? (parse(readFileSync(path, 'utf8')) as Flat)
  : ((await import(pathToFileURL(resolve(path)).href)) as { EcsFlat: Flat }).EcsFlat;
if (flat['ecs.version'] === undefined)
  throw new Error(`${path}: no ecs.version field; not ECS's flat definition`);

const fields: Record<string, string> = {};
const notInEcs: string[] = [];
for (const name of Object.keys(allMappedFields()).sort()) {
  if (name.startsWith('flowtrail.')) continue;
  const definition = flat[name];
  if (definition === undefined) notInEcs.push(name);
  else fields[name] = definition.type;
}
const out = join(packageRoot(), 'src', 'schema', 'ecs-types.json');
writeFileSync(
  out,
  `${JSON.stringify({ ecs_version: ECS_VERSION, source, fields, not_in_ecs: notInEcs }, null, 2)}\n`,
);
console.log(`wrote ${out}: ${Object.keys(fields).length} ECS fields, ${notInEcs.length} others`);
