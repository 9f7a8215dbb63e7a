/**
 * Writes the templates `flowtrail setup` installs into `mappings/`, for review and for users who install them by
 * hand. Run `npm run gen:mappings` after changing src/schema/fields.ts; a unit test fails while they differ.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMappingFiles } from '../plugins/elasticsearch/mapping-files.js';
import { packageRoot } from '../src/util/package.js';

const root = join(packageRoot(), 'mappings');
for (const [relative, content] of Object.entries(renderMappingFiles())) {
  const file = join(root, relative);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
  console.log(`wrote mappings/${relative}`);
}
