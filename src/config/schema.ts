import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { enrichmentSettings } from '../enrich/settings.js';
import { isTimezone } from '../util/timezone.js';
import { byteSize, duration } from './units.js';

const cidr = z.string().refine((value) => {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}, 'expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32');

const port = z.number().int().min(1).max(65535);

const timezone = z
  .string()
  .refine(isTimezone, 'expected an IANA zone such as Europe/Berlin, UTC, or an offset such as +02:00');

/** An API key, or a user and password; each secret in the configuration or in a file of its own. */
const credentials = {
  api_key: z.string().min(1).optional(),
  api_key_file: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  password_file: z.string().min(1).optional(),
};

function checkCredentials(
  v: {
    api_key?: string;
    api_key_file?: string;
    username?: string;
    password?: string;
    password_file?: string;
  },
  ctx: z.RefinementCtx,
): void {
  if (v.api_key && v.api_key_file)
    ctx.addIssue({ code: 'custom', message: 'set api_key or api_key_file, not both', path: ['api_key'] });
  if (v.password && v.password_file)
    ctx.addIssue({ code: 'custom', message: 'set password or password_file, not both', path: ['password'] });
  if ((v.password || v.password_file) && !v.username)
    ctx.addIssue({ code: 'custom', message: 'a password needs a username', path: ['username'] });
}

