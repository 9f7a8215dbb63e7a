/**
 * Dashboards: panels that refer to Lens visualizations and saved searches by id, laid out in rows on Kibana's
 * 48-column grid, and a control group whose option lists filter every panel.
 */
import type { DataViewSpec } from './data-views.js';
import { aggregatable } from './fields.js';
import { kql, type Reference, type SavedObject, savedObject } from './saved-object.js';

const GRID_COLUMNS = 48;

/** The version of the panels' embeddable state: the one of the Lens and search objects they show. */
const PANEL_VERSION = '8.9.0';

export interface Panel {
  object: SavedObject;
  /** Width in grid columns (48 across) and height in grid rows. */
  w: number;
  h: number;
}

/** A figure: a quarter of a row, short. */
export function small(object: SavedObject): Panel {
  return { object, w: 12, h: 6 };
}

/** A chart or table: half a row. */
export function half(object: SavedObject): Panel {
  return { object, w: 24, h: 14 };
}

/** A long table or a list of documents: a whole row. */
export function wide(object: SavedObject, h = 18): Panel {
  return { object, w: GRID_COLUMNS, h };
}

/** An option list over one field: picking a value filters every panel of the dashboard. */
export interface Control {
  field: string;
  title: string;
  view: DataViewSpec;
  /** One value at a time (an observer's view, one address). */
  single: boolean;
}

export interface DashboardSpec {
  id: string;
  title: string;
  description: string;
  panels: Panel[];
  controls: Control[];
  /** The time range the dashboard opens with. */
  from: string;
}

/** Panels left to right, a new row when the next one does not fit. */
function layout(panels: Panel[]): Array<Panel & { x: number; y: number }> {
  const placed: Array<Panel & { x: number; y: number }> = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const panel of panels) {
    if (panel.w > GRID_COLUMNS) throw new Error(`${panel.object.id}: wider than the grid`);
    if (x + panel.w > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    placed.push({ ...panel, x, y });
    x += panel.w;
    rowHeight = Math.max(rowHeight, panel.h);
  }
  return placed;
}

function controlGroup(spec: DashboardSpec): { input: Record<string, unknown>; references: Reference[] } {
  const panels: Record<string, unknown> = {};
  const references: Reference[] = [];
  spec.controls.forEach((control, order) => {
    const id = `${spec.id}-control-${order}`;
    panels[id] = {
      order,
      width: 'medium',
      grow: true,
      type: 'optionsListControl',
      explicitInput: {
        id,
        fieldName: aggregatable(control.field),
        title: control.title,
        singleSelect: control.single,
        enhancements: {},
      },
    };
    references.push({
      name: `controlGroup_${id}:optionsListDataView`,
      type: 'index-pattern',
      id: control.view.id,
    });
  });
  const ignoreParentSettings = {
    ignoreFilters: false,
    ignoreQuery: false,
    ignoreTimerange: false,
    ignoreValidations: false,
  };
  return {
    input: {
      controlStyle: 'oneLine',
      chainingSystem: 'HIERARCHICAL',
      panelsJSON: JSON.stringify(panels),
      ignoreParentSettingsJSON: JSON.stringify(ignoreParentSettings),
    },
    references,
  };
}

export function dashboard(spec: DashboardSpec): SavedObject {
  const references: Reference[] = [];
  const panels = layout(spec.panels).map((panel, index) => {
    const panelIndex = String(index + 1);
    const panelRefName = `panel_${panelIndex}`;
    references.push({ name: `${panelIndex}:${panelRefName}`, type: panel.object.type, id: panel.object.id });
    return {
      version: PANEL_VERSION,
      type: panel.object.type,
      gridData: { x: panel.x, y: panel.y, w: panel.w, h: panel.h, i: panelIndex },
      panelIndex,
      embeddableConfig: { enhancements: {} },
      panelRefName,
    };
  });
  const controls = controlGroup(spec);
  const options = {
    useMargins: true,
    syncColors: false,
    syncCursor: true,
    syncTooltips: false,
    hidePanelTitles: false,
  };
  return savedObject(
    'dashboard',
    spec.id,
    {
      title: spec.title,
      description: spec.description,
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify(options),
      controlGroupInput: controls.input,
      timeRestore: true,
      timeFrom: spec.from,
      timeTo: 'now',
      refreshInterval: { pause: true, value: 60_000 },
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: kql(), filter: [] }) },
    },
    [...references, ...controls.references],
  );
}
