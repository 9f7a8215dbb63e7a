import { readDatagramBatch } from './datagram-batch.js';

/** Distinct senders counted by name for drops; a flood from random sources adds to `OTHER_SENDERS` instead. */
const MAX_DROP_KEYS = 1000;
const OTHER_SENDERS = 'other';

/** Dropped datagrams by sender (ip:port), with a bounded number of names. */
export class DropCounts {
  private readonly bySender = new Map<string, number>();
  total = 0;

  add(sender: string): void {
    this.total++;
    const current = this.bySender.get(sender);
    if (current !== undefined) this.bySender.set(sender, current + 1);
    else if (this.bySender.size < MAX_DROP_KEYS) this.bySender.set(sender, 1);
    else this.bySender.set(OTHER_SENDERS, (this.bySender.get(OTHER_SENDERS) ?? 0) + 1);
  }

  /** Every datagram of a packed batch that is dropped as a whole. */
  addBatch(buffer: ArrayBuffer): void {
    readDatagramBatch(buffer, ({ address, port }) => this.add(`${address}:${port}`));
  }

  bySenderObject(): Record<string, number> {
    return Object.fromEntries(this.bySender);
  }
}
