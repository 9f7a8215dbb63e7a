import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Elasticsearch every test may use: the test stack, or $FLOWTRAIL_ES_URL. */
    esUrl: string;
    /** Data dir of the test stack; null when tests run against $FLOWTRAIL_ES_URL (nothing to restart). */
    stackDataDir: string | null;
    /** Kafka bootstrap of the test stack (or $FLOWTRAIL_KAFKA_BOOTSTRAP); null when there is no Kafka. */
    kafkaBootstrap: string | null;
  }
}
