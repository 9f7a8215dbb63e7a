/*
 * Byte buffers of the native pcap code: numbers stored at any byte position of a record or index entry (memcpy,
 * as positions are not aligned), and output buffers that grow as they fill.
 */
#ifndef FLOWTRAIL_BYTES_H
#define FLOWTRAIL_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void put_u16(uint8_t *at, uint16_t v) { memcpy(at, &v, 2); }
static inline void put_u32(uint8_t *at, uint32_t v) { memcpy(at, &v, 4); }
static inline void put_f64(uint8_t *at, double v) { memcpy(at, &v, 8); }

/*
 * Makes `*data`, of `*capacity` bytes, hold at least `need` bytes. The capacity doubles (from `initial`, not 0, when
 * there is none yet) so that a stream of appends reallocates only a logarithmic number of times. Returns -1, leaving
 * the buffer as it was, when memory runs out.
 */
static inline int reserve_bytes(uint8_t **data, size_t *capacity, size_t need, size_t initial) {
  if (need <= *capacity) return 0;
  size_t grown_capacity = *capacity == 0 ? initial : *capacity;
  while (grown_capacity < need) grown_capacity *= 2;
  uint8_t *grown = realloc(*data, grown_capacity);
  if (grown == NULL) return -1;
  *data = grown;
  *capacity = grown_capacity;
  return 0;
}

#endif
