/**
 * `/api/flows/stream`: the flow documents a running collector hands to its outputs, as server-sent events, for
 * `flowtrail watch --from`. Taken from the pipeline (not searched for in the store), so a follower sees a flow
 * as soon as it is decoded, whether or not the store is up. Bounded everywhere: the collector keeps only the newest
 * flows for a follower that connects, and a follower that reads too slowly is handed the newest and told how many
 * it missed, never holding the collector's memory.
 */

import type { OutgoingRecord, RecordTap } from '../pipeline/types.js';
import { FLOW_DATASET } from '../schema/flow.js';
import { NO_STORE, SECURITY_HEADERS } from './headers.js';
import type { Streamer } from './server.js';
import { retryText } from './sse.js';

/** How often a follower is sent what came: a screen that redraws once a second needs no more. */
export const FLOW_STREAM_MS = 500;
/** Flows per event at most; more in one interval are counted in `left_out`. */
export const FLOW_STREAM_BATCH = 2000;
/** A follower whose connection holds this much unsent is skipped until it drains (its flows counted as left out). */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

type Follower = (jsons: readonly string[]) => void;

/** Taps the pipeline for flow documents; keeps the newest `recentCapacity` for followers that connect. */
export class FlowStream implements RecordTap {
  private readonly recent: string[] = [];
  private readonly followers = new Set<Follower>();

  constructor(readonly recentCapacity = 1000) {}

  observe(_plugin: string, records: readonly OutgoingRecord[]): void {
    let flows: string[] | undefined;
    for (const { record, json } of records) {
      if (record.dataset !== FLOW_DATASET) continue;
      flows ??= [];
      flows.push(json);
    }
    if (flows === undefined) return;
    this.recent.push(...flows.slice(-this.recentCapacity));
    if (this.recent.length > this.recentCapacity)
      this.recent.splice(0, this.recent.length - this.recentCapacity);
    for (const follower of this.followers) follower(flows);
  }

  /** The newest flows kept, oldest first. */
  newest(): readonly string[] {
    return this.recent;
  }

  /** Calls `follower` with each batch of flows from now on, until the returned function is called. */
  follow(follower: Follower): () => void {
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }
}

/** One `flows` event: the documents as the collector serialized them (JSON, never holding a line break). */
function flowsEvent(jsons: readonly string[], leftOut: number): string {
  return `event: flows\ndata: {"left_out":${leftOut},"flows":[${jsons.join(',')}]}\n\n`;
}

/**
 * Sends the newest flows kept, then every `FLOW_STREAM_MS` what came since (at most FLOW_STREAM_BATCH, the newest;
 * the rest counted), until the follower leaves.
 */
export function flowStream(stream: FlowStream): Streamer {
  return ({ res, closed }) => {
    res.writeHead(200, { ...SECURITY_HEADERS, ...NO_STORE, 'content-type': 'text/event-stream' });
    res.write(retryText(FLOW_STREAM_MS * 4));
    let pending: string[] = [...stream.newest()];
    let leftOut = 0;
    const stop = stream.follow((flows) => {
      pending.push(...flows);
      if (pending.length > FLOW_STREAM_BATCH) {
        leftOut += pending.length - FLOW_STREAM_BATCH;
        pending = pending.slice(-FLOW_STREAM_BATCH);
      }
    });
    const send = () => {
      if (pending.length === 0 && leftOut === 0) return;
      if (res.writableLength > MAX_UNSENT_BYTES) return;
      res.write(flowsEvent(pending, leftOut));
      pending = [];
      leftOut = 0;
    };
    send();
    const timer = setInterval(send, FLOW_STREAM_MS);
    closed.addEventListener(
      'abort',
      () => {
        clearInterval(timer);
        stop();
        res.end();
      },
      { once: true },
    );
  };
}
