/*
 * The kernel fills the ring's blocks in order and hands each over by setting TP_STATUS_USER in its descriptor; the
 * reader walks them in the same order and gives each back (TP_STATUS_KERNEL) once its frames are copied out. A frame
 * that finds no free block is dropped by the kernel and counted in PACKET_STATISTICS.
 */
#include "ring.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "filter.h"

#define LINKTYPE_ETHERNET 1u
#define LINKTYPE_RAW 101u
/* libpcap's DLT_RAW on Linux, which pcap_open_dead takes for raw IP. */
#define DLT_RAW_LINUX 12
#ifndef ARPHRD_RAWIP
#define ARPHRD_RAWIP 519
#endif
#define PCAP_NANOSECOND_MAGIC 0xa1b23c4du
#define PCAP_HEADER 24
#define RECORD_HEADER 16
#define VLAN_TAG 4
#define FRAME_SIZE 2048u
#define MAX_SNAPLEN 262144u

struct ring {
  int fd;
  int ifindex;
  int loopback;
  uint32_t linktype;
  uint32_t snaplen;
  uint8_t *map;
  size_t map_bytes;
  uint32_t block_bytes;
  uint32_t blocks;
  uint32_t block;
  int header_written;
  /* Written by the reading thread, read by stats(): atomics. */
  uint64_t frames;
  uint64_t bytes;
  uint64_t unbuffered;
  uint64_t socket_errors;
  int last_error;
  /* Touched by stats() only. */
  uint64_t kernel_packets;
  uint64_t kernel_drops;
};

static ring_t *failed(ring_t *r, enum ring_error *kind, enum ring_error what) {
  *kind = what;
  ring_close(r);
  return NULL;
}

static int link_type_of(ring_t *r, const char *name, char *error, size_t error_size, int *dlt) {
  struct ifreq request;
  memset(&request, 0, sizeof(request));
  strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(r->fd, SIOCGIFHWADDR, &request) < 0) {
    snprintf(error, error_size, "cannot read its link type: %s", strerror(errno));
    return -1;
  }
  switch (request.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK:
      r->linktype = LINKTYPE_ETHERNET;
      r->loopback = request.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK;
      *dlt = 1;
      return 0;
    case ARPHRD_NONE:
    case ARPHRD_RAWIP:
      r->linktype = LINKTYPE_RAW;
      *dlt = DLT_RAW_LINUX;
      return 0;
    default:
      snprintf(error, error_size,
               "its link type (ARPHRD %u) is not one the tap reads: Ethernet, loopback and raw IP interfaces are",
               request.ifr_hwaddr.sa_family);
      return -1;
  }
}

/*
 * The filter's return value is how many bytes of a frame the kernel copies into the ring: without a filter
 * expression a one-instruction program still cuts frames to the snap length there, so a small snap length saves
 * the copying, not only the stream's bytes.
 */
static int attach_filter(ring_t *r, const ring_config_t *c, int dlt, char *error, size_t error_size) {
  int expression = c->filter != NULL && c->filter[0] != '\0';
  if (!expression && c->snaplen >= MAX_SNAPLEN) return 0;
  struct sock_filter cut = BPF_STMT(BPF_RET | BPF_K, 0);
  cut.k = c->snaplen;
  struct sock_fprog program = {1, &cut};
  if (expression && filter_compile(c->filter, dlt, c->snaplen, &program, error, error_size) < 0) return -1;
  int result = setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program));
  if (result < 0) snprintf(error, error_size, "the kernel refused the capture filter: %s", strerror(errno));
  if (expression) filter_free(&program);
  return result;
}

static int make_ring(ring_t *r, const ring_config_t *c, char *error, size_t error_size) {
  int version = TPACKET_V3;
  if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0) {
    snprintf(error, error_size, "TPACKET_V3 rings are not supported here: %s", strerror(errno));
    return -1;
  }
  struct tpacket_req3 request;
  memset(&request, 0, sizeof(request));
  request.tp_block_size = c->block_bytes;
  request.tp_block_nr = c->blocks;
  request.tp_frame_size = FRAME_SIZE;
  request.tp_frame_nr = (c->block_bytes / FRAME_SIZE) * c->blocks;
  request.tp_retire_blk_tov = c->block_timeout_ms;
  if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &request, sizeof(request)) < 0) {
    snprintf(error, error_size, "cannot make a receive ring of %u blocks of %u bytes: %s", c->blocks,
             c->block_bytes, strerror(errno));
    return -1;
  }
  r->block_bytes = c->block_bytes;
  r->blocks = c->blocks;
  r->map_bytes = (size_t)c->block_bytes * c->blocks;
  void *map = mmap(NULL, r->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
  if (map == MAP_FAILED) {
    snprintf(error, error_size, "cannot map the receive ring: %s", strerror(errno));
    return -1;
  }
  r->map = map;
  return 0;
}

