/*
 * The flow meter: packets in (from any packet source: a capture file, a live ring), bidirectional flows out.
 * Memory is allocated once, when the meter is made: a flow table of `max_flows` entries and an output buffer that
 * grows only when more flows end at once than it holds.
 */
#ifndef FLOWTRAIL_METER_H
#define FLOWTRAIL_METER_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* The output record: little-endian, one per flow, read by codecs/pcap/flow-records.ts (RECORD in there). */
#define RECORD_SIZE 176
#define R_FIRST 0
#define R_LAST 8
#define R_ORIG_PACKETS 16
#define R_RESP_PACKETS 24
#define R_ORIG_BYTES 32
#define R_RESP_BYTES 40
#define R_ORIG_ADDRESS 48
#define R_RESP_ADDRESS 64
#define R_ORIG_PORT 80
#define R_RESP_PORT 82
#define R_ORIG_FLAGS 84
#define R_RESP_FLAGS 86
#define R_VLAN 88
#define R_INNER_VLAN 90
#define R_FAMILY 92
#define R_PROTOCOL 93
#define R_STATE 94
#define R_END 95
#define R_ORIG_MAC 96
#define R_RESP_MAC 102
#define R_MACS 108
#define R_ORIG_TTL 109
#define R_RESP_TTL 110
#define R_HISTORY_LENGTH 111
#define R_HISTORY 112
#define HISTORY_CAP 24
#define R_FRAGMENTS 136
#define R_SIZES 140
#define SIZE_BINS 7
#define R_INITIATOR 168

/* Why a flow was written out: the order of END_REASONS in flow-records.ts. END_OPEN: a snapshot of a flow still
 * in the table (meter_snapshot), not written out. */
enum end_reason { END_IDLE, END_ACTIVE, END_EVICTED, END_FINISHED, END_REUSED, END_OPEN };

/* Zeek's conn_state values: the order of CONN_STATES in flow-records.ts. */
enum conn_state { CS_S0, CS_S1, CS_SF, CS_REJ, CS_S2, CS_S3, CS_RSTO, CS_RSTR, CS_RSTOS0, CS_RSTRH, CS_SH, CS_SHR, CS_OTH };

typedef struct meter meter_t;

typedef struct {
  uint64_t packets;
  uint64_t ip_packets;
  uint64_t not_ip;
  uint64_t broken;
  uint64_t fragments;
  uint64_t flows;
  uint64_t evicted;
  uint64_t active;
} meter_stats_t;

typedef struct {
  uint32_t max_flows;
  double idle_ms;
  double active_ms;
  /* ICMP type -> counterpart type (-1: none), for ICMPv4 and ICMPv6 (RFC/Community ID's table, handed in). */
  int16_t icmp4_counterpart[256];
  int16_t icmp6_counterpart[256];
} meter_config_t;

meter_t *meter_create(const meter_config_t *config);
void meter_destroy(meter_t *m);

/* Meters one captured frame (ts in epoch ms). */
void meter_frame(meter_t *m, uint32_t linktype, double ts_ms, const uint8_t *frame, uint32_t captured);

/*
 * Moves the meter's clock to `now_ms` (epoch ms) when it is ahead and writes out the flows idle since: a live
 * capture calls it with the wall clock, so flows leave on their idle timeout even when no packet follows.
 */
void meter_advance(meter_t *m, double now_ms);

/* Writes out every flow (end of input). */
void meter_finish(meter_t *m);

/* The records written out since the last meter_take, and how many; the caller copies them before metering more. */
const uint8_t *meter_output(meter_t *m, size_t *count);
void meter_take(meter_t *m);
int meter_output_failed(const meter_t *m);

const meter_stats_t *meter_stats(const meter_t *m);

/* The newest packet time seen (epoch ms); -1e300 before the first. */
double meter_clock(const meter_t *m);

/*
 * Records (END_OPEN) of the flows in the table that counted an IP packet after the `since`-th one (0: every flow),
 * newest first; *sequence is set to the IP packets counted so far, the next call's `since`. Costs the flows
 * written, not the table: the table's list of last use is walked from its newest end. The records stay valid until
 * the next call. -1 (and no records) when memory for them ran out.
 */
int meter_snapshot(meter_t *m, uint64_t since, const uint8_t **records, size_t *count, uint64_t *sequence);
/*
 * The IP packet of the frame metered last (a later fragment with the ports its first fragment had), or NULL when
 * that frame carried none; valid until the next frame.
 */
const packet_t *meter_packet(const meter_t *m);

#endif
