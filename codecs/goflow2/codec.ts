/**
 * GoFlow2's flow messages as the Kafka input reads them: `goflow2-json` (goflow2 -format=json) and
 * `goflow2-protobuf` (goflow2 -format=bin), one flow per message, mapped to the flow document by `toFlowRecord` like
 * every other flow source.
 */
import type { MessageCodec } from '../../src/codec/messages.js';
import type { StreamInfo } from '../../src/codec/types.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { goflowFacts } from './facts.js';
import { readJsonMessage } from './json.js';
import { GoflowMessage } from './message.js';
import { readProtobufMessage } from './protobuf.js';

type Reader = (value: Buffer, into: GoflowMessage) => void;

function goflowCodec(name: string, binary: boolean, read: Reader): MessageCodec {
  return {
    name,
    binary,
    open(stream: StreamInfo) {
      const message = new GoflowMessage();
      return {
        decode(value, offset) {
          read(value, message);
          const facts = goflowFacts(message, `${stream.identity}:${offset}`);
          return toFlowRecord(facts, { localNetworks: stream.localNetworks, now: stream.now() });
        },
      };
    },
  };
}

export const goflow2JsonCodec = goflowCodec('goflow2-json', false, readJsonMessage);
export const goflow2ProtobufCodec = goflowCodec('goflow2-protobuf', true, readProtobufMessage);
