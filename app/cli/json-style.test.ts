import { describe, expect, it } from 'vitest';
import { findingView } from '../../src/detect/finding.js';
import { kibanaView, setupView } from './commands/setup.js';
import { stackView } from './commands/stack.js';

/** Every key of a JSON value, at any depth. */
function keys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keys);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]);
}

const SNAKE = /^[a-z][a-z0-9_]*$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('the JSON the CLI prints', () => {
  it('setup --kibana --json: snake_case keys, the object types as values only', () => {
    const view = kibanaView({
      url: 'http://kibana:5601',
      space: 'default',
      sent: { 'index-pattern': 6, dashboard: 5 },
      success: false,
      imported: 10,
      failures: [{ type: 'dashboard', id: 'flowtrail-dashboard-host', error: 'conflicts' }],
    });
    expect(keys(view).filter((k) => !SNAKE.test(k))).toEqual([]);
    expect(view).toMatchObject({ sent: 11, failures: [{ type: 'dashboard', title: null }] });
  });

  it('setup --json: snake_case keys', () => {
    const view = setupView({
      cluster: {
        version: '7.10.2',
        distribution: 'elasticsearch',
        flavor: 'oss',
        indexMode: 'daily',
        retentionMode: 'flowtrail',
      },
      changes: [{ kind: 'index_template', name: 'logs-flowtrail.flows', change: 'created' }],
      retention: {
        deleted: ['logs-flowtrail.flows-default-2020.01.01'],
        rolledOver: ['logs-flowtrail.alerts-x'],
      },
      privileges: { checked: false, why: 'no security' },
    });
    expect(keys(view).filter((k) => !SNAKE.test(k))).toEqual([]);
    expect(view).toMatchObject({
      cluster: { index_mode: 'daily', retention_mode: 'flowtrail' },
      retention: {
        deleted: ['logs-flowtrail.flows-default-2020.01.01'],
        rolled_over: ['logs-flowtrail.alerts-x'],
      },
    });
  });

  it('stack up --json: snake_case keys, ports as an array of numbers', () => {
    const view = stackView({
      dataDir: '/data',
      elasticsearch: {
        url: 'http://127.0.0.1:9200',
        pid: 1,
        nodePids: [1],
        nodes: 1,
        httpPorts: [9200],
        logFile: '/data/es.log',
      },
      kafka: {
        bootstrap: '127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096',
        pid: 2,
        pids: [2, 3, 4],
        brokers: 3,
        logFile: '/data/kafka.log',
      },
      startedAt: '2026-11-21T22:05:00.000Z',
    });
    expect(keys(view).filter((k) => !SNAKE.test(k))).toEqual([]);
    expect(view).toMatchObject({
      data_dir: '/data',
      elasticsearch: { http_ports: [9200] },
      kafka: { pids: [2, 3, 4], brokers: 3 },
    });
  });

  it('detect --json and notifications: snake_case keys, ISO 8601 UTC times, severity and title', () => {
    const view = findingView({
      type: 'port_scan',
      direction: 'incoming',
      source: '203.0.113.66',
      destination: '10.77.0.1',
      time: Date.parse('2026-11-21T22:05:31.250Z'),
      windowStart: Date.parse('2026-11-21T22:05:00Z'),
      windowEnd: Date.parse('2026-11-21T22:06:00Z'),
      level: 'high',
      evidence: { flows: 60, failed_share: 0.98, distinct_ports: 55, ports: [22, 80] },
    });
    expect(keys(view).filter((k) => !SNAKE.test(k))).toEqual([]);
    expect(view).toMatchObject({
      time: '2026-11-21T22:05:31.250Z',
      window_start: '2026-11-21T22:05:00.000Z',
      window_end: '2026-11-21T22:06:00.000Z',
      severity: 'high',
      title: 'incoming port scan by 203.0.113.66 of 10.77.0.1',
    });
    for (const time of [view.time, view.window_start, view.window_end]) expect(time).toMatch(ISO_UTC);
  });
});
