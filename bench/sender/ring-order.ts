/**
 * The order in which a sender interleaves its streams. Each stream keeps its own order; between streams the order is
 * free, and it is chosen so that a fresh native receiver's ring (plugins/netflow/native/udp_receiver.c) gets an
 * entry that ends exactly at the ring's end: the case in which its reader once copied past the ring and crashed. The
 * ring's entries are packed, so where each lands follows from the sizes alone.
 */

/** An entry's fixed header in the ring: length, receive time, port, address length. */
export const RING_ENTRY_HEADER = 15;

export interface OrderStream {
  /** Payload sizes of one round, in the stream's order. */
  sizes: number[];
  /** Length of the exporter's address as the receiver writes it (`127.0.0.10`: 10). */
  addressLength: number;
}

export interface Placement {
  stream: number;
  index: number;
  round: number;
}

export interface RingOrder {
  placements: Placement[];
  rounds: number;
  /** Index in `placements` of the datagram whose entry ends exactly at the ring's end, if one could be arranged. */
  exactFitAt: number | undefined;
}

/** The remaining space below which the order looks for a run of datagrams that fills the ring exactly. */
const SEARCH_BELOW = 12_000;
/** The longest run taken from one stream to fill it. */
const RUN = 8;

class Ring {
  position = 0;
  constructor(readonly capacity: number) {}

  /** Places an entry; true when it ended exactly at the ring's end. */
  place(bytes: number): boolean {
    if (this.capacity - this.position < bytes) this.position = 0;
    this.position += bytes;
    if (this.position !== this.capacity) return false;
    this.position = 0;
    return true;
  }
}

/**
 * Interleaves enough rounds of `streams` to pass the ring's end at least once (each stream spread evenly over the
 * whole), with runs chosen near the end so that one entry ends exactly there.
 */
export function ringOrder(streams: OrderStream[], ringBytes: number): RingOrder {
  const entry = (s: number, i: number) => RING_ENTRY_HEADER + streams[s].addressLength + streams[s].sizes[i];
  const roundBytes = streams.reduce((sum, s, i) => sum + s.sizes.reduce((n, _, j) => n + entry(i, j), 0), 0);
  const rounds = Math.max(1, Math.ceil((ringBytes + 2 * SEARCH_BELOW) / roundBytes));
  const totals = streams.map((s) => s.sizes.length * rounds);
  const taken = streams.map(() => 0);
  const at = (s: number, k: number): Placement => {
    const n = streams[s].sizes.length;
    return { stream: s, index: k % n, round: Math.floor(k / n) };
  };

  const ring = new Ring(ringBytes);
  const placements: Placement[] = [];
  let exactFitAt: number | undefined;
  const take = (s: number) => {
    const p = at(s, taken[s]++);
    placements.push(p);
    if (ring.place(entry(s, p.index)) && exactFitAt === undefined) exactFitAt = placements.length - 1;
  };

  const all = totals.reduce((a, b) => a + b, 0);
  while (placements.length < all) {
    const room = ring.capacity - ring.position;
    if (exactFitAt === undefined && room <= SEARCH_BELOW) {
      const runs = runsFilling(room, streams.length, (s, k) =>
        taken[s] + k < totals[s] ? entry(s, (taken[s] + k) % streams[s].sizes.length) : undefined,
      );
      if (runs) {
        runs.forEach((count, s) => {
          for (let k = 0; k < count; k++) take(s);
        });
        continue;
      }
    }
    take(behindmost(taken, totals));
  }
  return { placements, rounds, exactFitAt };
}

/** The stream furthest behind its share, so that every stream is spread over the whole order. */
function behindmost(taken: number[], totals: number[]): number {
  let best = -1;
  let bestShare = Number.POSITIVE_INFINITY;
  for (let s = 0; s < totals.length; s++) {
    if (taken[s] >= totals[s]) continue;
    const share = (taken[s] + 1) / totals[s];
    if (share < bestShare) {
      bestShare = share;
      best = s;
    }
  }
  return best;
}

/**
 * How many of its next entries to take from each stream so that they add up to exactly `room` bytes, or undefined:
 * a knapsack over the streams in which each stream offers the sums of its next 0..RUN entries.
 */
function runsFilling(
  room: number,
  streamCount: number,
  nextEntry: (stream: number, k: number) => number | undefined,
): number[] | undefined {
  // choice[s][sum]: how many entries stream s took to first reach `sum` from the sums of the streams before it.
  const reachable = new Uint8Array(room + 1);
  reachable[0] = 1;
  const choices: Int8Array[] = [];
  for (let s = 0; s < streamCount; s++) {
    const choice = new Int8Array(room + 1).fill(-1);
    const prefix: number[] = [0];
    for (let k = 0; k < RUN; k++) {
      const bytes = nextEntry(s, k);
      if (bytes === undefined) break;
      prefix.push(prefix[k] + bytes);
    }
    for (let sum = 0; sum <= room; sum++) {
      if (!reachable[sum]) continue;
      for (let k = 0; k < prefix.length; k++) {
        const to = sum + prefix[k];
        if (to > room) break;
        if (choice[to] === -1) choice[to] = k;
      }
    }
    for (let sum = 0; sum <= room; sum++) if (choice[sum] !== -1) reachable[sum] = 1;
    choices.push(choice);
  }
  if (!reachable[room]) return undefined;
  const runs = new Array<number>(streamCount).fill(0);
  let sum = room;
  for (let s = streamCount - 1; s >= 0; s--) {
    const k = choices[s][sum];
    runs[s] = k;
    let bytes = 0;
    for (let j = 0; j < k; j++) bytes += nextEntry(s, j) ?? 0;
    sum -= bytes;
  }
  return sum === 0 ? runs : undefined;
}
