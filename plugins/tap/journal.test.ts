import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetterEntry, PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
import { FlowJournal } from './journal.js';

const logger = pino({ level: 'silent' });

function flow(n: number): PipelineRecord {
  return { dataset: 'flowtrail.flows', id: `flow-${n}`, doc: { network: { packets: n } } };
}

/** A pipeline that keeps what it is handed and reports it written when told. */
function pipeline() {
  const emitted: Array<{ records: PipelineRecord[]; onWritten?: () => void }> = [];
  const deadLetters: DeadLetterEntry[] = [];
  const ctx: SourceContext = {
    logger,
    signal: new AbortController().signal,
    counters: { recordsIn() {}, recordsFailed() {}, repaired() {} },
    emit: async (records, onWritten) => {
      emitted.push({ records, onWritten });
    },
    deadLetter: (entry) => deadLetters.push(entry),
  };
  return { ctx, emitted, deadLetters };
}

describe('the tap flow journal', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'flowtrail-tap-journal-')), 'flows');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('keeps a batch on disk until it is written, then deletes it', () => {
    const journal = new FlowJournal(dir);
    const release = journal.hold([flow(1), flow(2)], logger);
    expect(readdirSync(dir)).toHaveLength(1);
    release?.();
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('a batch left by a killed run is handed over again, marked replayed, and deleted once written', async () => {
    new FlowJournal(dir).hold([flow(1), flow(2)], logger);
    new FlowJournal(dir).hold([flow(3)], logger);
    const next = new FlowJournal(dir);
    const { ctx, emitted } = pipeline();
    await next.replay(ctx);
    expect(emitted.flatMap((e) => e.records.map((r) => [r.id, r.replayed, r.doc]))).toEqual([
      ['flow-1', true, { network: { packets: 1 } }],
      ['flow-2', true, { network: { packets: 2 } }],
      ['flow-3', true, { network: { packets: 3 } }],
    ]);
    expect(next.replayed).toBe(3);
    expect(readdirSync(dir)).toHaveLength(2);
    for (const e of emitted) e.onWritten?.();
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('dead-letters lines that are no record instead of dropping them silently', async () => {
    new FlowJournal(dir).hold([flow(1)], logger);
    const [name] = readdirSync(dir);
    writeFileSync(join(dir, name), `${JSON.stringify(flow(1))}\n{"cut`, { flag: 'w' });
    const { ctx, emitted, deadLetters } = pipeline();
    await new FlowJournal(dir).replay(ctx);
    expect(emitted[0].records.map((r) => r.id)).toEqual(['flow-1']);
    expect(deadLetters.map((d) => [d.raw, d.plugin])).toEqual([['{"cut', 'pcap']]);
  });

  it('counts a batch it cannot keep (the directory cannot be made) and hands back no release', () => {
    const blocked = join(dir, '..', 'file');
    writeFileSync(blocked, '');
    const journal = new FlowJournal(join(blocked, 'flows'));
    expect(journal.hold([flow(1)], logger)).toBeUndefined();
    expect(journal.failures).toBe(1);
    expect(existsSync(join(blocked, 'flows'))).toBe(false);
  });
});
