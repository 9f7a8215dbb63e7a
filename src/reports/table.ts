/** Rows of plain values as aligned text columns (for people) or RFC 4180 CSV (for spreadsheets). */
function cell(row: object, column: string): string {
  const value = (row as Record<string, unknown>)[column];
  return value === null || value === undefined ? '' : String(value);
}

export function formatTable(rows: readonly object[], columns: readonly string[]): string {
  const cells = [[...columns], ...rows.map((r) => columns.map((c) => cell(r, c)))];
  const numeric = columns.map(
    (c) => rows.length > 0 && typeof (rows[0] as Record<string, unknown>)[c] === 'number',
  );
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells
    .map((line) =>
      line
        .map((text, i) => (numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function csvCell(row: object, column: string): string {
  const text = cell(row, column);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly object[], columns: readonly string[]): string {
  return [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r, c)).join(','))].join('\n');
}
