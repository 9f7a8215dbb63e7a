/**
 * Every saved object flowtrail ships for Kibana, in one `_import` file: the data views, the saved searches, the
 * Lens visualizations and the dashboards that show them. `npm run gen:kibana` writes it to `kibana/`, and
 * `flowtrail setup --kibana` imports the same text.
 */
import { billing } from './billing.js';
import { type DashboardSpec, dashboard } from './dashboard.js';
import { DATA_VIEWS, dataViewObject } from './data-views.js';
import { host } from './host.js';
import { overview } from './overview.js';
import { type SavedObject, type SavedObjectType, toNdjson } from './saved-object.js';
import { alertRecords, flowRecords } from './searches.js';
import { security } from './security.js';
import { talkers } from './talkers.js';

export type { SavedObject } from './saved-object.js';

/** The file under `kibana/` that holds them. */
export const KIBANA_FILE = 'flowtrail.ndjson';

const DASHBOARDS: ReadonlyArray<() => DashboardSpec> = [overview, talkers, security, host, billing];

/** What an object needs comes before it, so that the file reads top-down. */
const TYPE_ORDER: SavedObjectType[] = ['index-pattern', 'search', 'lens', 'dashboard'];

export function kibanaObjects(): SavedObject[] {
  const byKey = new Map<string, SavedObject>();
  const add = (object: SavedObject) => {
    const key = `${object.type}:${object.id}`;
    const earlier = byKey.get(key);
    // Two dashboards may show one object; two different objects under one id would overwrite each other.
    if (earlier && JSON.stringify(earlier) !== JSON.stringify(object))
      throw new Error(`${key}: two objects, one id`);
    byKey.set(key, object);
  };
  for (const view of DATA_VIEWS) add(dataViewObject(view));
  add(flowRecords());
  add(alertRecords());
  for (const build of DASHBOARDS) {
    const spec = build();
    for (const panel of spec.panels) add(panel.object);
    add(dashboard(spec));
  }
  return [...byKey.values()].sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type));
}

/** The `_import` text of every object. */
export function kibanaNdjson(): string {
  return toNdjson(kibanaObjects());
}
