/*
 * One captured frame reduced to what flow metering needs. Filled in place by packet_decode, so a packet costs
 * no allocation: the reader (a capture file now, a live ring later) owns the frame's bytes and one packet_t.
 */
#ifndef FLOWTRAIL_PACKET_H
#define FLOWTRAIL_PACKET_H

#include <stdint.h>

/* Link types (tcpdump.org/linktypes.html) the decoder reads. */
#define LINKTYPE_NULL 0
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_PPP 9
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276

#define NO_VLAN 0xffff

/* TCP control bits as they sit in the header's 9 flag bits. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

enum decode_result {
  PACKET_IP,
  /* A frame that carries no IP (ARP, LLDP…), or a link type the decoder does not read. */
  PACKET_NOT_IP,
  /* IP whose header (or, for a first fragment, its transport header) was cut by the snap length or is damaged. */
  PACKET_BROKEN,
};

typedef struct {
  double ts_ms;
  /* Bytes of the IP packet as its header states them (not as captured: a snap length cuts the capture only). */
  uint32_t ip_length;
  /* Transport payload by the headers' lengths, for TCP the segment's data. */
  uint32_t payload;
  uint8_t family; /* 4 or 6 */
  uint8_t protocol;
  uint8_t ttl;
  /* 0: whole datagram; 1: first fragment (ports present); 2: a later fragment (no transport header). */
  uint8_t fragment;
  uint32_t fragment_id;
  uint16_t tcp_flags;
  uint16_t source_port; /* ICMP: type */
  uint16_t destination_port; /* ICMP: code */
  uint8_t source[16];
  uint8_t destination[16];
  uint8_t has_mac;
  uint8_t source_mac[6];
  uint8_t destination_mac[6];
  uint16_t vlan; /* outer tag, NO_VLAN when untagged */
  uint16_t inner_vlan;
} packet_t;

/* Reads `frame` (captured bytes of a frame of link type `linktype`) into `p`; p->ts_ms is left as set. */
enum decode_result packet_decode(uint32_t linktype, const uint8_t *frame, uint32_t captured, packet_t *p);

#endif
