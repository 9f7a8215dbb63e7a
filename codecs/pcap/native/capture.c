/*
 * The two capture formats: libpcap's (a 24-byte file header, then a 16-byte header per frame; either byte order,
 * micro- or nanosecond times) and pcapng (blocks; sections with their own byte order, interfaces with their own
 * link type, time resolution and offset). The stream is cut into units (a header, a record, a block) whose length
 * the first bytes of each tell.
 */
#include "capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define MAX_INTERFACES 64
#define MAX_UNIT (64u << 20)
/* libpcap refuses frames longer than this when the file's snap length is no larger. */
#define MAX_SNAPLEN 262144u

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 1u
#define PCAPNG_PB 2u
#define PCAPNG_SPB 3u
#define PCAPNG_EPB 6u

enum format { UNKNOWN, PCAP, PCAPNG };

typedef struct {
  uint32_t linktype;
  uint32_t snaplen;
  uint64_t units_per_second;
  int64_t offset_seconds;
} interface_t;

struct capture {
  enum format format;
  int big_endian;
  int nanoseconds;
  uint32_t linktype;
  uint32_t snaplen;
  interface_t interfaces[MAX_INTERFACES];
  int interface_count;
  double last_ts_ms;
  uint8_t *carry;
  size_t carry_length;
  size_t carry_capacity;
  /* Stream offset of the unit being read. */
  uint64_t offset;
  uint64_t frames;
  uint64_t skipped;
  uint64_t error_offset;
  char error[160];
};

capture_t *capture_create(void) { return calloc(1, sizeof(capture_t)); }

void capture_destroy(capture_t *c) {
  if (c == NULL) return;
  free(c->carry);
  free(c);
}