ring_t *ring_open(const ring_config_t *c, char *error, size_t error_size, enum ring_error *kind) {
  ring_t *r = calloc(1, sizeof(ring_t));
  if (r == NULL) {
    snprintf(error, error_size, "out of memory");
    *kind = RING_FAILED;
    return NULL;
  }
  r->fd = -1;
  r->snaplen = c->snaplen;
  /* Protocol 0: the socket takes no frame before it is bound, with its ring and filter in place. */
  r->fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (r->fd < 0) {
    int permission = errno == EPERM || errno == EACCES;
    snprintf(error, error_size, "cannot open a packet socket (%s)%s", strerror(errno),
             permission ? ": capturing needs root or the CAP_NET_RAW capability" : "");
    return failed(r, kind, permission ? RING_PERMISSION : RING_FAILED);
  }
  int index = (int)if_nametoindex(c->interface);
  if (index == 0) {
    snprintf(error, error_size, "no such interface");
    return failed(r, kind, RING_NO_INTERFACE);
  }
  r->ifindex = index;
  int dlt = 0;
  if (link_type_of(r, c->interface, error, error_size, &dlt) < 0 || attach_filter(r, c, dlt, error, error_size) < 0 ||
      make_ring(r, c, error, error_size) < 0)
    return failed(r, kind, RING_FAILED);
  struct sockaddr_ll address;
  memset(&address, 0, sizeof(address));
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = index;
  if (bind(r->fd, (struct sockaddr *)&address, sizeof(address)) < 0) {
    snprintf(error, error_size, "cannot bind the packet socket: %s", strerror(errno));
    return failed(r, kind, RING_FAILED);
  }
  if (c->promiscuous) {
    struct packet_mreq membership;
    memset(&membership, 0, sizeof(membership));
    membership.mr_ifindex = index;
    membership.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(r->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof(membership)) < 0) {
      snprintf(error, error_size, "cannot turn promiscuous mode on: %s", strerror(errno));
      return failed(r, kind, RING_FAILED);
    }
  }
  *kind = RING_OK;
  return r;
}

uint32_t ring_linktype(const ring_t *r) { return r->linktype; }
int ring_ifindex(const ring_t *r) { return r->ifindex; }

