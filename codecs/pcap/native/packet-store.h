/*
 * The packet store's native half. The recorder turns each frame the capture reader hands over into a classic pcap
 * record (one copy, into an output the store appends to its current ring file) and keeps that file's session
 * index; the selector reads a ring file's records back and keeps one session's.
 *
 * Ring files are classic pcap: little-endian, microsecond times, one link type per file.
 */
#ifndef FLOWTRAIL_PACKET_STORE_H
#define FLOWTRAIL_PACKET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define PCAP_FILE_HEADER 24
#define PCAP_RECORD_HEADER 16

/*
 * An index entry: little-endian, one per session of a file, read by src/packets/index-file.ts (ENTRY in there).
 * A session is keyed by protocol and both endpoints in canonical order (the lower address first; for equal
 * addresses the lower port): A and B, addresses of 16 bytes (IPv4 in the first 4), ports (0 for ICMP: its packets
 * between two hosts are one session here). Offsets are of the first and the last record in the file.
 */
#define ENTRY_SIZE 80
#define E_A 0
#define E_B 16
#define E_PORT_A 32
#define E_PORT_B 34
#define E_PROTOCOL 36
#define E_FAMILY 37
#define E_PACKETS 40
#define E_FIRST_MS 48
#define E_LAST_MS 56
#define E_FIRST_OFFSET 64
#define E_LAST_OFFSET 72

typedef struct recorder recorder_t;

typedef struct {
  /* Frames recorded into the current file, and their time range (epoch ms). */
  uint64_t records;
  double first_ms;
  double last_ms;
  /* Offset the next record takes in the current file (the file header counted). */
  uint64_t offset;
  /* Sessions in the current file's index; `overflow`: a session found it full and is not indexed. */
  uint32_t sessions;
  int overflow;
  /* The stream's link type (the first frame's); -1 before any frame. */
  int64_t linktype;
  /* Frames not recorded: of another link type than the stream's first, or no memory for them. */
  uint64_t other_linktype;
  uint64_t out_of_memory;
} recorder_stats_t;

recorder_t *recorder_create(uint32_t capacity);
void recorder_destroy(recorder_t *r);

/* Records one frame; `p` is its decoded IP packet, or NULL when it carries none (recorded, not indexed). */
void recorder_frame(recorder_t *r, uint32_t linktype, double ts_ms, const uint8_t *frame, uint32_t captured,
                    uint32_t original, const packet_t *p);

/* The records since the last recorder_take_output. */
const uint8_t *recorder_output(const recorder_t *r, size_t *length);
void recorder_take_output(recorder_t *r);

/* Writes the current file's index entries to `out` (ENTRY_SIZE * sessions bytes) and starts a new file. */
void recorder_seal(recorder_t *r, uint8_t *out);

const recorder_stats_t *recorder_stats(const recorder_t *r);

/* One session to read back: canonical A/B as in the index; `protocol` < 0 for any, `any_ports` for a host pair. */
typedef struct {
  uint8_t a[16];
  uint8_t b[16];
  uint16_t port_a;
  uint16_t port_b;
  int protocol;
  uint8_t family;
  int any_ports;
  double from_ms;
  double to_ms;
} selector_t;

typedef struct {
  /* Bytes of `data` read: whole records; less than its length when the last record is cut (a file cut short). */
  size_t consumed;
  size_t written;
  uint64_t matched;
} selection_t;

/*
 * Copies the records of `data` (records of a ring file of link type `linktype`) whose packets belong to the
 * session into `out` (as large as `data`). A later IP fragment belongs to it when its first fragment did.
 */
selection_t select_records(const uint8_t *data, size_t length, uint32_t linktype, const selector_t *s, uint8_t *out);

#endif
