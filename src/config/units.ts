import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `250ms`, `30s`, `5m`, `2h`, `30d`, or a number of milliseconds. */
export const duration = z.union([
  z.number().nonnegative(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/i, 'expected a duration such as 500ms, 30s, 5m, 2h or 30d')
    .transform((text) => {
      const [, value, unit] = text.match(/^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/i)!;
      return Number(value) * DURATION_UNITS[unit.toLowerCase()];
    }),
]);

/** `512kb`, `5mb`, or a number of bytes. */
export const byteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+\s*(b|kb|mb|gb)$/i, 'expected a size such as 512kb or 5mb')
    .transform((text) => {
      const [, value, unit] = text.match(/^(\d+)\s*(b|kb|mb|gb)$/i)!;
      return Number(value) * SIZE_UNITS[unit.toLowerCase()];
    }),
]);

/** `host:port`, `[v6]:port` or `:port`. */
export function parseHostPort(text: string, defaultHost = '0.0.0.0'): { host: string; port: number } {
  const match = text.match(/^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/) ?? text.match(/^()()(\d{1,5})$/);
  if (!match) throw new Error(`expected HOST:PORT, got "${text}"`);
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw new Error(`port out of range in "${text}"`);
  return { host: match[1] || match[2] || defaultHost, port };
}
