/**
 * A bounded cache that keeps what was used recently (an LRU by generations): entries live in the current
 * generation until it is full, when it becomes the old one and the one before is dropped; an old entry that is
 * read again moves back to the current one. A hit in the current generation costs one `Map.get`, with no
 * reordering, which is what the per-flow lookups need; at most `capacity` entries are held.
 */
export class RecentCache<K, V> {
  private current = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generation: number;

  constructor(capacity: number) {
    this.generation = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: K): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.old.delete(key);
      this.put(key, aged);
    }
    return aged;
  }

  set(key: K, value: V): void {
    if (this.current.has(key)) this.current.set(key, value);
    else {
      this.old.delete(key);
      this.put(key, value);
    }
  }

  delete(key: K): void {
    this.current.delete(key);
    this.old.delete(key);
  }

  get size(): number {
    return this.current.size + this.old.size;
  }

  clear(): void {
    this.current.clear();
    this.old.clear();
  }

  private put(key: K, value: V): void {
    if (this.current.size >= this.generation) {
      this.old = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}
