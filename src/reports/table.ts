/**
 * Rows of plain values as aligned text columns (for people) or RFC 4180 CSV (for spreadsheets). A list (ports)
 * is one cell, its items separated by spaces; a missing value is an empty cell.
 */
function cell(row: object, column: string): string {
  const value = (row as Record<string, unknown>)[column];
  if (value === null || value === undefined) return '';
  return Array.isArray(value) ? value.join(' ') : String(value);
}

export function formatTable(rows: readonly object[], columns: readonly string[]): string {
  const cells = [[...columns], ...rows.map((r) => columns.map((c) => cell(r, c)))];
  // A column is numeric by its first value: columns without a value in some rows (stats) skip those.
  const numeric = columns.map((c) => {
    const first = rows
      .map((r) => (r as Record<string, unknown>)[c])
      .find((v) => v !== null && v !== undefined);
    return typeof first === 'number';
  });
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
