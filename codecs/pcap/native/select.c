/*
 * One session's records out of a ring file's. Each record is decoded as the meter decodes it (packet.c), so the
 * packets kept are those the meter counted in the session's flows; the index only narrowed the bytes read.
 */
#include <string.h>

#include "packet-store.h"

/* First fragments of the session whose later fragments are still to come (by fragment id), newest last. */
#define FRAGMENT_IDS 64

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* 1: the packet goes from A to B; 2: from B to A; 0: neither (other addresses or ports). */
static int direction(const selector_t *s, const packet_t *p) {
  int icmp = p->protocol == 1 || p->protocol == 58;
  int ports = !s->any_ports && !icmp;
  if (memcmp(p->source, s->a, 16) == 0 && memcmp(p->destination, s->b, 16) == 0 &&
      (!ports || (p->source_port == s->port_a && p->destination_port == s->port_b)))
    return 1;
  if (memcmp(p->source, s->b, 16) == 0 && memcmp(p->destination, s->a, 16) == 0 &&
      (!ports || (p->source_port == s->port_b && p->destination_port == s->port_a)))
    return 2;
  return 0;
}

static int known_fragment(const uint32_t *ids, int count, const packet_t *p) {
  for (int i = 0; i < count; i++)
    if (ids[i] == p->fragment_id) return 1;
  return 0;
}

selection_t select_records(const uint8_t *data, size_t length, uint32_t linktype, const selector_t *s, uint8_t *out) {
  selection_t result = {0, 0, 0};
  uint32_t fragment_ids[FRAGMENT_IDS];
  int fragments = 0;
  packet_t p;
  size_t at = 0;
  while (at + PCAP_RECORD_HEADER <= length) {
    uint32_t captured = le32(data + at + 8);
    size_t total = PCAP_RECORD_HEADER + (size_t)captured;
    if (total > length - at) break;
    const uint8_t *record = data + at;
    at += total;
    double ts_ms = (double)le32(record) * 1000.0 + (double)le32(record + 4) / 1000.0;
    if (ts_ms < s->from_ms || ts_ms > s->to_ms) continue;
    p.ts_ms = ts_ms;
    if (packet_decode(linktype, record + PCAP_RECORD_HEADER, captured, &p) != PACKET_IP) continue;
    if (p.family != s->family || (s->protocol >= 0 && p.protocol != s->protocol)) continue;
    int matched;
    if (p.fragment == 2 && !s->any_ports) {
      /* No transport header: the addresses and a first fragment of this session tell. */
      selector_t pair = *s;
      pair.any_ports = 1;
      matched = direction(&pair, &p) != 0 && known_fragment(fragment_ids, fragments, &p);
    } else {
      matched = direction(s, &p) != 0;
      if (matched && p.fragment == 1) {
        if (fragments == FRAGMENT_IDS) {
          memmove(fragment_ids, fragment_ids + 1, sizeof(uint32_t) * (FRAGMENT_IDS - 1));
          fragments--;
        }
        fragment_ids[fragments++] = p.fragment_id;
      }
    }
    if (!matched) continue;
    memcpy(out + result.written, record, total);
    result.written += total;
    result.matched++;
  }
  result.consumed = at;
  return result;
}
