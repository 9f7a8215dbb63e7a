import uPlot from 'uplot';
import { h, num, when } from './dom.js';

export interface Series {
  label: string;
  values: number[];
  color: string;
}

/**
 * A time graph, with the same figures as a table behind a disclosure: the canvas says nothing to a screen reader
 * or to a search of the page, the table does.
 */
export function timeChart(title: string, times: string[], series: Series[]): HTMLElement {
  const plot = h('div', { class: 'plot', 'aria-hidden': 'true' });
  const rows = times.map((time, i) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, when(time)),
      ...series.map((s) => h('td', { class: 'n' }, num(s.values[i]))),
    ),
  );
  const figure = h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, title),
    plot,
    h(
      'details',
      {},
      h('summary', {}, 'The figures as a table'),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, 'period'), ...series.map((s) => h('th', { scope: 'col' }, s.label))),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
  // uPlot measures nothing itself: drawn once the figure is in the page, as wide as the space it was given.
  requestAnimationFrame(() => {
    const width = Math.max(320, plot.clientWidth || 720);
    new uPlot(
      {
        width,
        height: 220,
        scales: { x: { time: true } },
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2 }))],
        axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map(num), size: 80 }],
      },
      [times.map((t) => Date.parse(t) / 1000), ...series.map((s) => s.values)],
      plot,
    );
  });
  return figure;
}
