/*
 * Endpoint states and conn_state follow Zeek's definitions (its conn.log documentation and the conn_state
 * function of its conn scripts): an endpoint is inactive until it sends, SYN-sent, established once a handshake
 * side completes, partial when first seen midstream, closed after a FIN, reset after a RST.
 */
#include "conn-state.h"

#include <string.h>

#include "meter.h"
#include "packet.h"

enum { INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET };

/* History letters, by bit: the originator's are written upper case, the responder's lower case. */
enum { H_SYN, H_SYN_ACK, H_ACK, H_DATA, H_FIN, H_RST };
static const char LETTERS[] = "SHADFR";

int conn_flips(uint16_t tcp_flags) {
  return (tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == (TH_SYN | TH_ACK);
}

void conn_start(conn_t *c, int flipped) {
  memset(c, 0, sizeof(*c));
  if (flipped) c->history[c->history_length++] = '^';
}

void conn_continue(conn_t *c) {
  c->seen[0] = c->seen[1] = 0;
  c->history_length = 0;
}

int conn_reopens(const conn_t *c, uint16_t tcp_flags) {
  return (tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN && (c->state[0] >= CLOSED || c->state[1] >= CLOSED);
}

static void letter(conn_t *c, int side, int which) {
  uint16_t bit = (uint16_t)(1u << which);
  if (c->seen[side] & bit) return;
  c->seen[side] |= bit;
  if (c->history_length >= CONN_HISTORY_CAP) return;
  char l = LETTERS[which];
  c->history[c->history_length++] = side == 0 ? l : (char)(l + ('a' - 'A'));
}

static void tcp_packet(conn_t *c, int side, uint16_t flags, uint32_t payload) {
  uint8_t *own = &c->state[side];
  int syn = flags & TH_SYN, ack = flags & TH_ACK, fin = flags & TH_FIN, rst = flags & TH_RST;
  if (syn) letter(c, side, ack ? H_SYN_ACK : H_SYN);
  if (payload > 0) letter(c, side, H_DATA);
  if (ack && payload == 0 && !syn && !fin && !rst) letter(c, side, H_ACK);
  if (fin) letter(c, side, H_FIN);
  if (rst) letter(c, side, H_RST);

  if (rst) {
    *own = RESET;
    return;
  }
  if (*own == RESET) return;
  if (syn) {
    if (ack) {
      /* The responder's SYN-ACK establishes its side; an originator's (simultaneous open) waits for an ACK. */
      if (*own == INACTIVE || *own == PARTIAL || *own == SYN_SENT) *own = side == 1 ? ESTABLISHED : SYN_ACK_SENT;
    } else if (*own == INACTIVE) {
      *own = SYN_SENT;
    }
  } else if (*own == INACTIVE) {
    *own = PARTIAL;
  } else if ((*own == SYN_SENT || *own == SYN_ACK_SENT) && ack) {
    *own = ESTABLISHED;
  }
  if (fin) *own = CLOSED;
}

void conn_packet(conn_t *c, uint8_t protocol, int side, uint16_t tcp_flags, uint32_t payload) {
  if (protocol == 6) {
    tcp_packet(c, side, tcp_flags, payload);
    return;
  }
  if (c->state[side] == INACTIVE) c->state[side] = ESTABLISHED;
  if (protocol == 17 && payload > 0) letter(c, side, H_DATA);
}

/* Zeek's RSTOS0 pattern `^?S[^HAFGIQ]*R`: the originator's SYN, then its RST, with no handshake answer between. */
static int syn_then_reset(const conn_t *c) {
  int i = 0;
  if (i < c->history_length && c->history[i] == '^') i++;
  if (i >= c->history_length || c->history[i] != 'S') return 0;
  for (i++; i < c->history_length; i++) {
    char l = c->history[i];
    if (l == 'R') return 1;
    if (strchr("HAFGIQ", l) != NULL) return 0;
  }
  return 0;
}

int conn_state_of(const conn_t *c, uint8_t protocol) {
  int os = c->state[0], rs = c->state[1];
  int orig_inactive = os == INACTIVE || os == PARTIAL;
  int resp_inactive = rs == INACTIVE || rs == PARTIAL;
  if (protocol == 17) {
    if (os != INACTIVE) return rs != INACTIVE ? CS_SF : CS_S0;
    return rs != INACTIVE ? CS_SHR : CS_OTH;
  }
  if (protocol != 6) return CS_OTH;
  if (rs == RESET) {
    int no_data = !(c->seen[0] & (1u << H_DATA)) && !(c->seen[1] & (1u << H_DATA));
    if (os == SYN_SENT || os == SYN_ACK_SENT || (os == RESET && no_data)) return CS_REJ;
    return orig_inactive ? CS_RSTRH : CS_RSTR;
  }
  if (os == RESET) {
    if (resp_inactive) return syn_then_reset(c) ? CS_RSTOS0 : CS_OTH;
    return CS_RSTO;
  }
  if (os == CLOSED && rs == CLOSED) return CS_SF;
  if (os == CLOSED) return resp_inactive ? CS_SH : CS_S2;
  if (rs == CLOSED) return orig_inactive ? CS_SHR : CS_S3;
  if (os == SYN_SENT && rs == INACTIVE) return CS_S0;
  if (os == ESTABLISHED && rs == ESTABLISHED) return CS_S1;
  return CS_OTH;
}
