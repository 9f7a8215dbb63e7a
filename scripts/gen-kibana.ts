/**
 * Writes the Kibana saved objects (src/kibana) to `kibana/`, for review and for users who import them by hand.
 * Run `npm run gen:kibana` after changing src/kibana or the field table; a unit test fails while they differ.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KIBANA_FILE, kibanaNdjson } from '../src/kibana/index.js';
import { packageRoot } from '../src/util/package.js';

writeFileSync(join(packageRoot(), 'kibana', KIBANA_FILE), kibanaNdjson());
console.log(`wrote kibana/${KIBANA_FILE}`);
