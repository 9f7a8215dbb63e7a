/*
 * Bidirectional flows keyed by protocol, both endpoints (address and port; ICMP: type and its counterpart, or
 * code) and VLAN. The table is a pool of `max_flows` flows, chained into hash buckets and into one list in order of
 * last use: the list's head is the flow idle longest, so idle expiry and eviction look at the head only. Fragments
 * after the first carry no ports: a small cache maps a datagram's fragment id to the ports its first fragment had.
 */
#include "meter.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "conn-state.h"
#include "hash-table.h"

typedef struct {
  uint8_t a[16];
  uint8_t b[16];
  uint16_t port_a;
  uint16_t port_b;
  uint16_t vlan;
  uint8_t protocol;
  uint8_t family;
} flow_key_t;

_Static_assert(sizeof(flow_key_t) == HASHED_KEY_SIZE, "hash_key hashes the whole key");

typedef struct {
  flow_key_t key;
  int32_t bucket_next;
  int32_t older;
  int32_t newer;
  uint32_t hash;
  /* Endpoint a of the key is the originator. */
  uint8_t orig_is_a;
  uint8_t initiator_known;
  uint8_t macs;
  uint8_t ttl[2];
  uint16_t inner_vlan;
  uint16_t icmp_type;
  uint16_t icmp_code;
  uint16_t flags[2];
  double first_ms;
  double last_ms;
  /* stats.ip_packets when this flow last counted one: what meter_snapshot asks of it. */
  uint64_t counted_at;
  uint64_t packets[2];
  uint64_t bytes[2];
  uint8_t mac[2][6];
  uint32_t fragments;
  uint32_t sizes[SIZE_BINS];
  conn_t conn;
} flow_t;

#define FRAGMENT_SLOTS 4096
#define INITIAL_OUT_RECORDS 1024

typedef struct {
  uint8_t source[16];
  uint8_t destination[16];
  uint32_t id;
  uint16_t source_port;
  uint16_t destination_port;
  uint8_t protocol;
  uint8_t used;
} fragment_slot_t;

struct meter {
  meter_config_t config;
  flow_t *flows;
  int32_t *buckets;
  uint32_t bucket_mask;
  int32_t free_head;
  /* Entries past this one were never used: taken in order, so untouched pages of the pool cost no memory. */
  uint32_t unused;
  int32_t oldest;
  int32_t newest;
  double clock_ms;
  meter_stats_t stats;
  uint8_t *out;
  size_t out_count;
  /* Bytes, as is snapshot_capacity. */
  size_t out_capacity;
  int out_failed;
  uint8_t *snapshot;
  size_t snapshot_capacity;
  fragment_slot_t *fragment_slots;
  packet_t packet;
  /* `packet` holds the last frame's IP packet (a frame without IP leaves it stale). */
  int packet_is_ip;
};

meter_t *meter_create(const meter_config_t *config) {
  meter_t *m = calloc(1, sizeof(meter_t));
  if (m == NULL) return NULL;
  m->config = *config;
  uint32_t buckets = bucket_count(config->max_flows);
  m->bucket_mask = buckets - 1;
  /* calloc'd pages are not touched until used: a large max_flows costs memory only as flows fill it. */
  m->flows = calloc(config->max_flows, sizeof(flow_t));
  m->buckets = malloc(sizeof(int32_t) * buckets);
  m->fragment_slots = calloc(FRAGMENT_SLOTS, sizeof(fragment_slot_t));
  m->out_capacity = RECORD_SIZE * INITIAL_OUT_RECORDS;
  m->out = malloc(m->out_capacity);
  if (m->flows == NULL || m->buckets == NULL || m->fragment_slots == NULL || m->out == NULL) {
    meter_destroy(m);
    return NULL;
  }
  memset(m->buckets, 0xff, sizeof(int32_t) * buckets);
  m->free_head = -1;
  m->oldest = m->newest = -1;
  m->clock_ms = -1e300;
  return m;
}

void meter_destroy(meter_t *m) {
  if (m == NULL) return;
  free(m->flows);
  free(m->buckets);
  free(m->fragment_slots);
  free(m->out);
  free(m->snapshot);
  free(m);
}

