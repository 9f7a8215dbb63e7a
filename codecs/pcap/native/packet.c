/*
 * Link layer, IP and transport headers of one frame into a packet_t. Every read is bounds-checked against the
 * captured length: captures cut at a snap length are the rule, so a short frame is an expected input, not an error.
 */
#include "packet.h"

#include <string.h>

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static inline uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

/*
 * Steps over VLAN tags: `type` is the EtherType read just before `offset`. Returns the offset of the network header
 * (0 when the tags run past the capture) and leaves the EtherType that follows the tags in `*ethertype`.
 */
static uint32_t after_tags(const uint8_t *frame, uint32_t captured, uint16_t type, uint32_t offset, packet_t *p,
                           uint16_t *ethertype) {
  while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
    if (offset + 4 > captured) return 0;
    uint16_t id = be16(frame + offset) & 0x0fff;
    if (p->vlan == NO_VLAN)
      p->vlan = id;
    else if (p->inner_vlan == NO_VLAN)
      p->inner_vlan = id;
    type = be16(frame + offset + 2);
    offset += 4;
  }
  *ethertype = type;
  return offset;
}

static int is_extension(uint8_t header) {
  return header == 0 || header == 43 || header == 60 || header == 51 || header == 135 || header == 139 ||
         header == 140;
}

static enum decode_result transport(const uint8_t *ip, uint32_t available, uint32_t header_length,
                                    packet_t *p) {
  if (p->fragment == 2) {
    p->payload = p->ip_length > header_length ? p->ip_length - header_length : 0;
    return PACKET_IP;
  }
  const uint8_t *l4 = ip + header_length;
  uint32_t left = available > header_length ? available - header_length : 0;
  uint32_t carried = p->ip_length > header_length ? p->ip_length - header_length : 0;
  switch (p->protocol) {
    case 6: {
      if (left < 14) return PACKET_BROKEN;
      p->source_port = be16(l4);
      p->destination_port = be16(l4 + 2);
      uint32_t offset = (uint32_t)(l4[12] >> 4) * 4;
      p->tcp_flags = (uint16_t)((l4[12] & 0x01) << 8 | l4[13]);
      p->payload = carried > offset ? carried - offset : 0;
      return PACKET_IP;
    }
    case 17:
    case 132:
    case 136:
      if (left < 4) return PACKET_BROKEN;
      p->source_port = be16(l4);
      p->destination_port = be16(l4 + 2);
      p->payload = carried > 8 ? carried - 8 : 0;
      return PACKET_IP;
    case 1:
    case 58:
      if (left < 2) return PACKET_BROKEN;
      p->source_port = l4[0];
      p->destination_port = l4[1];
      p->payload = carried > 8 ? carried - 8 : 0;
      return PACKET_IP;
    default:
      p->payload = carried;
      return PACKET_IP;
  }
}

static enum decode_result ipv4(const uint8_t *ip, uint32_t available, packet_t *p) {
  if (available < 20) return PACKET_BROKEN;
  uint32_t header_length = (uint32_t)(ip[0] & 0x0f) * 4;
  if (header_length < 20 || header_length > available) return PACKET_BROKEN;
  p->family = 4;
  p->ip_length = be16(ip + 2);
  /* TSO frames captured on the sender carry 0 as their length: the frame is then what there is to count. */
  if (p->ip_length == 0) p->ip_length = available;
  p->ttl = ip[8];
  p->protocol = ip[9];
  uint16_t fragment = be16(ip + 6);
  uint16_t offset = fragment & 0x1fff;
  p->fragment = offset != 0 ? 2 : (fragment & 0x2000) ? 1 : 0;
  p->fragment_id = be16(ip + 4);
  memcpy(p->source, ip + 12, 4);
  memcpy(p->destination, ip + 16, 4);
  memset(p->source + 4, 0, 12);
  memset(p->destination + 4, 0, 12);
  return transport(ip, available, header_length, p);
}

static enum decode_result ipv6(const uint8_t *ip, uint32_t available, packet_t *p) {
  if (available < 40) return PACKET_BROKEN;
  p->family = 6;
  p->ip_length = 40 + (uint32_t)be16(ip + 4);
  p->ttl = ip[7];
  memcpy(p->source, ip + 8, 16);
  memcpy(p->destination, ip + 24, 16);
  uint8_t next = ip[6];
  uint32_t offset = 40;
  p->fragment = 0;
  for (int hops = 0; hops < 8; hops++) {
    if (next == 44) {
      if (offset + 8 > available) return PACKET_BROKEN;
      uint16_t field = be16(ip + offset + 2);
      p->fragment = (field & 0xfff8) != 0 ? 2 : (field & 1) ? 1 : 0;
      p->fragment_id = be32(ip + offset + 4);
      next = ip[offset];
      offset += 8;
      if (p->fragment == 2) break;
    } else if (is_extension(next)) {
      if (offset + 2 > available) return PACKET_BROKEN;
      uint32_t length = next == 51 ? ((uint32_t)ip[offset + 1] + 2) * 4 : ((uint32_t)ip[offset + 1] + 1) * 8;
      next = ip[offset];
      offset += length;
    } else {
      break;
    }
  }
  p->protocol = next;
  if (offset > available && p->fragment != 2) return PACKET_BROKEN;
  return transport(ip, available, offset, p);
}

