import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ECS_VERSION } from './ecs.js';
import { allMappedFields, BASE_FIELDS, DATA_STREAM_FIELDS, DATA_STREAMS, type FieldType } from './fields.js';

/** src/schema/ecs-types.json, written by scripts/gen-ecs-types.ts from ECS's own definitions. */
const extract = JSON.parse(readFileSync(new URL('./ecs-types.json', import.meta.url), 'utf8')) as {
  ecs_version: string;
  source: string;
  fields: Record<string, string>;
  not_in_ecs: string[];
};

/**
 * Fields the table maps that ECS does not define, and why each is there: they are the fields of Elastic's own
 * NetFlow input (Filebeat's netflow module and the NetFlow integration) and of every Beats/Agent log input, so
 * Elastic's dashboards and users' queries for them find flowtrail's documents. Anything else outside
 * `flowtrail.*` must be ECS.
 */
const ELASTIC_NOT_ECS: Record<string, string> = {
  'source.locality': 'Filebeat NetFlow: internal/external by the configured networks',
  'destination.locality': 'Filebeat NetFlow',
  'flow.locality': 'Filebeat NetFlow',
  'flow.id': 'Filebeat NetFlow',
  'input.type': 'Beats/Agent input name; the NetFlow integration dashboards filter on input.type: netflow',
  'log.offset': 'Beats/Agent log inputs: the line offset in its file',
};

/** What a cluster without ECS's newer field types gets instead (7.x, OSS, OpenSearch lack them). */
const STAND_INS: Record<string, FieldType> = { match_only_text: 'text', wildcard: 'keyword' };

describe('the field table against ECS', () => {
  const all = allMappedFields();

  it(`is checked against the definitions of the ECS version the documents claim (${ECS_VERSION})`, () => {
    expect(extract.ecs_version).toBe(ECS_VERSION);
    expect(extract.source).toMatch(/ecs/i);
  });

  it('has an extract for every field it maps (else run scripts/gen-ecs-types.ts)', () => {
    const listed = new Set([...Object.keys(extract.fields), ...extract.not_in_ecs]);
    // flowtrail.* is flowtrail's own; zeek.*, suricata.*, netflow.*, goflow2.* and pcap.* (the packet tap's) are
    // the sources' namespaces.
    const ours = Object.keys(all).filter(
      (name) => !/^(flowtrail|zeek|suricata|netflow|goflow2|pcap)\./.test(name),
    );
    expect(ours.filter((name) => !listed.has(name))).toEqual([]);
    expect([...listed].filter((name) => !(name in all))).toEqual([]);
  });

  it('gives every ECS field the type ECS gives it', () => {
    const wrong = Object.entries(extract.fields)
      .filter(([name, ecsType]) => all[name].type !== (STAND_INS[ecsType] ?? ecsType))
      .map(([name, ecsType]) => `${name}: ours ${all[name].type}, ECS ${ecsType}`);
    expect(wrong).toEqual([]);
  });

  it('invents nothing inside ECS namespaces: fields ECS lacks are flowtrail.* or Elastic input fields', () => {
    expect([...extract.not_in_ecs].sort()).toEqual(Object.keys(ELASTIC_NOT_ECS).sort());
  });

  it('maps a field to one type in every template, so a data view over all of them has no conflict', () => {
    const seen = new Map<string, string>();
    const conflicts: string[] = [];
    for (const fields of [BASE_FIELDS, DATA_STREAM_FIELDS, ...DATA_STREAMS.map((s) => s.fields)]) {
      for (const [name, spec] of Object.entries(fields)) {
        const before = seen.get(name);
        if (before !== undefined && before !== spec.type)
          conflicts.push(`${name}: ${before} and ${spec.type}`);
        seen.set(name, spec.type);
      }
    }
    expect(conflicts).toEqual([]);
  });
});
