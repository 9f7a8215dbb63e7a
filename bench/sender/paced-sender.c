/*
 * Paced NetFlow/IPFIX replay for benchmarks: sends a send plan (bench/sender/plan.ts) to a collector in a loop at a
 * fixed rate with sendmmsg, each stream from its own loopback source address (IP_PKTINFO), moving every datagram's
 * sequence number on by one loop and its times to the clock on every loop, so that a collector sees new flows for
 * as long as it runs. Prints one JSON line at the end with what it achieved: the rate asked for is not the rate
 * reached on a busy machine, and only the latter may be quoted.
 *
 *   paced-sender PLAN HOST PORT RATE SECONDS [PACKETS]
 *
 * Stops after SECONDS or PACKETS datagrams (0: no bound), or on SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32

typedef struct {
  uint16_t offset;
  uint8_t unit; /* 0: 32-bit seconds, 1: 64-bit milliseconds */
  uint64_t original;
} time_patch_t;

typedef struct {
  uint16_t stream;
  uint16_t length;
  uint16_t sequence_offset;
  uint32_t sequence_step;
  uint32_t sequence_original;
  uint16_t first_records;
  uint16_t later_records;
  uint16_t time_count;
  time_patch_t *times;
  uint8_t *payload;
} datagram_t;

typedef struct {
  uint32_t address;
  uint32_t base_seconds;
} stream_t;

static volatile sig_atomic_t stopping = 0;

static void on_signal(int signo) {
  (void)signo;
  stopping = 1;
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what) {
  fprintf(stderr, "paced-sender: %s: %s\n", what, errno ? strerror(errno) : "bad plan");
  exit(1);
}

static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  fseek(f, 0, SEEK_END);
  long length = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = malloc((size_t)length);
  if (!data || fread(data, 1, (size_t)length, f) != (size_t)length) die(path);
  fclose(f);
  *size = (size_t)length;
  return data;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static void put_be64(uint8_t *p, uint64_t v) {
  put_be32(p, (uint32_t)(v >> 32));
  put_be32(p + 4, (uint32_t)v);
}

/* Moves datagram d's sequence to `loop` and its times by `shift` seconds, from the values the plan holds. */
static void patch(datagram_t *d, uint64_t loop, int64_t shift) {
  if (d->sequence_offset != 0xffff)
    put_be32(d->payload + d->sequence_offset, (uint32_t)(d->sequence_original + loop * d->sequence_step));
  for (uint16_t i = 0; i < d->time_count; i++) {
    time_patch_t *t = &d->times[i];
    if (t->unit == 0) put_be32(d->payload + t->offset, (uint32_t)((int64_t)t->original + shift));
    else put_be64(d->payload + t->offset, (uint64_t)((int64_t)t->original + shift * 1000));
  }
}