static void write_record(uint8_t *r, const flow_t *f, enum end_reason reason) {
  memset(r, 0, RECORD_SIZE);
  int o = f->orig_is_a ? 0 : 1;
  const uint8_t *orig = o == 0 ? f->key.a : f->key.b;
  const uint8_t *resp = o == 0 ? f->key.b : f->key.a;
  put_f64(r + R_FIRST, f->first_ms);
  put_f64(r + R_LAST, f->last_ms);
  put_f64(r + R_ORIG_PACKETS, (double)f->packets[0]);
  put_f64(r + R_RESP_PACKETS, (double)f->packets[1]);
  put_f64(r + R_ORIG_BYTES, (double)f->bytes[0]);
  put_f64(r + R_RESP_BYTES, (double)f->bytes[1]);
  memcpy(r + R_ORIG_ADDRESS, orig, 16);
  memcpy(r + R_RESP_ADDRESS, resp, 16);
  if (f->key.protocol == 1 || f->key.protocol == 58) {
    put_u16(r + R_ORIG_PORT, f->icmp_type);
    put_u16(r + R_RESP_PORT, f->icmp_code);
  } else {
    put_u16(r + R_ORIG_PORT, o == 0 ? f->key.port_a : f->key.port_b);
    put_u16(r + R_RESP_PORT, o == 0 ? f->key.port_b : f->key.port_a);
  }
  put_u16(r + R_ORIG_FLAGS, f->flags[0]);
  put_u16(r + R_RESP_FLAGS, f->flags[1]);
  put_u16(r + R_VLAN, f->key.vlan);
  put_u16(r + R_INNER_VLAN, f->inner_vlan);
  r[R_FAMILY] = f->key.family;
  r[R_PROTOCOL] = f->key.protocol;
  r[R_STATE] = (uint8_t)conn_state_of(&f->conn, f->key.protocol);
  r[R_END] = (uint8_t)reason;
  memcpy(r + R_ORIG_MAC, f->mac[0], 6);
  memcpy(r + R_RESP_MAC, f->mac[1], 6);
  r[R_MACS] = f->macs;
  r[R_ORIG_TTL] = f->ttl[0];
  r[R_RESP_TTL] = f->ttl[1];
  r[R_HISTORY_LENGTH] = f->conn.history_length;
  memcpy(r + R_HISTORY, f->conn.history, f->conn.history_length);
  put_u32(r + R_FRAGMENTS, f->fragments);
  for (int i = 0; i < SIZE_BINS; i++) put_u32(r + R_SIZES + 4 * i, f->sizes[i]);
  r[R_INITIATOR] = f->initiator_known;
}

/* Writes the flow's record out; the meter's output grows (doubling) when full. */
static void emit(meter_t *m, const flow_t *f, enum end_reason reason) {
  size_t need = RECORD_SIZE * (m->out_count + 1);
  if (reserve_bytes(&m->out, &m->out_capacity, need, RECORD_SIZE * INITIAL_OUT_RECORDS) < 0) {
    m->out_failed = 1;
    return;
  }
  write_record(m->out + RECORD_SIZE * m->out_count++, f, reason);
  m->stats.flows++;
}

static void unlink_lru(meter_t *m, int32_t i) {
  flow_t *f = &m->flows[i];
  if (f->older >= 0)
    m->flows[f->older].newer = f->newer;
  else
    m->oldest = f->newer;
  if (f->newer >= 0)
    m->flows[f->newer].older = f->older;
  else
    m->newest = f->older;
}

static void link_newest(meter_t *m, int32_t i) {
  flow_t *f = &m->flows[i];
  f->older = m->newest;
  f->newer = -1;
  if (m->newest >= 0)
    m->flows[m->newest].newer = i;
  else
    m->oldest = i;
  m->newest = i;
}

/* Writes the flow out and returns its entry to the free list. */
static void release(meter_t *m, int32_t i, enum end_reason reason) {
  flow_t *f = &m->flows[i];
  emit(m, f, reason);
  int32_t *link = &m->buckets[f->hash & m->bucket_mask];
  while (*link != i) link = &m->flows[*link].bucket_next;
  *link = f->bucket_next;
  unlink_lru(m, i);
  f->bucket_next = m->free_head;
  m->free_head = i;
  m->stats.active--;
}

static void expire_idle(meter_t *m) {
  while (m->oldest >= 0 && m->clock_ms - m->flows[m->oldest].last_ms >= m->config.idle_ms)
    release(m, m->oldest, END_IDLE);
}

/* Starts counting afresh on the same key (an active timeout's next record, a reused 5-tuple). */
static void reset_counters(flow_t *f, double ts_ms) {
  f->first_ms = ts_ms;
  f->last_ms = ts_ms;
  memset(f->packets, 0, sizeof(f->packets));
  memset(f->bytes, 0, sizeof(f->bytes));
  memset(f->flags, 0, sizeof(f->flags));
  memset(f->sizes, 0, sizeof(f->sizes));
  f->fragments = 0;
}

