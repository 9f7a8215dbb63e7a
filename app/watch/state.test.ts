import { describe, expect, it } from 'vitest';
import { initialState, type KeyPress, pressKey } from './state.js';

const key = (sequence: string, more: Partial<KeyPress> = {}): KeyPress => ({
  sequence,
  name: sequence,
  ...more,
});

function typed(text: string): KeyPress[] {
  return [...text].map((c) => key(c));
}

describe('watch keys', () => {
  it('digits and Tab switch views, each with its own sort order', () => {
    const state = initialState();
    pressKey(state, key('2'), 10);
    expect(state.view).toBe('hosts');
    pressKey(state, key('s'), 10);
    pressKey(state, key('s'), 10);
    expect(state.orders.hosts).toEqual({ key: 'ports', ascending: false });
    pressKey(state, key('S', { name: 's', shift: true }), 10);
    expect(state.orders.hosts.key).toBe('flows');
    pressKey(state, key('r'), 10);
    expect(state.orders.hosts.ascending).toBe(true);
    pressKey(state, { name: 'tab', sequence: '\t' }, 10);
    expect(state.view).toBe('ports');
    pressKey(state, { name: 'tab', sequence: '\x1b[Z', shift: true }, 10);
    pressKey(state, { name: 'tab', sequence: '\x1b[Z', shift: true }, 10);
    expect(state.view).toBe('flows');
    expect(state.orders.flows).toEqual({ key: 'bytes', ascending: false });
  });

  it('/ types a filter that Enter applies; a bad one is refused and said; Esc and c leave or clear it', () => {
    const state = initialState();
    for (const k of [key('/'), ...typed('10.77.0.0/24 tcpx'), { name: 'backspace' }, { name: 'return' }])
      pressKey(state, k, 10);
    expect(state.typing).toBeUndefined();
    expect(state.filter.text).toBe('10.77.0.0/24 tcp');
    for (const k of [key('/'), ...typed(' nonsense'), { name: 'return' }]) pressKey(state, k, 10);
    expect(state.filter.text).toBe('10.77.0.0/24 tcp');
    expect(state.message).toBe('filter not changed: not an address, network, port or protocol: nonsense');
    for (const k of [key('/'), ...typed(' 22'), { name: 'escape' }]) pressKey(state, k, 10);
    expect(state.filter.text).toBe('10.77.0.0/24 tcp');
    expect(state.message).toBeUndefined();
    pressKey(state, key('c'), 10);
    expect(state.filter.text).toBe('');
  });

  it('scrolls by rows and pages, never above the top; pauses; quits on q and Ctrl-C', () => {
    const state = initialState();
    pressKey(state, { name: 'pagedown' }, 20);
    pressKey(state, { name: 'down' }, 20);
    pressKey(state, key('j'), 20);
    expect(state.scroll).toBe(22);
    pressKey(state, { name: 'pageup' }, 20);
    pressKey(state, { name: 'pageup' }, 20);
    expect(state.scroll).toBe(0);
    pressKey(state, { name: 'end' }, 20);
    expect(state.scroll).toBe(Number.MAX_SAFE_INTEGER);
    pressKey(state, key(' ', { name: 'space' }), 20);
    expect(state.paused).toBe(true);
    pressKey(state, key('q'), 20);
    expect(state.quit).toBe(true);
    const other = initialState();
    pressKey(other, { name: 'c', sequence: '\x03', ctrl: true }, 20);
    expect(other.quit).toBe(true);
  });
});
