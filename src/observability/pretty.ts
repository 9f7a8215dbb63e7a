/**
 * pino's JSON lines turned into lines a person reads on a terminal: time, level, message, then the fields as
 * key=value, errors with their stack below. Only the CLI's logger on a TTY writes through it.
 */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** What pino writes on every line, shown by the line's head instead of as fields. */
const HEAD = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

const COLORS: Record<number, string> = { 40: '\u001b[33m', 50: '\u001b[31m', 60: '\u001b[31m' };
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function clock(ms: number): string {
  const t = new Date(ms);
  return `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

type ErrorFields = { message?: string; stack?: string };

/** One pino JSON line as a human line (and an error's stack under it). */
export function prettyLine(json: string, options: { color: boolean }): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = Number(entry.level);
  const color = options.color ? (COLORS[level] ?? '') : '';
  const reset = color === '' ? '' : RESET;
  const dim = options.color ? DIM : '';
  const fields: string[] = [];
  let stack: string | undefined;
  for (const [key, v] of Object.entries(entry)) {
    if (HEAD.has(key) || v === undefined) continue;
    if (key === 'err' && typeof v === 'object' && v !== null) {
      const err = v as ErrorFields;
      fields.push(`err=${value(err.message ?? '')}`);
      stack = err.stack;
      continue;
    }
    fields.push(`${key}=${value(v)}`);
  }
  const msg = String(entry.msg ?? '');
  // A plugin's name leads the line, unless its message already starts with it.
  const plugin = typeof entry.plugin === 'string' && !msg.startsWith(entry.plugin) ? `${entry.plugin}: ` : '';
  const rest = fields.filter((f) => !f.startsWith('plugin='));
  const head = `${dim}${clock(Number(entry.time))}${options.color ? RESET : ''} ${color}${LEVELS[level] ?? level}${reset} ${plugin}${msg}`;
  const tail = rest.length > 0 ? `  ${dim}${rest.join(' ')}${options.color ? RESET : ''}` : '';
  const trace = stack !== undefined && level >= 50 ? `\n${stack.replace(/^/gm, '    ')}` : '';
  return `${head}${tail}${trace}\n`;
}
