/*
 * Zeek conn.log TSV lines to flow documents, for the lines that make up nearly every real conn.log: printable
 * ASCII with nothing to unescape or escape, plain decimal numbers, dotted-quad or plain IPv6 addresses and a
 * known protocol name. For any other line `map` returns undefined and the TypeScript mapping (ConnTsvReader and
 * toFlowRecord) writes it; that mapping is the reference, and conn-tsv.test.ts holds this one to giving the
 * same id and the same text for every line it maps. What the document holds that is not read off the line comes
 * from the TypeScript side when a mapper is made, so it is defined once: every piece of the document's text
 * between values (FLOW_TEXT in src/schema/flow.ts, CONNECTION_TEXT in codecs/zeek/conn.ts), the event members,
 * transport names, state messages, local networks, protocol numbers and ICMP counterparts. This file holds no
 * field name; it decides only which piece comes when, in the order toFlowRecord writes them.
 *
 * Doubles are computed with the same operations, in the same order, as the TypeScript, and compiled without
 * contraction (-ffp-contract=off), so the times and durations written are the same to the last bit.
 */
#include <math.h>
#include <stddef.h>
#include <node_api.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/** Longer lines are left to the TypeScript mapping. */
#define LINE_CAP 16384

#define SECONDS_REMEMBERED 64

enum Kind { KIND_TEXT, KIND_TIME, KIND_REAL, KIND_INTEGER, KIND_BOOL };

/* Columns of the mapped fields, in the order of `MAPPED_ORDER` in conn-native.ts; -1 when the header has none. */
enum Mapped {
  TS,
  UID,
  ORIG_H,
  ORIG_P,
  RESP_H,
  RESP_P,
  PROTO,
  COMMUNITY_ID,
  SERVICE,
  DURATION,
  STATE,
  ORIG_PKTS,
  RESP_PKTS,
  ORIG_BYTES,
  RESP_BYTES,
  ORIG_MAC,
  RESP_MAC,
  VLAN,
  LOCAL_ORIG,
  LOCAL_RESP,
  IP_PROTO,
  MAPPED_COUNT
};

typedef struct {
  char *text;
  int length;
} text_t;

/* The pieces of document text the mapper is handed, by their names in the `text` option (TEXT_NAMES). */
enum Text {
  T_OPEN,
  T_QUOTE,
  T_START,
  T_END,
  T_DURATION,
  T_SOURCE,
  T_DESTINATION,
  T_NETWORK,
  T_IANA_NUMBER,
  T_IPV4,
  T_IPV6,
  T_BYTES,
  T_PACKETS,
  T_COMMUNITY_ID,
  T_PROTOCOL,
  T_VLAN,
  T_FLOW_INTERNAL,
  T_FLOW_EXTERNAL,
  T_FLOW_ID,
  T_RELATED,
  T_RELATED_END,
  T_CLIENT,
  T_SERVER,
  T_MESSAGE,
  T_MESSAGE_FROM,
  T_MESSAGE_TO,
  T_MESSAGE_PORT,
  T_MESSAGE_V6_OPEN,
  T_MESSAGE_V6_CLOSE,
  T_ECS,
  T_CLOSE,
  T_IP,
  T_INTERNAL,
  T_EXTERNAL,
  T_PORT,
  T_MAC,
  T_NAMESPACE,
  T_SESSION_ID,
  T_CONNECTION,
  T_STATE,
  T_ICMP_TYPE,
  T_ICMP_CODE,
  T_FLOWTRAIL,
  T_INITIATOR,
  T_INITIATOR_SOURCE,
  TEXT_COUNT
};

static const char *const TEXT_NAMES[TEXT_COUNT] = {
    "open",     "quote",         "start",        "end",          "duration",  "source",    "destination",
    "network",  "ianaNumber",    "ipv4",         "ipv6",         "bytes",     "packets",   "communityId",
    "protocol", "vlan",          "flowInternal", "flowExternal", "flowId",    "related",   "relatedEnd",
    "client",   "server",        "message",      "messageFrom",  "messageTo", "messagePort", "messageV6Open",
    "messageV6Close", "ecs",     "close",        "ip",           "internal",  "external",  "port",
    "mac",      "namespace",     "sessionId",    "connection",   "state",     "icmpType",  "icmpCode",
    "flowtrail", "initiator", "initiatorSource"};

/* `network.direction`'s values, quoted, in the order of DIRECTIONS in src/schema/flow.ts. */
enum Direction { INBOUND, OUTBOUND, INTERNAL, EXTERNAL, DIRECTION_COUNT };

typedef struct {
  int at;
  int kind;
  int container;
  text_t name;
} member_t;

typedef struct {
  text_t state;
  text_t json;
} state_t;

typedef struct {
  text_t name;
  int number;
} protocol_t;

typedef struct {
  char separator;
  char set_separator;
  text_t empty;
  text_t unset;
  int columns;
  int at[MAPPED_COUNT];
  int member_count;
  member_t *members;
  int state_count;
  state_t *states;
  int protocol_count;
  protocol_t *protocols;
  text_t transports[256];
  int v4_count;
  uint32_t *v4;
  int v6_count;
  uint8_t *v6;
  text_t event_head;
  text_t text[TEXT_COUNT];
  text_t directions[DIRECTION_COUNT];
  text_t dataset;
  text_t module;
  int icmp4[256];
  int icmp6[256];
  uint8_t ported[256];
  /* SHA-1 fetched once: looking the digest up by name on every hash took locks and cost more than hashing. */
  EVP_MD *sha1;
  EVP_MD_CTX *digest;
  /* The text of recently formatted seconds, `YYYY-MM-DDTHH:MM:SS.`, by second modulo SECONDS_REMEMBERED. */
  int64_t seconds[SECONDS_REMEMBERED];
  char second_text[SECONDS_REMEMBERED][20];
  int *starts;
  int *ends;
  /* The id's message: its first `id_prefix` words (dataset and module) are written once. */
  uint32_t *words;
  int id_prefix;
  char line[LINE_CAP];
  /* The document: see `document_capacity`. */
  char *out;
} mapper_t;

/* ---- what a line's fields hold ---- */

static int field_is(const mapper_t *m, int at, const char *text, int length) {
  return m->ends[at] - m->starts[at] == length && memcmp(m->line + m->starts[at], text, length) == 0;
}