static enum decode_result network(uint16_t ethertype, const uint8_t *frame, uint32_t captured, uint32_t offset,
                                  packet_t *p) {
  if (offset == 0 || offset > captured) return PACKET_NOT_IP;
  if (ethertype == ETHERTYPE_IPV4) return ipv4(frame + offset, captured - offset, p);
  if (ethertype == ETHERTYPE_IPV6) return ipv6(frame + offset, captured - offset, p);
  return PACKET_NOT_IP;
}

/* Raw IP: the version nibble tells the family. */
static enum decode_result raw_ip(const uint8_t *frame, uint32_t captured, uint32_t offset, packet_t *p) {
  if (offset >= captured) return PACKET_NOT_IP;
  uint8_t version = frame[offset] >> 4;
  if (version == 4) return ipv4(frame + offset, captured - offset, p);
  if (version == 6) return ipv6(frame + offset, captured - offset, p);
  return PACKET_NOT_IP;
}

static enum decode_result ppp(const uint8_t *frame, uint32_t captured, packet_t *p) {
  uint32_t offset = 0;
  if (captured >= 2 && frame[0] == 0xff && frame[1] == 0x03) offset = 2;
  if (offset >= captured) return PACKET_NOT_IP;
  uint16_t protocol;
  /* The protocol field may be compressed to one byte (RFC 1661 §6.5): odd first bytes end it. */
  if (frame[offset] & 1) {
    protocol = frame[offset];
    offset += 1;
  } else {
    if (offset + 2 > captured) return PACKET_NOT_IP;
    protocol = be16(frame + offset);
    offset += 2;
  }
  if (protocol == 0x21) return network(ETHERTYPE_IPV4, frame, captured, offset, p);
  if (protocol == 0x57) return network(ETHERTYPE_IPV6, frame, captured, offset, p);
  return PACKET_NOT_IP;
}

enum decode_result packet_decode(uint32_t linktype, const uint8_t *frame, uint32_t captured, packet_t *p) {
  p->has_mac = 0;
  p->vlan = NO_VLAN;
  p->inner_vlan = NO_VLAN;
  p->tcp_flags = 0;
  p->source_port = 0;
  p->destination_port = 0;
  p->payload = 0;
  p->fragment_id = 0;
  uint16_t ethertype = 0;
  switch (linktype) {
    case LINKTYPE_ETHERNET: {
      if (captured < 14) return PACKET_NOT_IP;
      memcpy(p->destination_mac, frame, 6);
      memcpy(p->source_mac, frame + 6, 6);
      p->has_mac = 1;
      uint32_t offset = after_tags(frame, captured, be16(frame + 12), 14, p, &ethertype);
      return network(ethertype, frame, captured, offset, p);
    }
    case LINKTYPE_LINUX_SLL: {
      if (captured < 16) return PACKET_NOT_IP;
      if (be16(frame + 4) == 6) {
        memcpy(p->source_mac, frame + 6, 6);
        memset(p->destination_mac, 0, 6);
        p->has_mac = 2;
      }
      uint32_t offset = after_tags(frame, captured, be16(frame + 14), 16, p, &ethertype);
      return network(ethertype, frame, captured, offset, p);
    }
    case LINKTYPE_LINUX_SLL2: {
      if (captured < 20) return PACKET_NOT_IP;
      if (frame[11] == 6) {
        memcpy(p->source_mac, frame + 12, 6);
        memset(p->destination_mac, 0, 6);
        p->has_mac = 2;
      }
      /* SLL2 puts the first EtherType up front; tags, if any, follow the header. */
      uint32_t offset = after_tags(frame, captured, be16(frame), 20, p, &ethertype);
      return network(ethertype, frame, captured, offset, p);
    }
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return raw_ip(frame, captured, 0, p);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return raw_ip(frame, captured, 4, p);
    case LINKTYPE_PPP:
      return ppp(frame, captured, p);
    default:
      return PACKET_NOT_IP;
  }
}