static uint32_t u32(const capture_t *c, const uint8_t *p) {
  if (c->big_endian) return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t u16(const capture_t *c, const uint8_t *p) {
  return c->big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int fail(capture_t *c, const char *what) {
  snprintf(c->error, sizeof(c->error), "%s", what);
  c->error_offset = c->offset;
  return -1;
}

/* The unit's length; 0 with *need set when its first bytes are not all there yet; -1 when it cannot be one. */
static long unit_length(capture_t *c, const uint8_t *p, size_t available, size_t *need) {
  switch (c->format) {
    case UNKNOWN: {
      if (available < 12) {
        *need = 12;
        return 0;
      }
      uint32_t magic = le32(p);
      if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du || magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) return 24;
      if (magic == PCAPNG_SHB) {
        uint32_t order = le32(p + 8);
        if (order != 0x1A2B3C4Du && order != 0x4D3C2B1Au) return -1;
        c->big_endian = order == 0x4D3C2B1Au;
        uint32_t length = u32(c, p + 4);
        return length < 28 || length % 4 != 0 || length > MAX_UNIT ? -1 : (long)length;
      }
      return -1;
    }
    case PCAP: {
      if (available < 16) {
        *need = 16;
        return 0;
      }
      uint32_t captured = u32(c, p + 8);
      if (captured > MAX_SNAPLEN && captured > c->snaplen) return -1;
      return 16 + (long)captured;
    }
    case PCAPNG: {
      if (available < 12) {
        *need = 12;
        return 0;
      }
      if (le32(p) == PCAPNG_SHB) {
        uint32_t order = le32(p + 8);
        if (order != 0x1A2B3C4Du && order != 0x4D3C2B1Au) return -1;
        c->big_endian = order == 0x4D3C2B1Au;
      }
      uint32_t length = u32(c, p + 4);
      return length < 12 || length % 4 != 0 || length > MAX_UNIT ? -1 : (long)length;
    }
  }
  return -1;
}

static void pcap_header(capture_t *c, const uint8_t *p) {
  uint32_t magic = le32(p);
  c->big_endian = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
  c->nanoseconds = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
  c->snaplen = u32(c, p + 16);
  c->linktype = u32(c, p + 20) & 0x03ffffff;
  c->format = PCAP;
}

static void pcap_record(capture_t *c, const uint8_t *p, long length, frame_fn fn, void *context) {
  double seconds = u32(c, p);
  double fraction = u32(c, p + 4);
  double ts_ms = seconds * 1000.0 + (c->nanoseconds ? fraction / 1e6 : fraction / 1e3);
  c->last_ts_ms = ts_ms;
  c->frames++;
  fn(context, c->linktype, ts_ms, p + 16, (uint32_t)(length - 16), u32(c, p + 12));
}

static uint64_t power(uint64_t base, unsigned exponent) {
  uint64_t v = 1;
  while (exponent-- > 0 && v < (1ULL << 60) / base) v *= base;
  return v;
}

static void interface_block(capture_t *c, const uint8_t *p, long length) {
  if (c->interface_count >= MAX_INTERFACES || length < 20) {
    c->skipped++;
    return;
  }
  interface_t *i = &c->interfaces[c->interface_count++];
  i->linktype = u16(c, p + 8);
  i->snaplen = u32(c, p + 12);
  i->units_per_second = 1000000;
  i->offset_seconds = 0;
  long at = 16;
  while (at + 4 <= length - 4) {
    uint16_t code = u16(c, p + at);
    uint16_t size = u16(c, p + at + 2);
    if (code == 0 || at + 4 + size > length - 4) break;
    const uint8_t *value = p + at + 4;
    if (code == 9 && size >= 1)
      i->units_per_second = value[0] & 0x80 ? power(2, value[0] & 0x7f) : power(10, value[0]);
    if (code == 14 && size >= 8) {
      uint64_t high = u32(c, value), low = u32(c, value + 4);
      i->offset_seconds = (int64_t)(c->big_endian ? high << 32 | low : low << 32 | high);
    }
    at += 4 + ((size + 3) & ~3);
  }
}

static void pcapng_packet(capture_t *c, const interface_t *i, uint64_t ts, const uint8_t *frame, uint32_t captured,
                          uint32_t original, frame_fn fn, void *context) {
  uint64_t ups = i->units_per_second;
  double ts_ms = (double)(ts / ups) * 1000.0 + (double)(ts % ups) * 1000.0 / (double)ups +
                 (double)i->offset_seconds * 1000.0;
  c->last_ts_ms = ts_ms;
  c->frames++;
  fn(context, i->linktype, ts_ms, frame, captured, original < captured ? captured : original);
}

static void pcapng_block(capture_t *c, const uint8_t *p, long length, frame_fn fn, void *context) {
  uint32_t type = u32(c, p);
  if (type == PCAPNG_SHB) {
    c->format = PCAPNG;
    c->interface_count = 0;
  } else if (type == PCAPNG_IDB) {
    interface_block(c, p, length);
  } else if (type == PCAPNG_EPB || type == PCAPNG_PB) {
    if (length < 32) {
      c->skipped++;
      return;
    }
    uint32_t id = type == PCAPNG_EPB ? u32(c, p + 8) : u16(c, p + 8);
    uint32_t captured = u32(c, p + 20);
    if (id >= (uint32_t)c->interface_count || 28 + (long)captured > length - 4) {
      c->skipped++;
      return;
    }
    uint64_t ts = (uint64_t)u32(c, p + 12) << 32 | u32(c, p + 16);
    pcapng_packet(c, &c->interfaces[id], ts, p + 28, captured, u32(c, p + 24), fn, context);
  } else if (type == PCAPNG_SPB) {
    if (c->interface_count == 0 || length < 16) {
      c->skipped++;
      return;
    }
    uint32_t original = u32(c, p + 8);
    uint32_t captured = (uint32_t)(length - 16);
    if (original < captured) captured = original;
    if (c->interfaces[0].snaplen > 0 && captured > c->interfaces[0].snaplen) captured = c->interfaces[0].snaplen;
    /* A simple packet block has no time: it is counted at the time of the packet before it. */
    c->frames++;
    fn(context, c->interfaces[0].linktype, c->last_ts_ms, p + 12, captured, original);
  }
}

static void unit(capture_t *c, const uint8_t *p, long length, frame_fn fn, void *context) {
  if (c->format == PCAP)
    pcap_record(c, p, length, fn, context);
  else if (c->format == PCAPNG || le32(p) == PCAPNG_SHB)
    pcapng_block(c, p, length, fn, context);
  else
    pcap_header(c, p);
  c->offset += (uint64_t)length;
}

static int append(capture_t *c, const uint8_t *data, size_t length) {
  if (reserve_bytes(&c->carry, &c->carry_capacity, c->carry_length + length, 65536) < 0) return -1;
  memcpy(c->carry + c->carry_length, data, length);
  c->carry_length += length;
  return 0;
}

static const char *NOT_CAPTURE = "not a pcap or pcapng capture (unknown magic number)";
static const char *BAD_LENGTH = "record length out of range: the capture is damaged here, the rest is not read";

int capture_push(capture_t *c, const uint8_t *data, size_t length, frame_fn fn, void *context) {
  if (c->error[0] != '\0') return -1;
  size_t at = 0;
  size_t need = 0;
  while (c->carry_length > 0) {
    long total = unit_length(c, c->carry, c->carry_length, &need);
    if (total < 0) return fail(c, c->format == UNKNOWN ? NOT_CAPTURE : BAD_LENGTH);
    size_t target = total > 0 ? (size_t)total : need;
    size_t take = target - c->carry_length;
    if (take > length - at) take = length - at;
    if (append(c, data + at, take) < 0) return fail(c, "out of memory");
    at += take;
    if (c->carry_length < target) return 0;
    if (total > 0) {
      unit(c, c->carry, total, fn, context);
      c->carry_length = 0;
    }
  }
  while (at < length) {
    long total = unit_length(c, data + at, length - at, &need);
    if (total < 0) return fail(c, c->format == UNKNOWN ? NOT_CAPTURE : BAD_LENGTH);
    if (total == 0 || (size_t)total > length - at) {
      if (append(c, data + at, length - at) < 0) return fail(c, "out of memory");
      return 0;
    }
    unit(c, data + at, total, fn, context);
    at += (size_t)total;
  }
  return 0;
}

int capture_end(capture_t *c) {
  if (c->error[0] != '\0') return 0;
  if (c->format == UNKNOWN) {
    fail(c, c->carry_length == 0 ? "empty: no capture header" : "shorter than a capture file header");
    return 1;
  }
  if (c->carry_length == 0) return 0;
  snprintf(c->error, sizeof(c->error), "capture cut short: its last record is incomplete (%zu bytes of it present)",
           c->carry_length);
  c->error_offset = c->offset;
  return 1;
}

const char *capture_error(const capture_t *c) { return c->error; }
uint64_t capture_error_offset(const capture_t *c) { return c->error_offset; }
uint64_t capture_frames(const capture_t *c) { return c->frames; }
uint64_t capture_skipped(const capture_t *c) { return c->skipped; }

const char *capture_format(const capture_t *c) {
  return c->format == PCAP ? "pcap" : c->format == PCAPNG ? "pcapng" : "";
}
