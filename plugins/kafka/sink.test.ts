import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RetryableError, StoreError } from '../../src/errors.js';
import { sendFailure } from './sink.js';

const { KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } =
  kafkajs;

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
});
