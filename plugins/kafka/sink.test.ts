import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RetryableError, StoreError } from '../../src/errors.js';
import { producerStateLost, sendFailure } from './sink.js';

const {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} = kafkajs;

/** A broker's error answer as kafkajs raises it. */
function protocolError(type: string, message: string) {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type, retriable: false }));
}

describe('Kafka send failures', () => {
  it('retries outages: lost connections, retriable broker errors, kafkajs giving up its own retries', () => {
    expect(sendFailure(new KafkaJSConnectionError('Connection error: ECONNREFUSED'))).toBeInstanceOf(
      RetryableError,
    );
    const leaderMoved = new KafkaJSError('This server is not the leader for that topic-partition', {
      retriable: true,
    });
    expect(sendFailure(leaderMoved)).toBeInstanceOf(RetryableError);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(new Error('timeout'), {
      retryCount: 5,
      retryTime: 1000,
    });
    expect(sendFailure(exhausted)).toBeInstanceOf(RetryableError);
  });

  it('stops on what no retry cures, with the broker reason', () => {
    const denied = new KafkaJSError('Topic authorization failed', { retriable: false });
    const failure = sendFailure(new KafkaJSNonRetriableError(denied));
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure.message).toMatch(/Topic authorization failed/);
  });

  it('tells a producer id the brokers lost from other refusals, also when kafkajs wraps it', () => {
    const outOfOrder = protocolError(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      'The broker received an out of order sequence number',
    );
    expect(producerStateLost(outOfOrder)).toBe(true);
    expect(producerStateLost(new KafkaJSNonRetriableError(outOfOrder))).toBe(true);
    const unknownId = protocolError(
      'UNKNOWN_PRODUCER_ID',
      'This exception is raised by the broker if it could not locate the producer metadata',
    );
    expect(producerStateLost(unknownId)).toBe(true);
    const denied = protocolError('TOPIC_AUTHORIZATION_FAILED', 'Not authorized to access topics');
    expect(producerStateLost(new KafkaJSNonRetriableError(denied))).toBe(false);
    expect(producerStateLost(new KafkaJSConnectionError('Connection error'))).toBe(false);
  });
});