static int is_unset(const mapper_t *m, int at) { return field_is(m, at, m->unset.text, m->unset.length); }

/** As LineFields.text: 0 when absent; `(empty)` reads as "". No escapes remain: the line has no backslash. */
static int text_of(const mapper_t *m, int at, text_t *out) {
  if (at == -1 || is_unset(m, at)) return 0;
  if (field_is(m, at, m->empty.text, m->empty.length)) {
    out->text = (char *)"";
    out->length = 0;
  } else {
    out->text = (char *)m->line + m->starts[at];
    out->length = m->ends[at] - m->starts[at];
  }
  return 1;
}

/** LineFields.decimal for the plain decimals it reads digit by digit; 0 for anything it leaves to `Number`. */
static int plain_decimal(const char *s, int length, double *out) {
  int i = 0;
  int negative = length > 0 && s[0] == '-';
  if (negative) i++;
  int digits = 0;
  int point = 0;
  double scale = 1;
  double n = 0;
  for (; i < length; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      digits++;
      if (point) scale *= 10;
    } else if (c == '.' && !point) {
      point = 1;
    } else {
      return 0;
    }
  }
  if (digits == 0 || n > 9007199254740991.0) return 0;
  double value = n / scale;
  *out = negative ? -value : value;
  return 1;
}

enum { ABSENT, PRESENT, UNSURE };

/** As LineFields.number: ABSENT, PRESENT with the value, or UNSURE when only `Number` would know. */
static int number_of(const mapper_t *m, int at, double *out) {
  if (at == -1 || is_unset(m, at)) return ABSENT;
  return plain_decimal(m->line + m->starts[at], m->ends[at] - m->starts[at], out) ? PRESENT : UNSURE;
}

/** An integer number of `number_of` (ports, counts): anything else is UNSURE, since JSON would write a fraction. */
static int integer_of(const mapper_t *m, int at, double *out) {
  int status = number_of(m, at, out);
  if (status == PRESENT && *out != floor(*out)) return UNSURE;
  return status;
}

/** `integer_of` into a value and whether it is there; 0 when UNSURE. */
static int optional_integer(const mapper_t *m, int at, double *value, int *present) {
  int status = integer_of(m, at, value);
  *present = status == PRESENT;
  return status != UNSURE;
}

/** -1 absent, 0 false, 1 true: LineFields.flag. */
static int flag_of(const mapper_t *m, int at) {
  if (at == -1 || is_unset(m, at)) return -1;
  return field_is(m, at, "T", 1);
}

/* ---- writing ---- */

typedef struct {
  char *at;
} out_t;

static void put(out_t *o, const char *text, int length) {
  memcpy(o->at, text, length);
  o->at += length;
}

#define PUT_LITERAL(o, literal) put((o), (literal), (int)sizeof(literal) - 1)

static void put_text(out_t *o, text_t t) { put(o, t.text, t.length); }

static void put_quoted(out_t *o, text_t t) {
  *o->at++ = '"';
  put(o, t.text, t.length);
  *o->at++ = '"';
}

