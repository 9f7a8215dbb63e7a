import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { indicesOf } from '../../../src/correlate/es.js';
import { searchFlows } from '../../../src/reports/search.js';
import { parseSearch, type SearchFlags } from '../../../src/reports/search-params.js';
import { formatTable } from '../../../src/reports/table.js';
import { connect } from '../../wiring/elasticsearch.js';
import { printResult } from '../output.js';

/** `flowtrail search`: flow records matching the filters, oldest first. */
export async function searchCommand(
  config: FlowtrailConfig,
  flags: SearchFlags & { json?: boolean },
): Promise<number> {
  const filter = parseSearch(flags);
  const { client } = await connect(config);
  try {
    const rows = await searchFlows(client, indicesOf(config.elasticsearch.namespace).flows, filter);
    printResult(Boolean(flags.json), rows, () =>
      formatTable(rows, [
        'time',
        'transport',
        'source',
        'source_port',
        'destination',
        'destination_port',
        'bytes',
        'packets',
        'observer',
      ]),
    );
    return 0;
  } finally {
    await client.close();
  }
}
