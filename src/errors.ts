/**
 * flowtrail's errors, by what the caller does with them: the CLI exits with code 2 on the first two, inputs
 * dead-letter a ParseError and go on, the API answers a StoreError with 502, the pipeline retries a
 * RetryableError.
 */

/** Wrong usage: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A configuration problem: the CLI exits with code 2 and prints the message, which names the key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Input that cannot become a document; the reader dead-letters it with its position and goes on. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
}

/** The document store failed to answer (unreachable, refused the request, timed out). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/** A sink could write nothing of a batch now (connection lost, cluster unavailable); the pipeline retries it. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
}

/**
 * Something the command needs is held by another process (a port in use): the CLI prints the message, which
 * says what and where, and exits with code 1 without a stack trace.
 */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}

/** What was asked for is not there (the API answers 404 with the message, which says what and why). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
