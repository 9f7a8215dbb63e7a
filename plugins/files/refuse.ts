import type { Codec, StreamInfo } from '../../src/codec/types.js';
import type { SourceContext } from '../../src/pipeline/types.js';

/**
 * Whether a file source reads a file whose first bytes are `head`: a file the codec refuses (a pcap given as a
 * Zeek log) is counted as one failure and one dead letter with the reason, and logged, instead of thousands of
 * failed lines.
 */
export function accepts(codec: Codec, stream: StreamInfo, head: Buffer, ctx: SourceContext): boolean {
  if (codec.binary?.recognizes(head)) return true;
  const reason = codec.refuses?.(head);
  if (reason === undefined) return true;
  ctx.counters.recordsFailed();
  ctx.deadLetter({ plugin: codec.name, reason, origin: stream.name, stream: stream.identity });
  ctx.logger.error({ file: stream.name }, `${stream.name}: ${reason}; the file is not read`);
  return false;
}
