import { describe, expect, it } from 'vitest';
import { FLOW_DATASET } from '../schema/flow.js';
import { FlowStream } from './flow-stream.js';

const flow = (id: string, dataset = FLOW_DATASET) => ({
  record: { dataset, id, doc: {} },
  json: `{"id":"${id}"}`,
});

describe('the collector’s flow stream', () => {
  it('keeps the newest flows for followers yet to come, and hands each batch of flows to those following', () => {
    const stream = new FlowStream(3);
    const seen: string[][] = [];
    stream.observe(
      'netflow',
      ['a', 'b'].map((id) => flow(id)),
    );
    const stop = stream.follow((jsons) => seen.push([...jsons]));
    stream.observe('zeek', [flow('c'), flow('alert', 'flowtrail.alerts'), flow('d'), flow('e')]);
    stop();
    stream.observe('netflow', [flow('f')]);
    expect(stream.newest()).toEqual(['{"id":"d"}', '{"id":"e"}', '{"id":"f"}']);
    expect(seen).toEqual([['{"id":"c"}', '{"id":"d"}', '{"id":"e"}']]);
  });
});
