import { describe, expect, it } from 'vitest';
import { FLOWS } from './data-views.js';
import { chart, count, overTime, sum, table, topValues } from './lens.js';

const on = { view: FLOWS, description: '' };

describe('Lens columns', () => {
  it('refuses fields the field table does not map, or cannot aggregate', () => {
    expect(() => topValues('source.hostname_typo', 5, 'x')).toThrow(
      /source\.hostname_typo: not a field flowtrail maps/,
    );
    expect(() => topValues('message', 5, 'x')).toThrow(/message: a text field cannot be aggregated/);
    expect(() => sum('source.ip', 'x')).toThrow(/source\.ip: a ip field has no sum/);
  });

  it('takes a rate only where a date histogram gives the interval to divide by', () => {
    const rate = count('Flows per second', { perSecond: true });
    expect(() =>
      table({
        ...on,
        id: 'x',
        title: 'x',
        rows: [topValues('flowtrail.observer', 5, 'Observer')],
        metrics: [rate],
      }),
    ).toThrow(/x: a rate needs a date histogram/);
    const overTimeChart = chart({ ...on, id: 'y', title: 'y', series: 'line', x: overTime(), y: [rate] });
    const layer = (overTimeChart.attributes.state as any).datasourceStates.formBased.layers.layer1;
    expect(layer.columns.metric0).toMatchObject({ operationType: 'count', timeScale: 's' });
  });

  it('ranks top values by the first metric, over the whole range when they split a chart over time', () => {
    const object = chart({
      ...on,
      id: 'z',
      title: 'z',
      series: 'bar_stacked',
      x: overTime(),
      y: [sum('network.bytes', 'Bytes')],
      split: topValues('network.direction', 4, 'Direction'),
    });
    const state = object.attributes.state as any;
    const layer = state.datasourceStates.formBased.layers.layer1;
    expect(layer.columnOrder).toEqual(['bucket0', 'bucket1', 'metric0']);
    expect(layer.columns.bucket0.params.orderBy).toEqual({ type: 'column', columnId: 'metric0' });
    expect(state.visualization.layers[0]).toMatchObject({
      splitAccessor: 'bucket0',
      xAccessor: 'bucket1',
      accessors: ['metric0'],
    });
  });
});
