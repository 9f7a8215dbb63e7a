import { describe, expect, it } from 'vitest';
import { eventText, retryText } from './sse.js';

describe('server-sent event framing', () => {
  it('writes the type, the id and the JSON data as one event ended by a blank line', () => {
    expect(eventText({ event: 'flows', id: '1795298400000', data: { flows: [{ ip: '10.0.0.1' }] } })).toBe(
      'event: flows\nid: 1795298400000\ndata: {"flows":[{"ip":"10.0.0.1"}]}\n\n',
    );
    expect(eventText({ event: 'rates', data: [] })).toBe('event: rates\ndata: []\n\n');
  });

  it('keeps line breaks of the data inside its JSON, and refuses them in the fields', () => {
    expect(eventText({ event: 'alerts', data: 'line one\nline two' })).toBe(
      'event: alerts\ndata: "line one\\nline two"\n\n',
    );
    expect(() => eventText({ event: 'flows\ndata: forged', data: 1 })).toThrow(/line break/);
    expect(() => eventText({ event: 'flows', id: '1\r', data: 1 })).toThrow(/line break/);
  });

  it('asks the browser to wait before it reconnects', () => {
    expect(retryText(5000)).toBe('retry: 5000\n\n');
  });
});
