/*
 * A live capture on one interface: an AF_PACKET socket with a TPACKET_V3 receive ring (blocks of frames the kernel
 * fills and hands over whole), read out as a pcap byte stream (a file header first, then one record per frame) so
 * that whatever reads capture files (the flow meter) reads a live capture the same way.
 */
#ifndef FLOWTRAIL_RING_H
#define FLOWTRAIL_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct ring ring_t;

typedef struct {
  const char *interface;
  /* tcpdump's filter language; NULL or "" for every frame. */
  const char *filter;
  uint32_t snaplen;
  int promiscuous;
  uint32_t block_bytes;
  uint32_t blocks;
  /* A block that is not full is handed over after this long, so that a quiet link's frames are not held back. */
  uint32_t block_timeout_ms;
} ring_config_t;

/* A growing byte buffer the pcap stream is written into. */
typedef struct {
  uint8_t *data;
  size_t length;
  size_t capacity;
} chunk_t;

typedef struct {
  /* PACKET_STATISTICS, summed: frames the socket took (dropped ones included) and frames dropped, ring full. */
  uint64_t kernel_packets;
  uint64_t kernel_drops;
  /* Frames and their captured bytes written into the stream. */
  uint64_t frames;
  uint64_t bytes;
  /* Frames lost because the stream could not grow (out of memory). */
  uint64_t unbuffered;
  /* Errors the socket reported (ENETDOWN: the interface went down) and the last one's errno. */
  uint64_t socket_errors;
  int last_error;
} ring_stats_t;

enum ring_error { RING_OK, RING_PERMISSION, RING_NO_INTERFACE, RING_FAILED };

/* NULL on failure, with `error` saying why and `*kind` what kind of failure it was. */
ring_t *ring_open(const ring_config_t *config, char *error, size_t error_size, enum ring_error *kind);

/* The pcap link type of the stream (1: Ethernet, 101: raw IP). */
uint32_t ring_linktype(const ring_t *r);

/* The interface's index (ifIndex), as `ip link` numbers it. */
int ring_ifindex(const ring_t *r);

/*
 * Appends the frames of the blocks the kernel handed over (the file header before the first) to `out`, stopping
 * at a block's end once `max_bytes` were added; when none is ready, waits up to `timeout_ms` for one. Returns the
 * frames appended. Called from one thread at a time.
 */
uint64_t ring_read(ring_t *r, chunk_t *out, size_t max_bytes, int timeout_ms);

/* Sums the kernel's counters (it resets them on each read) into the ring's. */
void ring_stats(ring_t *r, ring_stats_t *stats);

void ring_close(ring_t *r);

#endif
