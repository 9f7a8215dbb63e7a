/** Transports whose ports name services (ICMP's "ports" are type and code). */
const PORTED = { terms: { 'network.transport': ['tcp', 'udp', 'sctp'] } };

function portTest(comparison: string): Record<string, unknown> {
  return {
    bool: {
      filter: [
        PORTED,
        {
          script: {
            script: {
              source: `doc['source.port'].size() > 0 && doc['destination.port'].size() > 0 && ${comparison}`,
            },
          },
        },
      ],
    },
  };
}

/**
 * Which side of a flow record is the service: the one on the lower port (clients pick high ephemeral ports).
 * A Painless test, used only in queries already narrowed to one host or a time range.
 */
export const SERVICE_IS_DESTINATION = portTest("doc['destination.port'].value <= doc['source.port'].value");
export const SERVICE_IS_SOURCE = portTest("doc['source.port'].value < doc['destination.port'].value");

/** A date_histogram interval giving about `buckets` buckets over the range, in whole seconds. */
export function histogramInterval(from: number, to: number, buckets = 60): string {
  return `${Math.max(1, Math.ceil((to - from) / buckets / 1000))}s`;
}
