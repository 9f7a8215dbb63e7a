import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/package.js';
import { renderMappingFiles } from './mapping-files.js';
import {
  buildTemplates,
  descriptionHash,
  INGEST_PIPELINE,
  SETTINGS_COMPONENT,
  toProperties,
} from './templates.js';

const retentionMs = { flows: 86_400_000 * 30, alerts: 86_400_000 * 365, events: 86_400_000 * 30 };

describe('index templates', () => {
  it('mappings/ is what the field registry generates (run `npm run gen:mappings`)', () => {
    const expected = renderMappingFiles();
    const root = join(packageRoot(), 'mappings');
    const present = ['component_templates', 'index_templates', 'ingest_pipelines'].flatMap((dir) =>
      readdirSync(join(root, dir)).map((name) => `${dir}/${name}`),
    );
    expect(present.sort()).toEqual(Object.keys(expected).sort());
    for (const [relative, content] of Object.entries(expected)) {
      expect(readFileSync(join(root, relative), 'utf8'), relative).toBe(content);
    }
  });

  it('nests dotted names', () => {
    expect(toProperties({ 'source.ip': { type: 'ip' }, 'source.port': { type: 'long' } })).toEqual({
      source: { properties: { ip: { type: 'ip' }, port: { type: 'long' } } },
    });
  });

  it('puts retention where each kind of cluster expects it', () => {
    const lifecycle = buildTemplates(
      { retentionMs, retentionMode: 'lifecycle', indexMode: 'data_stream' },
      'x',
    );
    expect((lifecycle.indexTemplates['logs-flowtrail.flows'].template as any).lifecycle).toEqual({
      data_retention: '30d',
    });
    expect(lifecycle.ilmPolicies).toEqual({});

    const ilm = buildTemplates({ retentionMs, retentionMode: 'ilm', indexMode: 'data_stream' }, 'x');
    expect(
      (ilm.indexTemplates['logs-flowtrail.alerts'].template as any).settings['index.lifecycle.name'],
    ).toBe('flowtrail-alerts');
    expect((ilm.ilmPolicies['flowtrail-alerts'].policy as any).phases.delete.min_age).toBe('365d');

    const none = buildTemplates({ retentionMs, retentionMode: 'flowtrail', indexMode: 'daily' }, 'x');
    expect(none.indexTemplates['logs-flowtrail.flows'].template).toBeUndefined();
    expect(none.indexTemplates['logs-flowtrail.flows'].data_stream).toBeUndefined();
    expect(none.indexTemplates['logs-flowtrail.flows'].index_patterns).toEqual(['logs-flowtrail.flows-*']);
  });

  it('changes the content hash when the content changes, not when only the version does', () => {
    const hash = (set: ReturnType<typeof buildTemplates>) =>
      (set.indexTemplates['logs-flowtrail.flows']._meta as any).hash;
    const a = buildTemplates({ retentionMs, retentionMode: 'lifecycle', indexMode: 'data_stream' }, '1.0.0');
    const b = buildTemplates({ retentionMs, retentionMode: 'lifecycle', indexMode: 'data_stream' }, '2.0.0');
    const c = buildTemplates(
      {
        retentionMs: { ...retentionMs, flows: 86_400_000 * 7 },
        retentionMode: 'lifecycle',
        indexMode: 'data_stream',
      },
      '1.0.0',
    );
    expect(hash(a)).toBe(hash(b));
    expect(hash(a)).not.toBe(hash(c));
  });
});

