import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/package.js';
import { renderMappingFiles } from './mapping-files.js';
import { buildTemplates, toProperties } from './templates.js';

const retentionMs = { flows: 86_400_000 * 30, alerts: 86_400_000 * 365, events: 86_400_000 * 30 };

describe('index templates', () => {
  it('mappings/ is what the field registry generates (run `npm run gen:mappings`)', () => {
    const expected = renderMappingFiles();
    const root = join(packageRoot(), 'mappings');
    const present = ['component_templates', 'index_templates'].flatMap((dir) =>
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

describe('kibana saved objects', () => {
  it('are valid NDJSON whose data views cover the datasets flowtrail writes', () => {
    const text = readFileSync(join(packageRoot(), 'kibana', 'flowtrail-data-views.ndjson'), 'utf8');
    const objects = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const titles = objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title);
    for (const name of Object.keys(renderMappingFiles())) {
      const match = name.match(/^index_templates\/logs-(.+)\.json$/);
      if (match) expect(titles).toContain(`logs-${match[1]}-*`);
    }
    expect(objects.every((o) => o.attributes.timeFieldName === '@timestamp')).toBe(true);
  });
});