const elasticsearch = z
  .object({
    /** Absent (and no cloud_id): flowtrail provisions and uses its embedded local node. */
    url: z.url().optional(),
    /** Several nodes of one cluster, instead of `url`: requests are spread over them and go around one that fails. */
    urls: z.array(z.url()).min(1).optional(),
    /** Elastic Cloud deployment id (`name:base64…`), instead of `url`. */
    cloud_id: z
      .string()
      .regex(/^[^:]*:[A-Za-z0-9+/=]+$/, 'expected the Cloud ID shown by Elastic Cloud (name:base64)')
      .optional(),
    namespace: z
      .string()
      .regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only (it becomes part of data stream names)')
      .default('default'),
    ...credentials,
    ca_file: z.string().min(1).optional(),
    /** SHA-256 fingerprint of the CA, as Elasticsearch 8+ prints it at its first start (hex, colons allowed). */
    ca_fingerprint: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, 'expected 64 hex digits (colons allowed)')
      .optional(),
    /** gzip request bodies: less traffic to a remote cluster for some CPU. */
    compression: z.boolean().default(false),
    tls_verify: z.boolean().default(true),
    request_timeout: duration.default(30_000),
    bulk: z
      .object({
        max_docs: z.number().int().positive().default(2000),
        max_bytes: byteSize.default(5 * 1024 * 1024),
        flush_interval: duration.default(1000),
        concurrency: z.number().int().min(1).max(32).default(2),
      })
      .strict()
      .prefault({}),
    retry: z
      .object({
        initial_backoff: duration.default(250),
        max_backoff: duration.default(30_000),
      })
      .strict()
      .prefault({}),
    retention: z
      .object({
        flows: duration.default(30 * 86_400_000),
        alerts: duration.default(365 * 86_400_000),
        events: duration.default(30 * 86_400_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((v) => !(v.url && v.cloud_id), {
    message: 'set url or cloud_id, not both',
    path: ['cloud_id'],
  })
  .refine((v) => !(v.urls && (v.url || v.cloud_id)), {
    message: 'set urls, url or cloud_id: one of them',
    path: ['urls'],
  })
  .superRefine(checkCredentials);

/** Kibana, for `setup --kibana`: where its saved objects API is and who imports the dashboards. */
const kibana = z
  .object({
    /** Kibana's base URL, with its base path if it has one (`https://host:5601/kibana`). */
    url: z
      .url({ protocol: /^https?$/, error: 'expected an http or https URL such as http://localhost:5601' })
      .optional(),
    /** The space the objects go to; `default` is Kibana's own, addressed without `/s/<space>`. */
    space: z
      .string()
      .regex(/^[a-z0-9_-]+$/, 'a space id: lower-case letters, digits, _ and - (as in the URL /s/<space>)')
      .default('default'),
    /** Without any, `elasticsearch`'s credentials are used: Kibana authenticates against the same users. */
    ...credentials,
    request_timeout: duration.default(120_000),
  })
  .strict()
  .superRefine(checkCredentials);

const count = z.number().int().positive();

/**
 * What the NetFlow decoder may hold, so that no traffic (spoofed sources, template bombs, a new domain per message)
 * can exhaust its memory or lock real exporters out. Each bound hit is counted (`flowtrail_netflow_limit_hits_total`).
 */
const netflowLimits = z
  .object({
    max_exporters: count.default(10_000),
    /** An exporter holding no template that sent nothing for this long gives up its slot. */
    exporter_idle_timeout: duration.default(5 * 60_000),
    max_domains_per_exporter: count.default(64),
    max_domains: count.default(65_536),
    max_templates_per_exporter: count.default(1024),
    max_templates_per_domain: count.default(256),
    max_template_fields: count.default(1024),
    /** Estimated heap of all templates held. */
    max_template_bytes: byteSize.default(64 * 1024 ** 2),
    max_pending_per_exporter: count.default(64),
    max_pending_bytes: byteSize.default(32 * 1024 ** 2),
    /** Exporters named in /metrics, most packets first; the others add up as exporter="other". */
    max_exporter_series: count.default(50),
    /** Estimated heap of the interface and application names learnt from options data, over all exporters. */
    max_option_name_bytes: byteSize.default(16 * 1024 ** 2),
    /** templates.json: exporters whose templates were least recently refreshed are left out beyond it. */
    max_snapshot_bytes: byteSize.default(16 * 1024 ** 2),
  })
  .strict();

const netflow = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('0.0.0.0'),
    port: port.default(2055),
    receive_buffer_bytes: byteSize.default(8 * 1024 * 1024),
    receiver: z.enum(['auto', 'native', 'dgram']).default('auto'),
    /** SO_REUSEPORT: collectors on one machine share the port; the kernel keeps each exporter on one of them. */
    reuse_port: z.boolean().default(false),
    allowed_exporters: z.array(cidr).default([]),
    template_timeout: duration.default(30 * 60_000),
    sampling_overrides: z.record(z.string(), z.number().int().positive()).default({}),
    limits: netflowLimits.prefault({}),
    /** Datagrams wait here while decoding or the outputs are behind, instead of being dropped. */
    journal: z
      .object({
        enabled: z.boolean().default(true),
        /** Bytes of segment files beyond which datagrams are dropped and counted. */
        max_bytes: byteSize.default(2 * 1024 ** 3),
        /**
         * Free space on its file system below which datagrams are dropped and counted. Lower than the dead
         * letters' floor: every datagram goes through the journal, while dead letters can wait.
         */
        min_free_bytes: byteSize.default(64 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((v) => !(v.reuse_port && v.receiver === 'dgram'), {
    message:
      "reuse_port needs the native receiver (receiver: auto or native): Node's dgram cannot set SO_REUSEPORT",
    path: ['reuse_port'],
  });

/**
 * Live capture metered into flows (`observer.type: tap`): an AF_PACKET ring per interface, a flow meter per
 * interface. Capturing needs root or CAP_NET_RAW.
 */
const pcap = z
  .object({
    enabled: z.boolean().default(false),
    interfaces: z
      .array(
        z
          .string()
          .regex(
            /^[^\s/:]{1,15}$/,
            'an interface name as `ip link` shows it (at most 15 characters, no / or :)',
          ),
      )
      .default([]),
    /** tcpdump's filter language (compiled by libpcap); empty: every packet. */
    filter: z.string().max(8000).default(''),
    /** Bytes of each packet kept; the meter needs the headers only, a packet store the rest. */
    snaplen: z.number().int().min(64).max(262_144).default(262_144),
    promiscuous: z.boolean().default(true),
    /** Kernel ring per interface (in blocks of 1 MiB): what absorbs a burst while the meter is busy. */
    ring_bytes: byteSize
      .refine((v) => v >= 2 * 1024 ** 2 && v <= 4 * 1024 ** 3, 'between 2 MiB and 4 GiB')
      .default(64 * 1024 ** 2),
    /** `observer.name` of the tap's flows; this host's name when not set. */
    observer: z.string().min(1).optional(),
    /** Flows each interface's meter holds; when full, the one idle longest is written out early. */
    max_flows: z.number().int().min(1).max(100_000_000).default(262_144),
    idle_timeout: duration.default(60_000),
    active_timeout: duration.default(30 * 60_000),
  })
  .strict()
  .refine((v) => !v.enabled || v.interfaces.length > 0, {
    message: 'an enabled pcap input needs at least one interface',
    path: ['interfaces'],
  });

const protocolName = z.enum(['tcp', 'udp', 'icmp', 'any']);

/** "Only these networks may reach this address on this port": a flow from anywhere else is a violation. */
const accessPolicy = z
  .object({
    name: z.string().min(1),
    destination: cidr.or(z.ipv4()).or(z.ipv6()),
    port: port.optional(),
    protocol: protocolName.default('tcp'),
    allow_from: z.array(cidr).default([]),
  })
  .strict();

const detections = z
  .object({
    /** `collect` runs the detections on the flows it collects, as they pass (`detect --follow` reads them back). */
    in_collector: z.boolean().default(true),
    window: duration.default(60_000),
    /** How long after a window ends flows that arrive late are still counted before it is judged. */
    lateness: duration.default(10_000),
    scan: z
      .object({
        /** Distinct destination ports one source tries on one destination. */
        min_ports: z.number().int().positive().default(50),
        /** Distinct destinations one source tries. */
        min_destinations: z.number().int().positive().default(30),
        /** Share of the source's TCP flows that failed (SYN without ACK, or RST). */
        min_failed_share: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .prefault({}),
    volume: z
      .object({
        enabled: z.boolean().default(true),
        /** Traffic of one local host in one window below which it is never flagged. */
        min_bytes: byteSize.default(10 * 1024 * 1024),
        /** Standard deviations above the host's mean for this hour of day. */
        deviations: z.number().positive().default(3),
        /** Windows of history (same hour of day) needed before the baseline is trusted over `min_bytes`. */
        min_history: z.number().int().positive().default(5),
        /** Days of host summaries the baselines start from (live mode at start, batch mode before its range). */
        baseline_days: z.number().int().positive().default(14),
      })
      .strict()
      .prefault({}),
    policies: z.array(accessPolicy).default([]),
  })
  .strict();

const notifications = z
  .object({
    /** Findings of one kind about one source within this period go out as one message. */
    aggregate_window: duration.default(60_000),
    email: z
      .object({
        host: z.string(),
        port: port.default(25),
        secure: z.boolean().default(false),
        username: z.string().optional(),
        password: z.string().optional(),
        from: z.string(),
        to: z.array(z.string()).min(1),
      })
      .strict()
      .optional(),
    webhook: z
      .object({
        url: z.url(),
        headers: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A tailed log input: `paths` are files, directories (read: the `include`d names) or `dir/pattern*`. */
function logInput(include: string[]) {
  return z
    .object({
      enabled: z.boolean().default(false),
      paths: z.array(z.string().min(1)).default([]),
      include: z.array(z.string().min(1)).min(1).default(include),
      poll_interval: duration.default(1000),
    })
    .strict();
}

function needsPaths<T extends { enabled: boolean; paths: string[] }>(input: z.ZodType<T>) {
  return input.refine((v) => !v.enabled || v.paths.length > 0, {
    message: 'an enabled input needs at least one path',
    path: ['paths'],
  });
}

const kafka = z
  .object({
    enabled: z.boolean().default(false),
    brokers: z.array(z.string().min(1)).min(1).default(['127.0.0.1:9092']),
    client_id: z.string().min(1).default('flowtrail'),
    group_id: z.string().min(1).default('flowtrail'),
    /** Where a consumer group without committed offsets starts. */
    from_beginning: z.boolean().default(true),
    /**
     * Each topic with the format of its messages: Zeek or Suricata EVE lines, or GoFlow2's flow messages
     * (`goflow2-json`: goflow2 -format=json; `goflow2-protobuf`: goflow2 -format=bin).
     */
    topics: z
      .array(
        z
          .object({
            topic: z.string().min(1),
            format: z.enum(['zeek', 'suricata', 'goflow2-json', 'goflow2-protobuf']),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .refine((v) => !v.enabled || v.topics.length > 0, {
    message: 'an enabled kafka input needs at least one topic',
    path: ['topics'],
  });

/** A Kafka topic name as brokers accept it. */
const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, ".", "_" and "-", at most 249')
  .refine((v) => v !== '.' && v !== '..', 'a Kafka topic name cannot be "." or ".."');

/**
 * `collect` writes to Kafka instead of Elasticsearch; `flowtrail index` reads the same topics into Elasticsearch.
 * Both roles read this section, so one file can describe the topology.
 */
const kafkaOutput = z
  .object({
    enabled: z.boolean().default(false),
    brokers: z.array(z.string().min(1)).min(1).default(['127.0.0.1:9092']),
    client_id: z.string().min(1).default('flowtrail-collector'),
    /** A topic per kind of document; the indexers consume them all. */
    topics: z
      .object({
        flows: topicName.default('flowtrail-flows'),
        alerts: topicName.default('flowtrail-alerts'),
        events: topicName.default('flowtrail-events'),
      })
      .strict()
      .prefault({}),
    /** kafkajs compresses gzip itself; see the README for why there is no lz4/zstd/snappy. */
    compression: z.enum(['none', 'gzip']).default('gzip'),
    /** How long all in-sync replicas may take to acknowledge a batch before it is sent again. */
    ack_timeout: duration.default(30_000),
    /** As the brokers' `message.max.bytes`: a larger document is dead-lettered instead of failing its batch. */
    max_message_bytes: byteSize.default(1024 * 1024),
    /** Topics the collector creates when they do not exist yet. */
    partitions: z.number().int().min(1).max(10_000).default(6),
    /** Of topics the collector creates; absent: the brokers' `default.replication.factor`. */
    replication_factor: z.number().int().min(1).max(32).optional(),
    batch: z
      .object({
        max_messages: z.number().int().positive().default(2000),
        max_bytes: byteSize.default(4 * 1024 * 1024),
        /** How long records wait for a batch to fill before it is sent anyway. */
        linger: duration.default(100),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** `flowtrail index`: the consumer group that shares `outputs.kafka.topics` among indexers. */
const indexer = z
  .object({
    group_id: z.string().min(1).default('flowtrail-indexers'),
    client_id: z.string().min(1).default('flowtrail-indexer'),
    /** Where a group without committed offsets starts: the oldest message kept, or only what comes next. */
    from_beginning: z.boolean().default(true),
    /**
     * How long the group waits for a silent indexer before its partitions go to the others: what an indexer
     * that dies costs in latency at most. The brokers bound it (group.min/max.session.timeout.ms: 6 s to 30 min).
     */
    session_timeout: duration.default(30_000),
    /** How often the lag of the partitions an indexer holds is read from the brokers (for /metrics). */
    lag_interval: duration.default(10_000),
  })
  .strict();

export const configSchema = z
  .object({
    local_networks: z.array(cidr).default(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']),
    elasticsearch: elasticsearch.prefault({}),
    kibana: kibana.prefault({}),
    inputs: z
      .object({
        netflow: netflow.prefault({}),
        pcap: pcap.prefault({}),
        zeek: needsPaths(logInput(['*.log'])).prefault({}),
        suricata: needsPaths(logInput(['eve*.json', 'eve.json.*'])).prefault({}),
        snort: needsPaths(logInput(['alert*']).extend({ timezone: timezone.default('UTC') })).prefault({}),
        kafka: kafka.prefault({}),
      })
      .strict()
      .prefault({}),
    outputs: z
      .object({ kafka: kafkaOutput.prefault({}) })
      .strict()
      .prefault({}),
    indexer: indexer.prefault({}),
    enrichment: enrichmentSettings.prefault({}),
    stack: z
      .object({
        data_dir: z.string().optional(),
        /** What the embedded node runs: Elasticsearch 7.10 (OSS) or OpenSearch 2.19 (data streams). */
        engine: z.enum(['elasticsearch', 'opensearch']).default('elasticsearch'),
        nodes: z.number().int().min(1).max(5).default(1),
        elasticsearch_port: port.default(9200),
        kafka: z.boolean().default(false),
        /** Brokers of the embedded Kafka cluster; 3 gives replication factor 3 with 2 in sync for a write. */
        brokers: z.number().int().min(1).max(5).default(1),
        kafka_port: port.default(9092),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9477),
        /** How often `collect` logs what it received and wrote since the last such line; 0: never. */
        summary_interval: duration.default(60_000),
      })
      .strict()
      .prefault({}),
    queue: z
      .object({ max_records: z.number().int().positive().default(100_000) })
      .strict()
      .prefault({}),
    dead_letter: z
      .object({
        dir: z.string().optional(),
        /** Bytes of dead-letter files beyond which further entries are dropped and counted. */
        max_bytes: byteSize.default(256 * 1024 * 1024),
        /** Free space on its file system below which entries are dropped and counted. */
        min_free_bytes: byteSize.default(256 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    /**
     * The packet tap's rolling store (daemonlogger's job): every frame metered, by `ingest pcap` or a live capture,
     * also kept in a ring of pcap files, so that `flowtrail pcap` can write out an alert's session.
     */
    packet_store: z
      .object({
        enabled: z.boolean().default(false),
        /** The ring's directory; default: `packets` in the data directory. */
        path: z.string().min(1).optional(),
        /** The ring's files (and their indexes) beyond which the oldest are deleted. */
        max_bytes: byteSize.default(10 * 1024 ** 3),
        /** Files last written longer ago than this are deleted. */
        max_age: duration.default(7 * 86_400_000),
        /** A ring file is closed (and indexed) once it holds this many bytes. */
        file_bytes: byteSize.default(64 * 1024 ** 2),
        /** Sessions one file's index holds; a file with more is closed early. */
        sessions_per_file: z.number().int().min(1).max(10_000_000).default(65_536),
      })
      .strict()
      .refine((v) => v.file_bytes <= v.max_bytes, {
        message: 'file_bytes cannot exceed max_bytes',
        path: ['file_bytes'],
      })
      .prefault({}),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') })
      .strict()
      .prefault({}),
    correlation: z
      .object({
        /** How far an alert's time may lie outside its flow's start..end and still match it. */
        tolerance: duration.default(5_000),
        /** Before a portless alert (Snort portscan): how far back the scan's flows are looked for. */
        scan_lookback: duration.default(5 * 60_000),
        /** Endpoint activity is summarized over this long before and after the alert. */
        window: duration.default(15 * 60_000),
        /** A peer is "new" when it was not seen with the endpoint in this long before the window. */
        history: duration.default(7 * 86_400_000),
        /** `--follow`: alerts younger than this wait for their flows, which exporters send late. */
        delay: duration.default(60_000),
        /** `--follow`: alerts without flows are tried again until they are this old. */
        retry_for: duration.default(3_600_000),
        poll_interval: duration.default(10_000),
      })
      .strict()
      .prefault({}),
    detections: detections.prefault({}),
    notifications: notifications.prefault({}),
    api: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9478),
        /** Required by every request unless the API listens on loopback only. */
        token: z.string().min(16).optional(),
        token_file: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    backup: z
      .object({
        /** Snapshot repository: an existing one of any type (s3, gcs, fs...), or registered as `fs` at `location`. */
        repository: z
          .string()
          .regex(/^[a-z0-9_.-]+$/, 'lower-case letters, digits, _, . and - only (a snapshot repository name)')
          .default('flowtrail'),
        /** Where a missing repository is registered: a path the cluster resolves below its nodes' `path.repo`. */
        location: z.string().min(1).default('flowtrail'),
        /** How often `collect` takes a backup; 0: never (take them with `flowtrail backup create`). */
        schedule: duration.default(0),
        /** Backups kept; older ones are deleted after each scheduled backup (and by `backup create --prune`). */
        keep: count.default(7),
      })
      .strict()
      .prefault({}),
    archive: z
      .object({
        /**
         * Before retention deletes flows, roll them up per address and hour and per pair and day into the archive
         * streams (kept as long as alerts), which reports read where the flows are gone.
         */
        rollup: z.boolean().default(true),
        /** Also snapshot each flow index before it is deleted (into backup.repository): `archive restore --day`. */
        snapshot_before_delete: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    host_summaries: z
      .object({
        interval: duration.default(5 * 60_000),
        /** An interval is rolled up once this long after its end, when its late flows are in. */
        settle: duration.default(2 * 60_000),
        /** How far back a first rollup (or one after a long pause) reaches. */
        lookback: duration.default(86_400_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type FlowtrailConfig = z.infer<typeof configSchema>;
