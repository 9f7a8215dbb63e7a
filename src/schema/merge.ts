function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Adds a source's own fields to a document built by the mapping: nested objects are merged key by key (so a
 * source may add `observer.vendor` without losing `observer.ip`), other values replace what is there.
 */
export function mergeInto(target: Record<string, unknown>, extra: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(extra)) {
    const current = target[key];
    if (isPlainObject(current) && isPlainObject(value)) {
      const copy = { ...current };
      mergeInto(copy, value);
      target[key] = copy;
    } else {
      target[key] = value;
    }
  }
}
