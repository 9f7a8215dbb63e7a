import { describe, expect, it } from 'vitest';
import { LocalNetworks } from '../schema/locality.js';
import { textMessages } from './messages.js';
import type { Codec, StreamInfo, Unit } from './types.js';

const stream: StreamInfo = {
  name: 'zeek-conn',
  identity: 'kafka:zeek-conn/2',
  timezone: 'UTC',
  reference: 0,
  localNetworks: new LocalNetworks([]),
  now: () => 0,
};

describe('a line format read a message at a time', () => {
  it('opens its decoder once, with the first message, and reads each message as one unit at its offset', () => {
    const opened: string[] = [];
    const units: Unit[] = [];
    const lines: Codec = {
      name: 'lines',
      open(_, firstLine) {
        opened.push(firstLine);
        return {
          decode(unit) {
            units.push(unit);
            return { dataset: 'test', id: `${unit.offset}`, doc: { text: unit.text } };
          },
        };
      },
    };
    const messages = textMessages(lines);
    expect(messages).toMatchObject({ name: 'lines', binary: false });
    const decoder = messages.open(stream);
    expect(decoder.decode(Buffer.from('#fields\tts'), 40)?.id).toBe('40');
    expect(decoder.decode(Buffer.from('{"é":1}'), 41)?.doc).toEqual({ text: '{"é":1}' });
    expect(opened).toEqual(['#fields\tts']);
    expect(units).toEqual([
      { text: '#fields\tts', offset: 40, number: 40 },
      { text: '{"é":1}', offset: 41, number: 41 },
    ]);
  });
});
