/*
 * A connection's state as Zeek reports it: each endpoint's TCP state, the history letters, and from them
 * conn_state (S0, S1, SF, REJ, RSTO…). Side 0 is the originator, side 1 the responder.
 */
#ifndef FLOWTRAIL_CONN_STATE_H
#define FLOWTRAIL_CONN_STATE_H

#include <stdint.h>

#define CONN_HISTORY_CAP 24

typedef struct {
  uint8_t state[2];
  /* Letters already written, per side (each letter is written once per side, as Zeek writes them). */
  uint16_t seen[2];
  uint8_t history_length;
  char history[CONN_HISTORY_CAP];
} conn_t;

/* Whether a connection's first packet shows the originator to be its destination (a SYN-ACK seen first). */
int conn_flips(uint16_t tcp_flags);

void conn_start(conn_t *c, int flipped);

/* After an active timeout's record: the endpoints' states go on, the history starts again. */
void conn_continue(conn_t *c);

/* A SYN on a connection both ends of which have closed or reset: a new connection on the same 5-tuple. */
int conn_reopens(const conn_t *c, uint16_t tcp_flags);

void conn_packet(conn_t *c, uint8_t protocol, int side, uint16_t tcp_flags, uint32_t payload);

/* enum conn_state of meter.h. */
int conn_state_of(const conn_t *c, uint8_t protocol);

#endif
