import { describe, expect, it } from 'vitest';
import { logFormat } from './logger.js';
import { prettyLine } from './pretty.js';

describe('log format', () => {
  it('is pretty on a terminal and JSON otherwise, unless FLOWTRAIL_LOG_FORMAT says', () => {
    expect(logFormat({}, true)).toEqual({ format: 'pretty' });
    expect(logFormat({}, false)).toEqual({ format: 'json' });
    expect(logFormat({ FLOWTRAIL_LOG_FORMAT: 'json' }, true)).toEqual({ format: 'json' });
    expect(logFormat({ FLOWTRAIL_LOG_FORMAT: 'pretty' }, false)).toEqual({ format: 'pretty' });
    expect(logFormat({ FLOWTRAIL_LOG_FORMAT: 'yaml' }, false)).toEqual({ format: 'json', invalid: 'yaml' });
  });
});

describe('prettyLine', () => {
  const time = new Date(2026, 10, 21, 22, 5, 7).getTime();

  it('shows time, level, plugin and message, then the fields as key=value', () => {
    const line = JSON.stringify({
      level: 30,
      time,
      pid: 1,
      hostname: 'h',
      name: 'flowtrail',
      plugin: 'netflow',
      msg: 'collecting',
      netflow: 'udp 127.0.0.1:2055',
      embedded: true,
      local_networks: ['10.0.0.0/8'],
    });
    expect(prettyLine(line, { color: false })).toBe(
      '22:05:07 INFO  netflow: collecting  netflow="udp 127.0.0.1:2055" embedded=true local_networks=["10.0.0.0/8"]\n',
    );
  });

  it("puts an error's message among the fields and, for errors, its stack below", () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.js:1:1)' };
    expect(prettyLine(JSON.stringify({ level: 50, time, msg: 'failed', err }), { color: false })).toBe(
      '22:05:07 ERROR failed  err=boom\n    Error: boom\n        at x (y.js:1:1)\n',
    );
    expect(prettyLine(JSON.stringify({ level: 40, time, msg: 'retrying', err }), { color: false })).toBe(
      '22:05:07 WARN  retrying  err=boom\n',
    );
  });

  it('passes a line that is not JSON through', () => {
    expect(prettyLine('plain', { color: false })).toBe('plain\n');
  });
});
