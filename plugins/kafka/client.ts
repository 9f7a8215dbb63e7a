import { type Consumer, Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaLogCreator } from './logger.js';

/** The plugin's kafkajs client: its warnings and errors logged through `logger`. */
export function kafkaClient(options: { clientId: string; brokers: string[] }, logger: Logger): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  });
}

/**
 * Settles when a consumer's input is to end: resolves when `signal` aborts, rejects with the error of a crash.
 * kafkajs restarts the consumer after retriable failures; any other one ends the input.
 */
export function untilStopped(consumer: Consumer, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) reject(payload.error);
    });
  });
}
