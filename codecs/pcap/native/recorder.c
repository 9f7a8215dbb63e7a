/*
 * The recorder: frames out as classic pcap records, and the current ring file's session index, an open-addressing
 * table of `capacity` sessions (twice as many slots) allocated once per stream.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hash-table.h"
#include "packet-store.h"

#define INITIAL_OUT_BYTES (1 << 16)

typedef struct {
  uint8_t a[16];
  uint8_t b[16];
  uint16_t port_a;
  uint16_t port_b;
  uint8_t protocol;
  uint8_t family;
  uint16_t unused;
} session_key_t;

_Static_assert(sizeof(session_key_t) == HASHED_KEY_SIZE, "hash_key hashes the whole key");

typedef struct {
  session_key_t key;
  uint32_t packets;
  double first_ms;
  double last_ms;
  uint64_t first_offset;
  uint64_t last_offset;
} session_t;

struct recorder {
  uint32_t capacity;
  uint32_t mask;
  int32_t *slots;
  session_t *sessions;
  recorder_stats_t stats;
  uint8_t *out;
  size_t out_length;
  size_t out_capacity;
};

static void start_file(recorder_t *r) {
  memset(r->slots, 0xff, sizeof(int32_t) * (r->mask + 1));
  r->stats.sessions = 0;
  r->stats.overflow = 0;
  r->stats.records = 0;
  r->stats.first_ms = 0;
  r->stats.last_ms = 0;
  r->stats.offset = PCAP_FILE_HEADER;
}

recorder_t *recorder_create(uint32_t capacity) {
  recorder_t *r = calloc(1, sizeof(recorder_t));
  if (r == NULL) return NULL;
  uint32_t slots = bucket_count(capacity);
  r->capacity = capacity;
  r->mask = slots - 1;
  r->slots = malloc(sizeof(int32_t) * slots);
  r->sessions = malloc(sizeof(session_t) * (capacity > 0 ? capacity : 1));
  r->out_capacity = INITIAL_OUT_BYTES;
  r->out = malloc(r->out_capacity);
  if (r->slots == NULL || r->sessions == NULL || r->out == NULL) {
    recorder_destroy(r);
    return NULL;
  }
  r->stats.linktype = -1;
  start_file(r);
  return r;
}

void recorder_destroy(recorder_t *r) {
  if (r == NULL) return;
  free(r->slots);
  free(r->sessions);
  free(r->out);
  free(r);
}

static void index_packet(recorder_t *r, const packet_t *p, double ts_ms, uint64_t offset) {
  session_key_t k;
  int icmp = p->protocol == 1 || p->protocol == 58;
  uint16_t source_port = icmp ? 0 : p->source_port;
  uint16_t destination_port = icmp ? 0 : p->destination_port;
  int order = memcmp(p->source, p->destination, 16);
  int source_first = order < 0 || (order == 0 && source_port <= destination_port);
  memcpy(k.a, source_first ? p->source : p->destination, 16);
  memcpy(k.b, source_first ? p->destination : p->source, 16);
  k.port_a = source_first ? source_port : destination_port;
  k.port_b = source_first ? destination_port : source_port;
  k.protocol = p->protocol;
  k.family = p->family;
  k.unused = 0;
  uint32_t slot = hash_key(&k) & r->mask;
  for (;;) {
    int32_t i = r->slots[slot];
    if (i < 0) break;
    session_t *s = &r->sessions[i];
    if (memcmp(&s->key, &k, sizeof(k)) == 0) {
      s->packets++;
      if (ts_ms < s->first_ms) s->first_ms = ts_ms;
      if (ts_ms > s->last_ms) s->last_ms = ts_ms;
      s->last_offset = offset;
      return;
    }
    slot = (slot + 1) & r->mask;
  }
  if (r->stats.sessions >= r->capacity) {
    r->stats.overflow = 1;
    return;
  }
  int32_t i = (int32_t)r->stats.sessions++;
  session_t *s = &r->sessions[i];
  s->key = k;
  s->packets = 1;
  s->first_ms = s->last_ms = ts_ms;
  s->first_offset = s->last_offset = offset;
  r->slots[slot] = i;
}

void recorder_frame(recorder_t *r, uint32_t linktype, double ts_ms, const uint8_t *frame, uint32_t captured,
                    uint32_t original, const packet_t *p) {
  if (r->stats.linktype < 0) r->stats.linktype = linktype;
  if ((uint32_t)r->stats.linktype != linktype) {
    r->stats.other_linktype++;
    return;
  }
  size_t need = r->out_length + PCAP_RECORD_HEADER + captured;
  if (reserve_bytes(&r->out, &r->out_capacity, need, INITIAL_OUT_BYTES) < 0) {
    r->stats.out_of_memory++;
    return;
  }
  double seconds = floor(ts_ms / 1000.0);
  double micros = llround((ts_ms - seconds * 1000.0) * 1000.0);
  if (micros >= 1e6) {
    seconds += 1;
    micros -= 1e6;
  }
  if (seconds < 0) seconds = micros = 0;
  uint8_t *h = r->out + r->out_length;
  put_u32(h, (uint32_t)seconds);
  put_u32(h + 4, (uint32_t)micros);
  put_u32(h + 8, captured);
  put_u32(h + 12, original);
  memcpy(h + PCAP_RECORD_HEADER, frame, captured);
  r->out_length = need;
  uint64_t offset = r->stats.offset;
  r->stats.offset += PCAP_RECORD_HEADER + captured;
  if (r->stats.records == 0 || ts_ms < r->stats.first_ms) r->stats.first_ms = ts_ms;
  if (r->stats.records == 0 || ts_ms > r->stats.last_ms) r->stats.last_ms = ts_ms;
  r->stats.records++;
  if (p != NULL) index_packet(r, p, ts_ms, offset);
}

const uint8_t *recorder_output(const recorder_t *r, size_t *length) {
  *length = r->out_length;
  return r->out;
}

void recorder_take_output(recorder_t *r) { r->out_length = 0; }

void recorder_seal(recorder_t *r, uint8_t *out) {
  for (uint32_t i = 0; i < r->stats.sessions; i++) {
    const session_t *s = &r->sessions[i];
    uint8_t *e = out + (size_t)ENTRY_SIZE * i;
    memset(e, 0, ENTRY_SIZE);
    memcpy(e + E_A, s->key.a, 16);
    memcpy(e + E_B, s->key.b, 16);
    put_u16(e + E_PORT_A, s->key.port_a);
    put_u16(e + E_PORT_B, s->key.port_b);
    e[E_PROTOCOL] = s->key.protocol;
    e[E_FAMILY] = s->key.family;
    put_u32(e + E_PACKETS, s->packets);
    put_f64(e + E_FIRST_MS, s->first_ms);
    put_f64(e + E_LAST_MS, s->last_ms);
    put_f64(e + E_FIRST_OFFSET, (double)s->first_offset);
    put_f64(e + E_LAST_OFFSET, (double)s->last_offset);
  }
  start_file(r);
}

const recorder_stats_t *recorder_stats(const recorder_t *r) { return &r->stats; }