/** `${value}` of an integer double below 2^63: JavaScript writes -0 as 0. */
static int put_integer(out_t *o, double value) {
  if (!(fabs(value) < 9.2e18)) return 0;
  long long n = (long long)value;
  char digits[24];
  int count = 0;
  unsigned long long u = n < 0 ? (unsigned long long)(-(n + 1)) + 1 : (unsigned long long)n;
  do {
    digits[count++] = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (n < 0) *o->at++ = '-';
  while (count > 0) *o->at++ = digits[--count];
  return 1;
}

static void put_two(char *at, int value) {
  at[0] = (char)('0' + value / 10);
  at[1] = (char)('0' + value % 10);
}

/** `YYYY-MM-DDTHH:MM:SS.` of a whole second since 1970 before the year 10000. */
static void write_second(char *t, int64_t second) {
  int64_t days = second / 86400;
  int64_t in_day = second % 86400;
  /* Civil date of a day count (Howard Hinnant's days_from_civil, inverted), for days since 1970. */
  int64_t z = days + 719468;
  int64_t era = z / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int day = (int)(doy - (153 * mp + 2) / 5 + 1);
  int month = (int)(mp < 10 ? mp + 3 : mp - 9);
  int year = (int)(yoe + era * 400 + (month <= 2));
  put_two(t, year / 100);
  put_two(t + 2, year % 100);
  t[4] = '-';
  put_two(t + 5, month);
  t[7] = '-';
  put_two(t + 8, day);
  t[10] = 'T';
  put_two(t + 11, (int)(in_day / 3600));
  t[13] = ':';
  put_two(t + 14, (int)(in_day / 60 % 60));
  t[16] = ':';
  put_two(t + 17, (int)(in_day % 60));
  t[19] = '.';
}

/** IsoFormatter.format for the times Date writes with a four-digit year; 0 for the others. */
static int put_iso(out_t *o, mapper_t *m, double ms) {
  if (!(ms >= 0) || !isfinite(ms) || ms >= 253402300800000.0) return 0;
  int64_t whole = (int64_t)ms;
  int64_t second = whole / 1000;
  int slot = (int)(second % SECONDS_REMEMBERED);
  if (m->seconds[slot] != second) {
    write_second(m->second_text[slot], second);
    m->seconds[slot] = second;
  }
  memcpy(o->at, m->second_text[slot], 20);
  int millis = (int)(whole % 1000);
  o->at[20] = (char)('0' + millis / 100);
  put_two(o->at + 21, millis % 100);
  o->at[23] = 'Z';
  o->at += 24;
  return 1;
}

static void put_base64(out_t *o, const uint8_t *bytes, int length, int url) {
  const char *alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int i = 0;
  for (; i + 2 < length; i += 3) {
    uint32_t v = (uint32_t)bytes[i] << 16 | (uint32_t)bytes[i + 1] << 8 | bytes[i + 2];
    *o->at++ = alphabet[v >> 18];
    *o->at++ = alphabet[(v >> 12) & 63];
    *o->at++ = alphabet[(v >> 6) & 63];
    *o->at++ = alphabet[v & 63];
  }
  int rest = length - i;
  if (rest == 0) return;
  uint32_t v = (uint32_t)bytes[i] << 16 | (rest == 2 ? (uint32_t)bytes[i + 1] << 8 : 0);
  *o->at++ = alphabet[v >> 18];
  *o->at++ = alphabet[(v >> 12) & 63];
  if (rest == 2) *o->at++ = alphabet[(v >> 6) & 63];
  if (!url) {
    if (rest == 1) *o->at++ = '=';
    *o->at++ = '=';
  }
}

/* ---- addresses (src/schema/ipv4.ts and ip.ts) ---- */

/** parseIPv4: -1 unless a dotted quad without leading zeros. */
static int64_t parse_ipv4(const char *s, int length) {
  int64_t value = 0;
  int octet = 0, digits = 0, dots = 0;
  for (int i = 0; i < length; i++) {
    char c = s[i];
    if (c == '.') {
      if (digits == 0 || dots == 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= '0' && c <= '9') {
      if (digits == 3 || (digits > 0 && octet == 0)) return -1;
      octet = octet * 10 + (c - '0');
      if (octet > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots != 3 || digits == 0) return -1;
  return value * 256 + octet;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  int lower = c | 0x20;
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

/**
 * parseIPv6 for hexadecimal groups with at most one `::`: 1 when the 16 bytes are written. Its other forms (a zone,
 * an IPv4 tail) give 0, as does text that is no address, and are left to the TypeScript.
 */
static int parse_ipv6(const char *s, int length, uint8_t *out) {
  if (length < 2) return 0;
  uint16_t groups[8];
  int count = 0, gap = -1, i = 0;
  if (s[0] == ':') {
    if (s[1] != ':') return 0;
    gap = 0;
    i = 2;
  }
  while (i < length) {
    if (count == 8) return 0;
    int value = 0, j = i;
    for (; j < length; j++) {
      int digit = hex_value(s[j]);
      if (digit < 0) break;
      value = value * 16 + digit;
    }
    if (j == i || j - i > 4) return 0;
    groups[count++] = (uint16_t)value;
    i = j;
    if (i == length) break;
    if (s[i] != ':') return 0;
    i++;
    if (i == length) return 0;
    if (s[i] == ':') {
      if (gap != -1) return 0;
      gap = count;
      i++;
    }
  }
  if (gap == -1 ? count != 8 : count > 7) return 0;
  int zeros = 8 - count, g = 0;
  for (int k = 0; k < 8; k++) {
    int value = gap != -1 && k >= gap && k < gap + zeros ? 0 : groups[g++];
    out[2 * k] = (uint8_t)(value >> 8);
    out[2 * k + 1] = (uint8_t)(value & 255);
  }
  return 1;
}

/** writeAddress: 4 or 16 bytes written, or 0 when only ipaddr.js would know. */
static int address_of(text_t t, uint8_t *out) {
  int64_t v4 = parse_ipv4(t.text, t.length);
  if (v4 >= 0) {
    out[0] = (uint8_t)(v4 >> 24);
    out[1] = (uint8_t)(v4 >> 16);
    out[2] = (uint8_t)(v4 >> 8);
    out[3] = (uint8_t)v4;
    return 4;
  }
  return parse_ipv6(t.text, t.length, out) ? 16 : 0;
}

/** LocalNetworks.locality: 1 internal, 0 external. */
static int is_internal(const mapper_t *m, const uint8_t *bytes, int length) {
  int mapped = length == 16;
  for (int i = 0; mapped && i < 10; i++) mapped = bytes[i] == 0;
  if (length == 4 || (mapped && bytes[10] == 0xff && bytes[11] == 0xff)) {
    const uint8_t *b = bytes + length - 4;
    uint32_t address = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    for (int i = 0; i < m->v4_count; i++)
      if ((address & m->v4[2 * i + 1]) == m->v4[2 * i]) return 1;
    return 0;
  }
  for (int n = 0; n < m->v6_count; n++) {
    const uint8_t *network = m->v6 + 17 * n;
    int prefix = network[16];
    int whole = prefix >> 3, rest = prefix & 7, inside = 1;
    for (int i = 0; inside && i < whole; i++) inside = bytes[i] == network[i];
    if (inside && rest != 0) {
      int mask = (0xff << (8 - rest)) & 0xff;
      inside = (bytes[whole] & mask) == (network[whole] & mask);
    }
    if (inside) return 1;
  }
  return 0;
}

/* ---- Community ID (src/schema/community-id.ts) ---- */

static int compare_bytes(const uint8_t *a, const uint8_t *b, int length) {
  for (int i = 0; i < length; i++)
    if (a[i] != b[i]) return a[i] - b[i];
  return 0;
}

/** `1:` and the base64 digest, or nothing when the two addresses are not of one family; 0 if hashing failed. */
static int put_community_id(out_t *o, mapper_t *m, int protocol, const uint8_t *source, int source_length,
                             double source_port, int has_source_port, const uint8_t *destination,
                             int destination_length, double destination_port, int has_destination_port) {
  if (source_length != destination_length) return 1;
  int length = source_length;
  int has_ports = m->ported[protocol & 255] && has_source_port && has_destination_port;
  double sport = has_ports ? source_port : 0;
  double dport = has_ports ? destination_port : 0;
  const uint8_t *a = source, *b = destination;
  int one_way = 0;
  if (has_ports && (protocol == 1 || protocol == 58)) {
    const int *counterparts = protocol == 1 ? m->icmp4 : m->icmp6;
    int counterpart = sport >= 0 && sport < 256 ? counterparts[(int)sport] : -1;
    if (counterpart == -1) one_way = 1;
    else dport = counterpart;
  }
  if (!one_way) {
    int order = compare_bytes(a, b, length);
    if (order > 0 || (order == 0 && sport > dport)) {
      const uint8_t *t = a;
      a = b;
      b = t;
      double p = sport;
      sport = dport;
      dport = p;
    }
  }
  uint8_t input[40];
  int at = 0;
  input[at++] = 0;
  input[at++] = 0;
  memcpy(input + at, a, length);
  at += length;
  memcpy(input + at, b, length);
  at += length;
  input[at++] = (uint8_t)(protocol & 255);
  input[at++] = 0;
  if (has_ports) {
    uint32_t sp = (uint32_t)(int64_t)sport, dp = (uint32_t)(int64_t)dport;
    input[at++] = (uint8_t)(sp >> 8);
    input[at++] = (uint8_t)sp;
    input[at++] = (uint8_t)(dp >> 8);
    input[at++] = (uint8_t)dp;
  }
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (!EVP_DigestInit_ex2(m->digest, m->sha1, NULL) || !EVP_DigestUpdate(m->digest, input, (size_t)at) ||
      !EVP_DigestFinal_ex(m->digest, digest, &digest_length))
    return 0;
  put_text(o, m->text[T_COMMUNITY_ID]);
  PUT_LITERAL(o, "\"1:");
  put_base64(o, digest, (int)digest_length, 0);
  *o->at++ = '"';
  return 1;
}

/* ---- document id (src/schema/ids.ts binaryDocumentId, src/schema/murmur3.ts) ---- */

static int word_text(uint32_t *w, int k, text_t t) {
  w[k++] = 3;
  w[k++] = (uint32_t)t.length;
  const uint8_t *s = (const uint8_t *)t.text;
  int i = 0;
  for (; i + 1 < t.length; i += 2) w[k++] = s[i] | (uint32_t)s[i + 1] << 16;
  if (i < t.length) w[k++] = s[i];
  return k;
}

static int word_number(uint32_t *w, int k, double value) {
  uint64_t bits;
  memcpy(&bits, &value, 8);
  w[k++] = 2;
  w[k++] = (uint32_t)(bits >> 32);
  w[k++] = (uint32_t)bits;
  return k;
}

static int word_optional(uint32_t *w, int k, int present, double value) {
  if (present) return word_number(w, k, value);
  w[k++] = 1;
  return k;
}

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

/** MurmurHash3 x86 128 of `count` whole words, seed 0, as 16 bytes h1..h4 little-endian. */
static void murmur3(const uint32_t *w, int count, uint8_t *out) {
  const uint32_t c1 = 0x239b961bu, c2 = 0xab0e9789u, c3 = 0x38b34ae5u, c4 = 0xa1e38b93u;
  uint32_t h1 = 0, h2 = 0, h3 = 0, h4 = 0;
  int blocks = count & ~3;
  for (int i = 0; i < blocks; i += 4) {
    h1 ^= rotl32(w[i] * c1, 15) * c2;
    h1 = (rotl32(h1, 19) + h2) * 5 + 0x561ccd1bu;
    h2 ^= rotl32(w[i + 1] * c2, 16) * c3;
    h2 = (rotl32(h2, 17) + h3) * 5 + 0x0bcaa747u;
    h3 ^= rotl32(w[i + 2] * c3, 17) * c4;
    h3 = (rotl32(h3, 15) + h4) * 5 + 0x96cd1c35u;
    h4 ^= rotl32(w[i + 3] * c4, 18) * c1;
    h4 = (rotl32(h4, 13) + h1) * 5 + 0x32ac3b17u;
  }
  int tail = count - blocks;
  if (tail > 2) h3 ^= rotl32(w[blocks + 2] * c3, 17) * c4;
  if (tail > 1) h2 ^= rotl32(w[blocks + 1] * c2, 16) * c3;
  if (tail > 0) h1 ^= rotl32(w[blocks] * c1, 15) * c2;
  uint32_t length = (uint32_t)count * 4;
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 += h2 + h3 + h4;
  h2 += h1;
  h3 += h1;
  h4 += h1;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 += h2 + h3 + h4;
  h2 += h1;
  h3 += h1;
  h4 += h1;
  uint32_t h[4] = {h1, h2, h3, h4};
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 4; b++) out[4 * i + b] = (uint8_t)(h[i] >> (8 * b));
}

/* ---- the document (src/schema/flow.ts toFlowRecord, plugins/zeek/conn.ts) ---- */

typedef struct {
  text_t ip;
  int internal;
  int has_port, has_bytes, has_packets, has_mac;
  double port, bytes, packets;
  text_t mac;
  /* The port as put_endpoint_body wrote it, which `message` copies. */
  const char *port_text;
  int port_length;
} endpoint_t;

/* An endpoint's members up to its locality (endpointBody in flow.ts): source and client share them. */
static void put_endpoint_body(out_t *o, const mapper_t *m, endpoint_t *e) {
  put_text(o, m->text[T_IP]);
  put_quoted(o, e->ip);
  if (e->has_port) {
    put_text(o, m->text[T_PORT]);
    e->port_text = o->at;
    put_integer(o, e->port);
    e->port_length = (int)(o->at - e->port_text);
  }
  if (e->has_bytes) {
    put_text(o, m->text[T_BYTES]);
    put_integer(o, e->bytes);
  }
  if (e->has_packets) {
    put_text(o, m->text[T_PACKETS]);
    put_integer(o, e->packets);
  }
  if (e->has_mac) {
    put_text(o, m->text[T_MAC]);
    put_quoted(o, e->mac);
  }
}

/* One side of `message` (messageEndpoint in flow.ts): the address, and the port unless it is ICMP's type or code. */
static void put_message_endpoint(out_t *o, const mapper_t *m, const endpoint_t *e, int ported) {
  if (!e->has_port || !ported) {
    put(o, e->ip.text, e->ip.length);
    return;
  }
  int v6 = memchr(e->ip.text, ':', e->ip.length) != NULL;
  if (v6) put_text(o, m->text[T_MESSAGE_V6_OPEN]);
  put(o, e->ip.text, e->ip.length);
  if (v6) put_text(o, m->text[T_MESSAGE_V6_CLOSE]);
  put_text(o, m->text[T_MESSAGE_PORT]);
  put(o, e->port_text, e->port_length);
}

/** A member of `zeek.connection` (ConnTsvReader.valueJson); 0 when the TypeScript must write it. */
static int put_member_value(out_t *o, const mapper_t *m, const member_t *member) {
  const char *raw = m->line + m->starts[member->at];
  int length = m->ends[member->at] - m->starts[member->at];
  if (member->container) {
    if (field_is(m, member->at, m->empty.text, m->empty.length)) {
      PUT_LITERAL(o, "[]");
      return 1;
    }
    if (member->kind != KIND_TEXT) return 0;
    *o->at++ = '[';
    int from = 0;
    for (int i = 0; i <= length; i++) {
      if (i < length && raw[i] != m->set_separator) continue;
      if (from != 0) *o->at++ = ',';
      *o->at++ = '"';
      put(o, raw + from, i - from);
      *o->at++ = '"';
      from = i + 1;
    }
    *o->at++ = ']';
    return 1;
  }
  switch (member->kind) {
    case KIND_TEXT:
      if (field_is(m, member->at, m->empty.text, m->empty.length)) PUT_LITERAL(o, "\"\"");
      else put_quoted(o, (text_t){(char *)raw, length});
      return 1;
    case KIND_BOOL:
      if (field_is(m, member->at, "T", 1)) PUT_LITERAL(o, "true");
      else PUT_LITERAL(o, "false");
      return 1;
    case KIND_INTEGER:
    case KIND_REAL: {
      double value;
      return integer_of(m, member->at, &value) == PRESENT && put_integer(o, value);
    }
    default:
      return 0;
  }
}

/** Lines as LineFields.read splits them; 0 for a line the TypeScript must read (or refuse). */
static int split_line(mapper_t *m, int length) {
  const char *line = m->line;
  int count = 0, start = 0;
  for (int i = 0; i < length; i++) {
    unsigned char c = (unsigned char)line[i];
    if (c == (unsigned char)m->separator) {
      if (count == m->columns - 1) return 0;
      m->starts[count] = start;
      m->ends[count++] = i;
      start = i + 1;
    } else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      return 0;
    }
  }
  if (count != m->columns - 1) return 0;
  m->starts[count] = start;
  m->ends[count] = length;
  return 1;
}

/**
 * protocolOf: the listed name's number, or for a name protocolNumber does not know (Zeek's `unknown_transport`),
 * `ip_proto`. -1 when only the TypeScript can tell: names it would trim, lower-case or read as a number.
 */
static int protocol_of(const mapper_t *m, text_t proto, text_t orig_host) {
  if (proto.length == 4 && memcmp(proto.text, "icmp", 4) == 0)
    return memchr(orig_host.text, ':', orig_host.length) != NULL ? 58 : 1;
  for (int i = 0; i < m->protocol_count; i++) {
    const protocol_t *p = &m->protocols[i];
    if (p->name.length == proto.length && memcmp(p->name.text, proto.text, proto.length) == 0) return p->number;
  }
  int digits = 0;
  for (int i = 0; i < proto.length; i++) {
    char c = proto.text[i];
    if (c == ' ' || (c >= 'A' && c <= 'Z')) return -1;
    digits += c >= '0' && c <= '9';
  }
  if (digits == proto.length) return -1;
  double number;
  if (integer_of(m, m->at[IP_PROTO], &number) != PRESENT || number < 0 || number > 255) return -1;
  return (int)number;
}

/** The id and the document of the line in `m->line`, into `m->out`; its length, or 0 to leave the line. */
static int map_line(mapper_t *m, int length, double now) {
  if (!split_line(m, length)) return 0;
  const int *at = m->at;

  double ts;
  if (number_of(m, at[TS], &ts) != PRESENT) return 0;
  double start = ts * 1000;
  text_t uid, source_ip, destination_ip, proto;
  if (!text_of(m, at[UID], &uid) || !text_of(m, at[ORIG_H], &source_ip) ||
      !text_of(m, at[RESP_H], &destination_ip) || !text_of(m, at[PROTO], &proto))
    return 0;
  int protocol = protocol_of(m, proto, source_ip);
  if (protocol < 0) return 0;

  endpoint_t source = {source_ip, 0, 0, 0, 0, 0, 0, 0, 0, {0, 0}, NULL, 0};
  endpoint_t destination = {destination_ip, 0, 0, 0, 0, 0, 0, 0, 0, {0, 0}, NULL, 0};
  double vlan = 0, duration = 0;
  int has_vlan;
  if (!optional_integer(m, at[ORIG_P], &source.port, &source.has_port) ||
      !optional_integer(m, at[RESP_P], &destination.port, &destination.has_port) ||
      !optional_integer(m, at[ORIG_BYTES], &source.bytes, &source.has_bytes) ||
      !optional_integer(m, at[ORIG_PKTS], &source.packets, &source.has_packets) ||
      !optional_integer(m, at[RESP_BYTES], &destination.bytes, &destination.has_bytes) ||
      !optional_integer(m, at[RESP_PKTS], &destination.packets, &destination.has_packets) ||
      !optional_integer(m, at[VLAN], &vlan, &has_vlan))
    return 0;
  source.has_mac = text_of(m, at[ORIG_MAC], &source.mac);
  destination.has_mac = text_of(m, at[RESP_MAC], &destination.mac);
  int has_duration = number_of(m, at[DURATION], &duration);
  if (has_duration == UNSURE) return 0;
  text_t community, service, state;
  int has_community = text_of(m, at[COMMUNITY_ID], &community);
  int has_service = text_of(m, at[SERVICE], &service);
  int has_state = text_of(m, at[STATE], &state);
  int local_orig = flag_of(m, at[LOCAL_ORIG]), local_resp = flag_of(m, at[LOCAL_RESP]);

  uint8_t source_bytes[16], destination_bytes[16];
  int source_length = address_of(source_ip, source_bytes);
  int destination_length = address_of(destination_ip, destination_bytes);
  if (source_length == 0 || destination_length == 0) return 0;
  source.internal = is_internal(m, source_bytes, source_length);
  destination.internal = is_internal(m, destination_bytes, destination_length);

  double end = 0, duration_ns = 0;
  if (has_duration == PRESENT) {
    end = start + duration * 1000;
    double scaled = duration * 1e9;
    duration_ns = floor(scaled);
    if (scaled - duration_ns >= 0.5) duration_ns += 1;
  }

  out_t o = {m->out};
  /* The id first (22 characters), then the document. */
  uint32_t *w = m->words;
  int k = word_text(w, m->id_prefix, uid);
  k = word_number(w, k, protocol);
  k = word_text(w, k, source_ip);
  k = word_optional(w, k, source.has_port, source.port);
  k = word_text(w, k, destination_ip);
  k = word_optional(w, k, destination.has_port, destination.port);
  k = word_number(w, k, start);
  k = word_optional(w, k, has_duration == PRESENT, end);
  k = word_optional(w, k, source.has_bytes, source.bytes);
  k = word_optional(w, k, source.has_packets, source.packets);
  uint8_t digest[16];
  murmur3(w, k, digest);
  put_base64(&o, digest, 16, 1);

  const text_t *text = m->text;
  put_text(&o, text[T_OPEN]);
  if (!put_iso(&o, m, has_duration == PRESENT ? end : start)) return 0;
  put_text(&o, m->event_head);
  if (!put_iso(&o, m, now)) return 0;
  put_text(&o, text[T_QUOTE]);
  put_text(&o, text[T_START]);
  if (!put_iso(&o, m, start)) return 0;
  put_text(&o, text[T_QUOTE]);
  if (has_duration == PRESENT) {
    put_text(&o, text[T_END]);
    if (!put_iso(&o, m, end)) return 0;
    put_text(&o, text[T_QUOTE]);
    put_text(&o, text[T_DURATION]);
    if (!put_integer(&o, duration_ns)) return 0;
  }
  put_text(&o, text[T_SOURCE]);
  char *source_json = o.at;
  put_endpoint_body(&o, m, &source);
  int source_json_length = (int)(o.at - source_json);
  put_text(&o, text[source.internal ? T_INTERNAL : T_EXTERNAL]);
  put_text(&o, text[T_CLOSE]);
  put_text(&o, text[T_DESTINATION]);
  char *destination_json = o.at;
  put_endpoint_body(&o, m, &destination);
  int destination_json_length = (int)(o.at - destination_json);
  put_text(&o, text[destination.internal ? T_INTERNAL : T_EXTERNAL]);
  put_text(&o, text[T_CLOSE]);

  put_text(&o, text[T_NETWORK]);
  put_quoted(&o, m->transports[protocol]);
  put_text(&o, text[T_IANA_NUMBER]);
  put_integer(&o, protocol);
  put_text(&o, text[memchr(source_ip.text, ':', source_ip.length) != NULL ? T_IPV6 : T_IPV4]);
  int from_site = local_orig != -1 && local_resp != -1;
  int orig_inside = from_site ? local_orig : source.internal;
  int resp_inside = from_site ? local_resp : destination.internal;
  put_text(&o, m->directions[orig_inside ? (resp_inside ? INTERNAL : OUTBOUND) : (resp_inside ? INBOUND : EXTERNAL)]);
  if (source.has_bytes || destination.has_bytes) {
    put_text(&o, text[T_BYTES]);
    if (!put_integer(&o, (source.has_bytes ? source.bytes : 0) + (destination.has_bytes ? destination.bytes : 0)))
      return 0;
  }
  if (source.has_packets || destination.has_packets) {
    put_text(&o, text[T_PACKETS]);
    if (!put_integer(&o, (source.has_packets ? source.packets : 0) +
                             (destination.has_packets ? destination.packets : 0)))
      return 0;
  }
  if (has_community) {
    put_text(&o, text[T_COMMUNITY_ID]);
    put_quoted(&o, community);
  } else {
    if (!put_community_id(&o, m, protocol, source_bytes, source_length, source.port, source.has_port,
                          destination_bytes, destination_length, destination.port, destination.has_port))
      return 0;
  }
  if (has_service) {
    put_text(&o, text[T_PROTOCOL]);
    put_quoted(&o, service);
  }
  if (has_vlan) {
    put_text(&o, text[T_VLAN]);
    *o.at++ = '"';
    put_integer(&o, vlan);
    *o.at++ = '"';
    put_text(&o, text[T_CLOSE]);
  }
  put_text(&o, text[source.internal && destination.internal ? T_FLOW_INTERNAL : T_FLOW_EXTERNAL]);
  put_text(&o, text[T_FLOW_ID]);
  put_quoted(&o, uid);
  put_text(&o, text[T_RELATED]);
  put_quoted(&o, source_ip);
  if (source_ip.length != destination_ip.length || memcmp(source_ip.text, destination_ip.text, source_ip.length)) {
    *o.at++ = ',';
    put_quoted(&o, destination_ip);
  }
  put_text(&o, text[T_RELATED_END]);
  put_text(&o, text[T_CLIENT]);
  put(&o, source_json, source_json_length);
  put_text(&o, text[T_CLOSE]);
  put_text(&o, text[T_SERVER]);
  put(&o, destination_json, destination_json_length);
  put_text(&o, text[T_CLOSE]);
  put_text(&o, text[T_MESSAGE]);
  put(&o, m->transports[protocol].text, m->transports[protocol].length);
  put_text(&o, text[T_MESSAGE_FROM]);
  int ported = protocol != 1 && protocol != 58;
  put_message_endpoint(&o, m, &source, ported);
  put_text(&o, text[T_MESSAGE_TO]);
  put_message_endpoint(&o, m, &destination, ported);
  put_text(&o, text[T_QUOTE]);
  put_text(&o, text[T_ECS]);
  put_text(&o, text[T_FLOWTRAIL]);
  put_quoted(&o, m->module);
  /* A conn.log record's originator opened the connection, whatever its ports: Zeek saw it do so. */
  put_text(&o, text[T_INITIATOR]);
  put_text(&o, text[T_INITIATOR_SOURCE]);
  put_text(&o, text[T_CLOSE]);

  put_text(&o, text[T_NAMESPACE]);
  put_text(&o, text[T_SESSION_ID]);
  put_quoted(&o, uid);
  put_text(&o, text[T_CONNECTION]);
  *o.at++ = '{';
  int first = 1;
  if (has_state) {
    const state_t *known = NULL;
    for (int i = 0; i < m->state_count && known == NULL; i++)
      if (m->states[i].state.length == state.length && !memcmp(m->states[i].state.text, state.text, state.length))
        known = &m->states[i];
    if (known != NULL) {
      put_text(&o, known->json);
    } else {
      put_text(&o, text[T_STATE]);
      put_quoted(&o, state);
    }
    first = 0;
  }
  if ((protocol == 1 || protocol == 58) && source.has_port) {
    if (!first) *o.at++ = ',';
    put_text(&o, text[T_ICMP_TYPE]);
    put_integer(&o, source.port);
    if (destination.has_port) {
      put_text(&o, text[T_ICMP_CODE]);
      put_integer(&o, destination.port);
    }
    *o.at++ = '}';
    first = 0;
  }
  for (int i = 0; i < m->member_count; i++) {
    const member_t *member = &m->members[i];
    if (is_unset(m, member->at)) continue;
    if (!first) *o.at++ = ',';
    put_text(&o, member->name);
    if (!put_member_value(&o, m, member)) return 0;
    first = 0;
  }
  *o.at++ = '}';
  *o.at++ = '}';
  put_text(&o, text[T_CLOSE]);
  return (int)(o.at - m->out);
}

/* ---- N-API ---- */

static napi_value undefined_value(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static int throw_config(napi_env env, const char *what) {
  napi_throw_type_error(env, NULL, what);
  return 0;
}

static int copy_string(napi_env env, napi_value value, text_t *out) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return throw_config(env, "string expected");
  out->text = malloc(length + 1);
  napi_get_value_string_utf8(env, value, out->text, length + 1, &length);
  out->length = (int)length;
  return 1;
}

static int named(napi_env env, napi_value object, const char *name, napi_value *out) {
  return napi_get_named_property(env, object, name, out) == napi_ok;
}

static int string_property(napi_env env, napi_value object, const char *name, text_t *out) {
  napi_value value;
  return named(env, object, name, &value) && copy_string(env, value, out);
}

/** A string the mapper cannot work without; the error names the missing one. */
static int required_text(napi_env env, napi_value object, const char *name, text_t *out) {
  napi_value value;
  napi_valuetype type;
  if (!named(env, object, name, &value) || napi_typeof(env, value, &type) != napi_ok || type != napi_string)
    return throw_config(env, name);
  return copy_string(env, value, out);
}

static int int_property(napi_env env, napi_value object, const char *name, int *out) {
  napi_value value;
  if (!named(env, object, name, &value) || napi_get_value_int32(env, value, out) != napi_ok)
    return throw_config(env, name);
  return 1;
}

/** A typed array's elements, copied; `count` is its length. */
static void *array_property(napi_env env, napi_value object, const char *name, int *count) {
  napi_value value;
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  if (!named(env, object, name, &value) ||
      napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok) {
    throw_config(env, name);
    return NULL;
  }
  size_t size = type == napi_uint8_array ? 1 : 4;
  void *copy = malloc(length * size + 1);
  memcpy(copy, data, length * size);
  *count = (int)length;
  return copy;
}

/** An array of strings, copied. */
static text_t *strings_property(napi_env env, napi_value object, const char *name, int *count) {
  napi_value value;
  uint32_t length;
  if (!named(env, object, name, &value) || napi_get_array_length(env, value, &length) != napi_ok) {
    throw_config(env, name);
    return NULL;
  }
  text_t *texts = calloc(length + 1, sizeof(text_t));
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    napi_get_element(env, value, i, &item);
    if (!copy_string(env, item, &texts[i])) {
      for (uint32_t j = 0; j < i; j++) free(texts[j].text);
      free(texts);
      return NULL;
    }
  }
  *count = (int)length;
  return texts;
}

static void release(mapper_t *m) {
  text_t *fixed[] = {&m->empty, &m->unset, &m->event_head, &m->dataset, &m->module};
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) free(fixed[i]->text);
  for (int i = 0; i < m->member_count && m->members != NULL; i++) free(m->members[i].name.text);
  for (int i = 0; i < m->state_count && m->states != NULL; i++) {
    free(m->states[i].state.text);
    free(m->states[i].json.text);
  }
  for (int i = 0; i < m->protocol_count && m->protocols != NULL; i++) free(m->protocols[i].name.text);
  for (int i = 0; i < 256; i++) free(m->transports[i].text);
  for (int i = 0; i < TEXT_COUNT; i++) free(m->text[i].text);
  for (int i = 0; i < DIRECTION_COUNT; i++) free(m->directions[i].text);
  free(m->members);
  free(m->states);
  free(m->protocols);
  free(m->v4);
  free(m->v6);
  EVP_MD_free(m->sha1);
  EVP_MD_CTX_free(m->digest);
  free(m->starts);
  free(m->ends);
  free(m->words);
  free(m->out);
  free(m);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release(data);
}

/** Moves `count` strings of `from` into `to` (elements `size` bytes apart, text at `offset`) and frees `from`. */
static void move_texts(text_t *from, int count, void *to, size_t size, size_t offset) {
  for (int i = 0; i < count; i++) memcpy((char *)to + i * size + offset, &from[i], sizeof(text_t));
  free(from);
}

/**
 * The longest document a line of LINE_CAP can give. A field of the line is written four times at most (addresses:
 * source, client, related, message; a set's items with their quotes and commas), integers are never written longer
 * than the line has them, and the rest is text this mapper was given, written once, or a few fixed members.
 */
static size_t document_capacity(const mapper_t *m) {
  size_t given = (size_t)m->event_head.length;
  /* Endpoint pieces are written for both endpoints; the rest once or not at all. */
  for (int i = 0; i < TEXT_COUNT; i++) given += 2 * (size_t)m->text[i].length;
  for (int i = 0; i < DIRECTION_COUNT; i++) given += (size_t)m->directions[i].length;
  for (int i = 0; i < m->member_count; i++) given += (size_t)m->members[i].name.length + 8;
  int longest_state = 0, longest_transport = 0;
  for (int i = 0; i < m->state_count; i++)
    if (m->states[i].json.length > longest_state) longest_state = m->states[i].json.length;
  for (int i = 0; i < 256; i++)
    if (m->transports[i].length > longest_transport) longest_transport = m->transports[i].length;
  return 4 * (size_t)LINE_CAP + given + (size_t)longest_state + 2 * (size_t)longest_transport + 4096;
}

/** Every column the mapper reads is one the header has. */
static int columns_valid(const mapper_t *m) {
  for (int i = 0; i < MAPPED_COUNT; i++)
    if (m->at[i] < -1 || m->at[i] >= m->columns) return 0;
  for (int i = 0; i < m->member_count; i++)
    if (m->members[i].at < 0 || m->members[i].at >= m->columns) return 0;
  return 1;
}

static int configure(napi_env env, napi_value options, mapper_t *m) {
  int separator, set_separator, count;
  if (!int_property(env, options, "separator", &separator) ||
      !int_property(env, options, "setSeparator", &set_separator) ||
      !string_property(env, options, "emptyField", &m->empty) ||
      !string_property(env, options, "unsetField", &m->unset) ||
      !int_property(env, options, "columns", &m->columns) ||
      !string_property(env, options, "eventHead", &m->event_head) ||
      !string_property(env, options, "dataset", &m->dataset) || !string_property(env, options, "module", &m->module))
    return 0;
  napi_value text;
  if (!named(env, options, "text", &text)) return throw_config(env, "text");
  for (int i = 0; i < TEXT_COUNT; i++)
    if (!required_text(env, text, TEXT_NAMES[i], &m->text[i])) return 0;
  text_t *directions = strings_property(env, options, "directions", &count);
  if (directions == NULL) return 0;
  if (count != DIRECTION_COUNT) {
    for (int i = 0; i < count; i++) free(directions[i].text);
    free(directions);
    return throw_config(env, "directions");
  }
  move_texts(directions, count, m->directions, sizeof(text_t), 0);
  m->separator = (char)separator;
  m->set_separator = (char)set_separator;
  if (m->columns < 1) return throw_config(env, "columns");

  int32_t *at = array_property(env, options, "mapped", &count);
  if (at == NULL) return 0;
  if (count == MAPPED_COUNT) memcpy(m->at, at, sizeof(m->at));
  free(at);
  if (count != MAPPED_COUNT) return throw_config(env, "mapped");

  int names_count;
  text_t *names = strings_property(env, options, "memberNames", &names_count);
  if (names == NULL) return 0;
  m->members = calloc(names_count + 1, sizeof(member_t));
  m->member_count = names_count;
  move_texts(names, names_count, m->members, sizeof(member_t), offsetof(member_t, name));
  int32_t *members = array_property(env, options, "members", &count);
  if (members == NULL) return 0;
  if (count == 3 * m->member_count)
    for (int i = 0; i < m->member_count; i++) {
      m->members[i].at = members[3 * i];
      m->members[i].kind = members[3 * i + 1];
      m->members[i].container = members[3 * i + 2];
    }
  free(members);
  if (count != 3 * m->member_count) return throw_config(env, "members");

  text_t *states = strings_property(env, options, "states", &count);
  if (states == NULL) return 0;
  if (count % 2 != 0) {
    for (int i = 0; i < count; i++) free(states[i].text);
    free(states);
    return throw_config(env, "states");
  }
  m->states = calloc(count / 2 + 1, sizeof(state_t));
  m->state_count = count / 2;
  move_texts(states, count, m->states, sizeof(text_t), 0);

  text_t *protocol_names = strings_property(env, options, "protocolNames", &count);
  if (protocol_names == NULL) return 0;
  m->protocols = calloc(count + 1, sizeof(protocol_t));
  m->protocol_count = count;
  move_texts(protocol_names, count, m->protocols, sizeof(protocol_t), offsetof(protocol_t, name));
  int32_t *protocol_numbers = array_property(env, options, "protocolNumbers", &count);
  if (protocol_numbers == NULL) return 0;
  int valid = count == m->protocol_count;
  for (int i = 0; valid && i < count; i++) {
    valid = protocol_numbers[i] >= 0 && protocol_numbers[i] <= 255;
    m->protocols[i].number = protocol_numbers[i];
  }
  free(protocol_numbers);
  if (!valid) return throw_config(env, "protocolNumbers");

  text_t *transports = strings_property(env, options, "transports", &count);
  if (transports == NULL) return 0;
  move_texts(transports, count < 256 ? count : 256, m->transports, sizeof(text_t), 0);
  if (count != 256) return throw_config(env, "transports");

  m->v4 = array_property(env, options, "v4Networks", &count);
  if (m->v4 == NULL) return 0;
  m->v4_count = count / 2;
  m->v6 = array_property(env, options, "v6Networks", &count);
  if (m->v6 == NULL) return 0;
  m->v6_count = count / 17;

  const char *tables[2] = {"icmp4Counterparts", "icmp6Counterparts"};
  int *targets[2] = {m->icmp4, m->icmp6};
  for (int t = 0; t < 2; t++) {
    int32_t *pairs = array_property(env, options, tables[t], &count);
    if (pairs == NULL) return 0;
    for (int i = 0; i < 256; i++) targets[t][i] = -1;
    for (int i = 0; i + 1 < count; i += 2)
      if (pairs[i] >= 0 && pairs[i] < 256) targets[t][pairs[i]] = pairs[i + 1];
    free(pairs);
  }
  int32_t *ported = array_property(env, options, "portedProtocols", &count);
  if (ported == NULL) return 0;
  for (int i = 0; i < count; i++)
    if (ported[i] >= 0 && ported[i] < 256) m->ported[ported[i]] = 1;
  free(ported);

  if (!columns_valid(m)) return throw_config(env, "a mapped column is not one of the header's");
  for (int i = 0; i < SECONDS_REMEMBERED; i++) m->seconds[i] = -1;
  m->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
  m->digest = EVP_MD_CTX_new();
  if (m->sha1 == NULL || m->digest == NULL) return throw_config(env, "SHA-1 is not available from OpenSSL");
  m->starts = calloc(m->columns, sizeof(int));
  m->ends = calloc(m->columns, sizeof(int));
  /* Tags, lengths and two characters a word: the line's text at most, and the fixed parts. */
  m->words = calloc(LINE_CAP + 256 + m->dataset.length + m->module.length, sizeof(uint32_t));
  m->out = malloc(document_capacity(m));
  if (m->starts == NULL || m->ends == NULL || m->words == NULL || m->out == NULL)
    return throw_config(env, "out of memory");
  m->id_prefix = word_text(m->words, word_text(m->words, 0, m->dataset), m->module);
  return 1;
}

static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value options, self;
  napi_get_cb_info(env, info, &argc, &options, &self, NULL);
  mapper_t *m = calloc(1, sizeof(mapper_t));
  if (argc < 1 || !configure(env, options, m)) {
    release(m);
    return NULL;
  }
  napi_wrap(env, self, m, finalize, NULL, NULL);
  return self;
}

/** map(line, now): the document id (22 characters) followed by the document, or undefined. */
static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  napi_get_cb_info(env, info, &argc, argv, &self, NULL);
  mapper_t *m;
  size_t length;
  double now;
  if (napi_unwrap(env, self, (void **)&m) != napi_ok ||
      napi_get_value_string_utf8(env, argv[0], m->line, LINE_CAP, &length) != napi_ok ||
      napi_get_value_double(env, argv[1], &now) != napi_ok || length >= LINE_CAP - 1)
    return undefined_value(env);
  int written = map_line(m, (int)length, now);
  if (written <= 0) return undefined_value(env);
  napi_value result;
  napi_create_string_latin1(env, m->out, (size_t)written, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {{"map", NULL, map, NULL, NULL, NULL, napi_default, NULL}};
  napi_value constructor;
  napi_define_class(env, "ConnMapper", NAPI_AUTO_LENGTH, construct, NULL, 1, methods, &constructor);
  napi_set_named_property(env, exports, "ConnMapper", constructor);
  return exports;
}