static int reserve(chunk_t *out, size_t more) {
  if (out->length + more <= out->capacity) return 0;
  size_t capacity = out->capacity == 0 ? (1u << 20) : out->capacity;
  while (capacity < out->length + more) capacity *= 2;
  uint8_t *grown = realloc(out->data, capacity);
  if (grown == NULL) return -1;
  out->data = grown;
  out->capacity = capacity;
  return 0;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

static int write_header(const ring_t *r, chunk_t *out) {
  if (reserve(out, PCAP_HEADER) < 0) return -1;
  uint8_t *p = out->data + out->length;
  put_u32(p, PCAP_NANOSECOND_MAGIC);
  put_u16(p + 4, 2);
  put_u16(p + 6, 4);
  put_u32(p + 8, 0);
  put_u32(p + 12, 0);
  put_u32(p + 16, r->snaplen);
  put_u32(p + 20, r->linktype);
  out->length += PCAP_HEADER;
  return 0;
}

/*
 * One frame as a pcap record. A VLAN tag the network card took off (the kernel reports it beside the frame) is put
 * back after the MAC addresses, as libpcap does, so the frame reads as it was on the wire.
 */
static void write_record(ring_t *r, chunk_t *out, const struct tpacket3_hdr *h) {
  const uint8_t *frame = (const uint8_t *)h + h->tp_mac;
  uint32_t captured = h->tp_snaplen;
  uint32_t original = h->tp_len;
  int tagged = r->linktype == LINKTYPE_ETHERNET && (h->tp_status & TP_STATUS_VLAN_VALID) && captured >= 12;
  if (tagged) {
    captured += VLAN_TAG;
    original += VLAN_TAG;
  }
  if (captured > r->snaplen) captured = r->snaplen;
  if (reserve(out, RECORD_HEADER + captured) < 0) {
    __atomic_fetch_add(&r->unbuffered, 1, __ATOMIC_RELAXED);
    return;
  }
  uint8_t *p = out->data + out->length;
  put_u32(p, h->tp_sec);
  put_u32(p + 4, h->tp_nsec);
  put_u32(p + 8, captured);
  put_u32(p + 12, original);
  uint8_t *data = p + RECORD_HEADER;
  if (tagged) {
    uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
    uint32_t rest = captured - 12 - VLAN_TAG;
    memcpy(data, frame, 12);
    data[12] = (uint8_t)(tpid >> 8);
    data[13] = (uint8_t)tpid;
    data[14] = (uint8_t)(h->hv1.tp_vlan_tci >> 8);
    data[15] = (uint8_t)h->hv1.tp_vlan_tci;
    memcpy(data + 16, frame + 12, rest);
  } else {
    memcpy(data, frame, captured);
  }
  out->length += RECORD_HEADER + captured;
  __atomic_fetch_add(&r->frames, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&r->bytes, captured, __ATOMIC_RELAXED);
}

static struct tpacket_block_desc *current_block(const ring_t *r) {
  return (struct tpacket_block_desc *)(r->map + (size_t)r->block * r->block_bytes);
}

static int block_ready(const ring_t *r) {
  return (__atomic_load_n(&current_block(r)->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0;
}

static uint64_t read_blocks(ring_t *r, chunk_t *out, size_t max_bytes) {
  size_t start = out->length;
  uint64_t before = __atomic_load_n(&r->frames, __ATOMIC_RELAXED);
  while (out->length - start < max_bytes && block_ready(r)) {
    struct tpacket_block_desc *block = current_block(r);
    const uint8_t *at = (const uint8_t *)block + block->hdr.bh1.offset_to_first_pkt;
    for (uint32_t i = 0; i < block->hdr.bh1.num_pkts; i++) {
      const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)at;
      const struct sockaddr_ll *link =
          (const struct sockaddr_ll *)(at + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
      /* On loopback each packet passes twice, going out and coming in: libpcap keeps the second, so does this. */
      if (!(r->loopback && link->sll_pkttype == PACKET_OUTGOING)) write_record(r, out, h);
      at += h->tp_next_offset;
    }
    __atomic_store_n(&block->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    r->block = (r->block + 1) % r->blocks;
  }
  return __atomic_load_n(&r->frames, __ATOMIC_RELAXED) - before;
}

uint64_t ring_read(ring_t *r, chunk_t *out, size_t max_bytes, int timeout_ms) {
  if (!r->header_written) {
    if (write_header(r, out) < 0) return 0;
    r->header_written = 1;
  }
  if (!block_ready(r)) {
    struct pollfd waiting = {r->fd, POLLIN | POLLERR, 0};
    /* An error (the interface went down: ENETDOWN) stays pending, and poll returns at once, until it is read. */
    if (poll(&waiting, 1, timeout_ms) > 0 && (waiting.revents & POLLERR)) {
      int error = 0;
      socklen_t length = sizeof(error);
      if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error != 0) {
        __atomic_store_n(&r->last_error, error, __ATOMIC_RELAXED);
        __atomic_fetch_add(&r->socket_errors, 1, __ATOMIC_RELAXED);
      }
    }
  }
  return read_blocks(r, out, max_bytes);
}

void ring_stats(ring_t *r, ring_stats_t *stats) {
  struct tpacket_stats_v3 kernel;
  socklen_t length = sizeof(kernel);
  memset(&kernel, 0, sizeof(kernel));
  if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &kernel, &length) == 0) {
    r->kernel_packets += kernel.tp_packets;
    r->kernel_drops += kernel.tp_drops;
  }
  stats->kernel_packets = r->kernel_packets;
  stats->kernel_drops = r->kernel_drops;
  stats->frames = __atomic_load_n(&r->frames, __ATOMIC_RELAXED);
  stats->bytes = __atomic_load_n(&r->bytes, __ATOMIC_RELAXED);
  stats->unbuffered = __atomic_load_n(&r->unbuffered, __ATOMIC_RELAXED);
  stats->socket_errors = __atomic_load_n(&r->socket_errors, __ATOMIC_RELAXED);
  stats->last_error = __atomic_load_n(&r->last_error, __ATOMIC_RELAXED);
}

void ring_close(ring_t *r) {
  if (r == NULL) return;
  if (r->map != NULL) munmap(r->map, r->map_bytes);
  if (r->fd >= 0) close(r->fd);
  free(r);
}