int main(int argc, char **argv) {
  if (argc < 6 || argc > 7) {
    fprintf(stderr, "usage: paced-sender PLAN HOST PORT RATE SECONDS [PACKETS]\n");
    return 2;
  }
  const double rate = atof(argv[4]);
  const double seconds = atof(argv[5]);
  const uint64_t max_packets = argc == 7 ? strtoull(argv[6], NULL, 10) : 0;
  if (rate <= 0) {
    fprintf(stderr, "paced-sender: RATE must be positive\n");
    return 2;
  }

  size_t size;
  uint8_t *plan = read_file(argv[1], &size);
  if (size < 16 || memcmp(plan, "FTPLAN01", 8) != 0) die("not a send plan");
  const uint32_t stream_count = le32(plan + 8);
  const uint32_t datagram_count = le32(plan + 12);
  if (datagram_count == 0) die("empty plan");
  stream_t *streams = calloc(stream_count, sizeof *streams);
  datagram_t *datagrams = calloc(datagram_count, sizeof *datagrams);
  size_t at = 16;
  for (uint32_t i = 0; i < stream_count; i++) {
    if (at + 10 > size) die("truncated plan");
    streams[i].address = le32(plan + at);
    streams[i].base_seconds = le32(plan + at + 4);
    at += 10 + le16(plan + at + 8);
  }
  for (uint32_t i = 0; i < datagram_count; i++) {
    datagram_t *d = &datagrams[i];
    if (at + 16 > size) die("truncated plan");
    d->stream = le16(plan + at);
    d->length = le16(plan + at + 2);
    d->sequence_offset = le16(plan + at + 4);
    d->sequence_step = le32(plan + at + 6);
    d->first_records = le16(plan + at + 10);
    d->later_records = le16(plan + at + 12);
    d->time_count = le16(plan + at + 14);
    at += 16;
    if (d->stream >= stream_count || at + 3u * d->time_count + d->length > size) die("truncated plan");
    d->times = calloc(d->time_count ? d->time_count : 1, sizeof *d->times);
    d->payload = plan + at + 3u * d->time_count;
    for (uint16_t t = 0; t < d->time_count; t++) {
      const uint8_t *p = plan + at + 3u * t;
      d->times[t].offset = le16(p);
      d->times[t].unit = p[2];
      const unsigned width = d->times[t].unit == 0 ? 4 : 8;
      if (d->times[t].offset + width > d->length) die("time field beyond its datagram");
      d->times[t].original = width == 4 ? be32(d->payload + d->times[t].offset) : be64(d->payload + d->times[t].offset);
    }
    if (d->sequence_offset != 0xffff) {
      if (d->sequence_offset + 4u > d->length) die("sequence beyond its datagram");
      d->sequence_original = be32(d->payload + d->sequence_offset);
    }
    at += 3u * d->time_count + d->length;
  }

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  int buffer = 8 * 1024 * 1024;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
  if (inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) die("HOST must be an IPv4 address");

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  struct mmsghdr messages[BATCH];
  struct iovec iov[BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct cmsghdr align;
  } control[BATCH];

  uint64_t sent = 0, records = 0, errors = 0, loop = 0;
  uint32_t next = 0;
  uint16_t batch_records[BATCH];
  int64_t *shift = calloc(stream_count ? stream_count : 1, sizeof *shift);
  const double start = now_seconds();
  double worst_second = -1, second_start = start;
  uint64_t second_sent = 0;
  time_t wall = time(NULL);
  for (uint32_t s = 0; s < stream_count; s++) shift[s] = (int64_t)wall - streams[s].base_seconds;

  while (!stopping) {
    const double now = now_seconds();
    if (seconds > 0 && now - start >= seconds) break;
    if (max_packets && sent + errors >= max_packets) break;
    const uint64_t due = (uint64_t)((now - start) * rate) + 1;
    const uint64_t attempted = sent + errors;
    if (attempted >= due) {
      const double wait = ((double)attempted / rate) - (now - start);
      struct timespec pause = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
      nanosleep(&pause, NULL);
      continue;
    }
    uint64_t want = due - attempted;
    if (want > BATCH) want = BATCH;
    if (max_packets && want > max_packets - attempted) want = max_packets - attempted;
    unsigned n = 0;
    for (; n < want; n++) {
      if (next == datagram_count) {
        next = 0;
        loop++;
        wall = time(NULL);
        for (uint32_t s = 0; s < stream_count; s++) shift[s] = (int64_t)wall - streams[s].base_seconds;
      }
      datagram_t *d = &datagrams[next++];
      patch(d, loop, shift[d->stream]);
      batch_records[n] = loop == 0 ? d->first_records : d->later_records;
      iov[n] = (struct iovec){.iov_base = d->payload, .iov_len = d->length};
      memset(&control[n], 0, sizeof control[n]);
      messages[n] = (struct mmsghdr){0};
      messages[n].msg_hdr.msg_name = &to;
      messages[n].msg_hdr.msg_namelen = sizeof to;
      messages[n].msg_hdr.msg_iov = &iov[n];
      messages[n].msg_hdr.msg_iovlen = 1;
      messages[n].msg_hdr.msg_control = control[n].buf;
      messages[n].msg_hdr.msg_controllen = sizeof control[n].buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&messages[n].msg_hdr);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
      struct in_pktinfo *info = (struct in_pktinfo *)CMSG_DATA(c);
      info->ipi_spec_dst.s_addr = htonl(streams[d->stream].address);
    }
    unsigned done = 0;
    while (done < n && !stopping) {
      int r = sendmmsg(fd, messages + done, n - done, 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        errors++;
        if (errors == 1) fprintf(stderr, "paced-sender: sendmmsg: %s\n", strerror(errno));
        /* Skipped rather than retried forever; reported, and left out of what was sent. */
        done++;
        continue;
      }
      for (int i = 0; i < r; i++) records += batch_records[done + (unsigned)i];
      sent += (unsigned)r;
      second_sent += (unsigned)r;
      done += (unsigned)r;
    }
    const double after = now_seconds();
    if (after - second_start >= 1.0) {
      const double rate_now = (double)second_sent / (after - second_start);
      if (worst_second < 0 || rate_now < worst_second) worst_second = rate_now;
      second_start = after;
      second_sent = 0;
    }
  }
  const double elapsed = now_seconds() - start;
  printf("{\"packets\":%llu,\"records\":%llu,\"errors\":%llu,\"seconds\":%.3f,\"rate\":%.1f,\"asked\":%.1f,"
         "\"worst_second\":%.1f,\"loops\":%llu,\"plan_datagrams\":%u}\n",
         (unsigned long long)sent, (unsigned long long)records, (unsigned long long)errors, elapsed,
         (double)sent / elapsed, rate, worst_second < 0 ? (double)sent / elapsed : worst_second,
         (unsigned long long)loop, datagram_count);
  return 0;
}