describe('templates for every dataset', () => {
  const options = { retentionMs, retentionMode: 'lifecycle', indexMode: 'data_stream' } as const;

  it('keep single-node clusters green and run the ingest pipeline on every index', () => {
    const set = buildTemplates(options, 'x');
    const settings = (set.componentTemplates[SETTINGS_COMPONENT].template as any).settings;
    expect(settings['index.auto_expand_replicas']).toBe('0-1');
    expect(settings['index.final_pipeline']).toBe(INGEST_PIPELINE);
    for (const [name, template] of Object.entries(set.indexTemplates)) {
      expect(template.composed_of, name).toContain(SETTINGS_COMPONENT);
    }
  });

  it('give a dataset its own template above its family, and the family one to any other log or event type', () => {
    const set = buildTemplates(options, 'x');
    const dns = set.indexTemplates['logs-flowtrail.zeek_dns'];
    const zeek = set.indexTemplates['logs-flowtrail.zeek_any'];
    expect(dns.index_patterns).toEqual(['logs-flowtrail.zeek_dns-*']);
    expect(zeek.index_patterns).toEqual(['logs-flowtrail.zeek_*']);
    expect(dns.priority as number).toBeGreaterThan(zeek.priority as number);
    expect(set.indexTemplates['logs-flowtrail.suricata_any'].index_patterns).toEqual([
      'logs-flowtrail.suricata_*',
    ]);
  });

  it('compose the cluster components and users hooks that exist, in the order Elastic composes its own', () => {
    const none = buildTemplates(options, 'x');
    expect(none.indexTemplates['logs-flowtrail.flows'].composed_of).toEqual([
      SETTINGS_COMPONENT,
      'flowtrail-ecs-mappings',
      'flowtrail-flows-mappings',
    ]);
    const existingComponents = new Set([
      'logs@settings',
      'ecs@mappings',
      'logs@custom',
      'logs-flowtrail.flows@custom',
      'logs-flowtrail.alerts@mappings',
    ]);
    const all = buildTemplates({ ...options, existingComponents }, 'x');
    expect(all.indexTemplates['logs-flowtrail.flows'].composed_of).toEqual([
      'logs@settings',
      SETTINGS_COMPONENT,
      'flowtrail-ecs-mappings',
      'flowtrail-flows-mappings',
      'logs@custom',
      'logs-flowtrail.flows@custom',
      'ecs@mappings',
    ]);
    expect(all.indexTemplates['logs-flowtrail.alerts'].composed_of).not.toContain(
      'logs-flowtrail.flows@custom',
    );
    // logs@settings names Elastic's ILM policy; flowtrail's lifecycle must win over it.
    expect((all.indexTemplates['logs-flowtrail.flows'].template as any).settings).toEqual({
      'index.lifecycle.prefer_ilm': false,
    });
    expect((none.indexTemplates['logs-flowtrail.flows'].template as any).settings).toBeUndefined();
  });

  it('map data_stream.* on data streams only, as constant_keyword where the cluster has it', () => {
    const props = (set: ReturnType<typeof buildTemplates>, component: string) =>
      (set.componentTemplates[component].template as any).mappings.properties;
    const streams = buildTemplates(options, 'x');
    expect(props(streams, 'flowtrail-flows-mappings').data_stream.properties).toEqual({
      type: { type: 'constant_keyword', value: 'logs' },
      dataset: { type: 'constant_keyword', value: 'flowtrail.flows' },
      namespace: { type: 'constant_keyword' },
    });
    expect(props(streams, 'flowtrail-zeek_any-mappings').data_stream.properties.dataset).toEqual({
      type: 'constant_keyword',
    });
    const opensearch = buildTemplates({ ...options, constantKeyword: false }, 'x');
    expect(props(opensearch, 'flowtrail-flows-mappings').data_stream.properties.type).toEqual({
      type: 'keyword',
    });
    const daily = buildTemplates({ retentionMs, retentionMode: 'flowtrail', indexMode: 'daily' }, 'x');
    expect(props(daily, 'flowtrail-flows-mappings').data_stream).toBeUndefined();
  });

  it('set event.ingested at index time, and data_stream.* from the stream name on data streams', () => {
    const processors = (indexMode: 'data_stream' | 'daily') =>
      (
        buildTemplates({ retentionMs, retentionMode: 'flowtrail', indexMode }, 'x').ingestPipelines[
          INGEST_PIPELINE
        ].processors as Array<Record<string, any>>
      ).map((p) => Object.keys(p)[0]);
    expect(processors('daily')).toEqual(['set']);
    expect(processors('data_stream')).toEqual(['set', 'dissect']);
  });

  it('keep the pipeline content hash in its description, unchanged by the version alone', () => {
    const description = (version: string) =>
      buildTemplates(options, version).ingestPipelines[INGEST_PIPELINE].description;
    expect(descriptionHash(description('1.0.0'))).toMatch(/^[0-9a-f]{16}$/);
    expect(descriptionHash(description('1.0.0'))).toBe(descriptionHash(description('2.0.0')));
    expect(descriptionHash('set by hand')).toBeUndefined();
  });
});

describe('kibana saved objects', () => {
  it('are valid NDJSON whose data views cover the datasets flowtrail writes', () => {
    const text = readFileSync(join(packageRoot(), 'kibana', 'flowtrail.ndjson'), 'utf8');
    const objects = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const views = objects.filter((o) => o.type === 'index-pattern');
    const titles: string[] = views.map((o) => o.attributes.title);
    const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
    const uncovered: string[] = [];
    const set = buildTemplates({ retentionMs, retentionMode: 'flowtrail', indexMode: 'daily' }, 'x');
    for (const template of Object.values(set.indexTemplates)) {
      // An index of the template, named as the sink names it: the patterns' wildcards stand for a dataset's
      // remainder or a namespace and day.
      const example = (template.index_patterns as string[])[0].replace(/\*/g, 'x-default-2026.01.01');
      // The catch-all view over everything flowtrail writes does not count: each kind has a view of its own.
      if (!titles.some((title) => title !== 'logs-flowtrail.*-*' && glob(title).test(example))) {
        uncovered.push(example);
      }
    }
    expect(uncovered).toEqual([]);
    expect(views.every((o) => o.attributes.timeFieldName === '@timestamp')).toBe(true);
  });
});