static void start_flow(flow_t *f, const packet_t *p, int from_a) {
  reset_counters(f, p->ts_ms);
  f->macs = 0;
  f->ttl[0] = f->ttl[1] = 0;
  f->inner_vlan = p->inner_vlan;
  int flip = p->protocol == 6 && conn_flips(p->tcp_flags);
  f->orig_is_a = (uint8_t)(flip ? !from_a : from_a);
  f->initiator_known = p->protocol != 6 || (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN || flip;
  f->icmp_type = p->source_port;
  f->icmp_code = p->destination_port;
  conn_start(&f->conn, flip);
}

/* Size bins of RFC 2819's etherStatsPkts*Octets, by IP length: <=64, 65-127, 128-255, 256-511, 512-1023, 1024-1518, larger. */
static int size_bin(uint32_t length) {
  if (length <= 64) return 0;
  if (length < 128) return 1;
  if (length < 256) return 2;
  if (length < 512) return 3;
  if (length < 1024) return 4;
  if (length <= 1518) return 5;
  return 6;
}

static void count(flow_t *f, const packet_t *p, int side) {
  f->last_ms = p->ts_ms > f->last_ms ? p->ts_ms : f->last_ms;
  if (p->ts_ms < f->first_ms) f->first_ms = p->ts_ms;
  f->packets[side]++;
  f->bytes[side] += p->ip_length;
  f->flags[side] |= p->tcp_flags;
  f->sizes[size_bin(p->ip_length)]++;
  if (p->fragment) f->fragments++;
  if (f->ttl[side] == 0 || p->ttl < f->ttl[side]) f->ttl[side] = p->ttl;
  uint8_t have = (uint8_t)(1 << side);
  if (p->has_mac && !(f->macs & have)) {
    memcpy(f->mac[side], p->source_mac, 6);
    f->macs |= have;
  }
  /* The destination MAC of a frame is the other side's, when that side has sent none yet. */
  uint8_t other = (uint8_t)(1 << (1 - side));
  if (p->has_mac == 1 && !(f->macs & other)) {
    memcpy(f->mac[1 - side], p->destination_mac, 6);
    f->macs |= other;
  }
}

/* The ports a later fragment's datagram had in its first fragment, when that one was seen. */
static fragment_slot_t *fragment_slot(meter_t *m, const packet_t *p) {
  uint32_t h = p->fragment_id * 2654435761u;
  h ^= (uint32_t)p->source[0] << 8 ^ p->source[3] ^ (uint32_t)p->destination[3] << 16 ^ p->protocol;
  return &m->fragment_slots[h & (FRAGMENT_SLOTS - 1)];
}

static void fragment_ports(meter_t *m, packet_t *p) {
  fragment_slot_t *s = fragment_slot(m, p);
  int same = s->used && s->id == p->fragment_id && s->protocol == p->protocol &&
             memcmp(s->source, p->source, 16) == 0 && memcmp(s->destination, p->destination, 16) == 0;
  if (p->fragment == 1) {
    memcpy(s->source, p->source, 16);
    memcpy(s->destination, p->destination, 16);
    s->id = p->fragment_id;
    s->protocol = p->protocol;
    s->source_port = p->source_port;
    s->destination_port = p->destination_port;
    s->used = 1;
  } else if (same) {
    p->source_port = s->source_port;
    p->destination_port = s->destination_port;
  }
}

/* The key's ports for ICMP: the type and its counterpart (echo request and reply are one flow), or type and code. */
static void icmp_ports(const meter_t *m, const packet_t *p, uint16_t *source, uint16_t *destination) {
  const int16_t *table = p->protocol == 1 ? m->config.icmp4_counterpart : m->config.icmp6_counterpart;
  int16_t counterpart = table[p->source_port & 0xff];
  *source = p->source_port;
  *destination = counterpart >= 0 ? (uint16_t)counterpart : p->destination_port;
}

void meter_frame(meter_t *m, uint32_t linktype, double ts_ms, const uint8_t *frame, uint32_t captured) {
  packet_t *p = &m->packet;
  p->ts_ms = ts_ms;
  m->stats.packets++;
  if (ts_ms > m->clock_ms) m->clock_ms = ts_ms;
  enum decode_result result = packet_decode(linktype, frame, captured, p);
  m->packet_is_ip = result == PACKET_IP;
  if (result != PACKET_IP) {
    if (result == PACKET_NOT_IP)
      m->stats.not_ip++;
    else
      m->stats.broken++;
    return;
  }
  m->stats.ip_packets++;
  if (p->fragment) {
    m->stats.fragments++;
    fragment_ports(m, p);
  }
  expire_idle(m);

  flow_key_t k;
  uint16_t source_port = p->source_port;
  uint16_t destination_port = p->destination_port;
  if (p->protocol == 1 || p->protocol == 58) icmp_ports(m, p, &source_port, &destination_port);
  int address_order = memcmp(p->source, p->destination, 16);
  int from_a = address_order < 0 || (address_order == 0 && source_port <= destination_port);
  memcpy(k.a, from_a ? p->source : p->destination, 16);
  memcpy(k.b, from_a ? p->destination : p->source, 16);
  k.port_a = from_a ? source_port : destination_port;
  k.port_b = from_a ? destination_port : source_port;
  k.vlan = p->vlan;
  k.protocol = p->protocol;
  k.family = p->family;
  uint32_t h = hash_key(&k);

  int32_t i = m->buckets[h & m->bucket_mask];
  while (i >= 0 && (m->flows[i].hash != h || memcmp(&m->flows[i].key, &k, sizeof(flow_key_t)) != 0))
    i = m->flows[i].bucket_next;

  flow_t *f;
  if (i < 0) {
    if (m->free_head < 0 && m->unused < m->config.max_flows) {
      i = (int32_t)m->unused++;
      f = &m->flows[i];
    } else {
      if (m->free_head < 0) {
        m->stats.evicted++;
        release(m, m->oldest, END_EVICTED);
      }
      i = m->free_head;
      f = &m->flows[i];
      m->free_head = f->bucket_next;
    }
    f->key = k;
    f->hash = h;
    f->bucket_next = m->buckets[h & m->bucket_mask];
    m->buckets[h & m->bucket_mask] = i;
    link_newest(m, i);
    m->stats.active++;
    start_flow(f, p, from_a);
  } else {
    f = &m->flows[i];
    if (m->newest != i) {
      unlink_lru(m, i);
      link_newest(m, i);
    }
    if (p->protocol == 6 && conn_reopens(&f->conn, p->tcp_flags)) {
      emit(m, f, END_REUSED);
      start_flow(f, p, from_a);
    } else if (ts_ms - f->first_ms >= m->config.active_ms) {
      emit(m, f, END_ACTIVE);
      reset_counters(f, ts_ms);
      conn_continue(&f->conn);
    }
  }
  int side = (from_a == f->orig_is_a) ? 0 : 1;
  f->counted_at = m->stats.ip_packets;
  count(f, p, side);
  conn_packet(&f->conn, p->protocol, side, p->tcp_flags, p->payload);
}

void meter_advance(meter_t *m, double now_ms) {
  if (now_ms > m->clock_ms) m->clock_ms = now_ms;
  expire_idle(m);
}

void meter_finish(meter_t *m) {
  while (m->oldest >= 0) release(m, m->oldest, END_FINISHED);
}

const uint8_t *meter_output(meter_t *m, size_t *count) {
  *count = m->out_count;
  return m->out;
}

void meter_take(meter_t *m) { m->out_count = 0; }

int meter_output_failed(const meter_t *m) { return m->out_failed; }

const meter_stats_t *meter_stats(const meter_t *m) { return &m->stats; }

double meter_clock(const meter_t *m) { return m->clock_ms; }

int meter_snapshot(meter_t *m, uint64_t since, const uint8_t **records, size_t *count, uint64_t *sequence) {
  *records = m->snapshot;
  *count = 0;
  *sequence = m->stats.ip_packets;
  size_t wanted = 0;
  for (int32_t i = m->newest; i >= 0 && m->flows[i].counted_at > since; i = m->flows[i].older) wanted++;
  if (reserve_bytes(&m->snapshot, &m->snapshot_capacity, RECORD_SIZE * wanted, RECORD_SIZE * wanted) < 0) return -1;
  for (int32_t i = m->newest; *count < wanted; i = m->flows[i].older)
    write_record(m->snapshot + RECORD_SIZE * (*count)++, &m->flows[i], END_OPEN);
  *records = m->snapshot;
  return 0;
}

const packet_t *meter_packet(const meter_t *m) { return m->packet_is_ip ? &m->packet : NULL; }
