/*
 * pcap and pcapng capture files, read from a byte stream handed over in chunks of any size: each frame goes to a
 * callback as soon as its bytes are there. Only a record cut by a chunk's end is copied (into `carry`), so a frame
 * is read where the chunk holds it.
 */
#ifndef FLOWTRAIL_CAPTURE_H
#define FLOWTRAIL_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* `original`: the frame's length on the wire, of which `captured` bytes were kept (a snap length cuts the rest). */
typedef void (*frame_fn)(void *context, uint32_t linktype, double ts_ms, const uint8_t *frame, uint32_t captured,
                         uint32_t original);

typedef struct capture capture_t;

capture_t *capture_create(void);
void capture_destroy(capture_t *c);

/* Reads the next bytes of the stream; -1 once its framing is lost (capture_error says why and where). */
int capture_push(capture_t *c, const uint8_t *data, size_t length, frame_fn fn, void *context);

/* The stream ended: 0 at a record boundary, 1 inside a record (the capture was cut short; capture_error says where). */
int capture_end(capture_t *c);

const char *capture_error(const capture_t *c);
/* Byte offset of the record capture_error is about. */
uint64_t capture_error_offset(const capture_t *c);
uint64_t capture_frames(const capture_t *c);
/* Records the reader skipped: pcapng packets of an interface never described, or with lengths past their block. */
uint64_t capture_skipped(const capture_t *c);
/* "pcap", "pcapng" or "" before the first bytes. */
const char *capture_format(const capture_t *c);

#endif
