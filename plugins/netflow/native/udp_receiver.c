/*
 * UDP receiver for the NetFlow source: a native thread reads the socket with recvmmsg, many datagrams per system
 * call, into a ring of packed entries that JavaScript takes out in batches. Node's dgram makes one system call and
 * one JavaScript callback per datagram, which on a busy machine cannot keep up with a router's export bursts; here
 * the reading never waits for JavaScript.
 *
 * Entries use the packed-batch layout of plugins/netflow/datagram-batch.ts: data length u32 LE, received-at epoch
 * milliseconds f64 LE, exporter port u16 LE, address length u8, the address text (IPv4-mapped IPv6 written as IPv4),
 * then the data. A batch taken from the ring is therefore a batch the journal and the decode worker already read.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEADER 15
#define MAX_DATAGRAM 65535
#define MAX_ADDRESS 46
#define MAX_ENTRY (HEADER + MAX_ADDRESS + MAX_DATAGRAM)
#define VECTOR 64
/* Written where an entry would not fit before the ring's end: the reader goes back to the start. */
#define WRAP_MARK 0xffffffffu

typedef struct {
  int fd;
  int wake_fd;
  pthread_t thread;
  int running;
  uint8_t *ring;
  size_t capacity;
  /* Monotonic byte positions; position % capacity is the offset. Written by one side each. */
  _Atomic size_t head;
  _Atomic size_t tail;
  _Atomic uint64_t received;
  _Atomic int last_errno;
  _Atomic int stopping;
  /* Set when the reader has been told there is data; cleared by `take`, so a burst wakes JavaScript once. */
  _Atomic int signalled;
  napi_threadsafe_function on_readable;
  uint8_t *scratch;
  struct mmsghdr messages[VECTOR];
  struct iovec vectors[VECTOR];
  struct sockaddr_storage peers[VECTOR];
  struct sockaddr_storage last_peer;
  socklen_t last_peer_length;
  char last_address[MAX_ADDRESS];
  uint8_t last_address_length;
  uint16_t last_port;
} receiver_t;

static double epoch_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (double)now.tv_sec * 1000.0 + (double)(now.tv_nsec / 1000000);
}

/* The exporter's address text, cached for the common case of one exporter sending many datagrams in a row. */
static void describe_peer(receiver_t *r, const struct sockaddr_storage *peer, socklen_t length) {
  if (length == r->last_peer_length && memcmp(peer, &r->last_peer, length) == 0) return;
  memcpy(&r->last_peer, peer, length);
  r->last_peer_length = length;
  r->last_address[0] = 0;
  r->last_port = 0;
  if (peer->ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)peer;
    inet_ntop(AF_INET, &v4->sin_addr, r->last_address, sizeof r->last_address);
    r->last_port = ntohs(v4->sin_port);
  } else if (peer->ss_family == AF_INET6) {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)peer;
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], r->last_address, sizeof r->last_address);
    } else {
      inet_ntop(AF_INET6, &v6->sin6_addr, r->last_address, sizeof r->last_address);
    }
    r->last_port = ntohs(v6->sin6_port);
  }
  r->last_address_length = (uint8_t)strlen(r->last_address);
}

/* Waits until `needed` contiguous bytes are free at the head, wrapping when the end is too close. */
static int reserve(receiver_t *r, size_t needed, size_t *offset) {
  for (;;) {
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t at = head % r->capacity;
    size_t to_end = r->capacity - at;
    size_t wrap = to_end < needed ? to_end : 0;
    if (r->capacity - (head - tail) >= needed + wrap) {
      if (wrap) {
        if (to_end >= 4) {
          uint32_t mark = WRAP_MARK;
          memcpy(r->ring + at, &mark, 4);
        }
        atomic_store_explicit(&r->head, head + wrap, memory_order_release);
        at = 0;
      }
      *offset = at;
      return 1;
    }
    /* Ring full: JavaScript is behind. Waiting lets the kernel's receive buffer absorb the burst, and what it
       cannot hold shows in its drop counter rather than disappearing here. */
    if (atomic_load(&r->stopping)) return 0;
    struct timespec pause = {0, 200000};
    nanosleep(&pause, NULL);
  }
}

static void append(receiver_t *r, const uint8_t *data, uint32_t length, double received_at) {
  size_t needed = HEADER + r->last_address_length + length;
  size_t at;
  if (!reserve(r, needed, &at)) return;
  uint8_t *entry = r->ring + at;
  memcpy(entry, &length, 4);
  memcpy(entry + 4, &received_at, 8);
  memcpy(entry + 12, &r->last_port, 2);
  entry[14] = r->last_address_length;
  memcpy(entry + HEADER, r->last_address, r->last_address_length);
  memcpy(entry + HEADER + r->last_address_length, data, length);
  size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  atomic_store_explicit(&r->head, head + needed, memory_order_release);
}

static void *receive_loop(void *arg) {
  receiver_t *r = arg;
  struct pollfd fds[2] = {{.fd = r->fd, .events = POLLIN}, {.fd = r->wake_fd, .events = POLLIN}};
  while (!atomic_load(&r->stopping)) {
    for (int i = 0; i < VECTOR; i++) r->messages[i].msg_hdr.msg_namelen = sizeof r->peers[i];
    int n = recvmmsg(r->fd, r->messages, VECTOR, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR) atomic_store(&r->last_errno, errno);
      } else if (errno != EINTR) {
        atomic_store(&r->last_errno, errno);
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
      }
      continue;
    }
    double now = epoch_ms();
    for (int i = 0; i < n; i++) {
      describe_peer(r, &r->peers[i], r->messages[i].msg_hdr.msg_namelen);
      append(r, r->scratch + (size_t)i * MAX_DATAGRAM, r->messages[i].msg_len, now);
    }
    atomic_fetch_add(&r->received, (uint64_t)n);
    if (!atomic_exchange(&r->signalled, 1)) {
      napi_call_threadsafe_function(r->on_readable, NULL, napi_tsfn_nonblocking);
    }
  }
  return NULL;
}

static void stop(receiver_t *r) {
  if (!r->running) return;
  atomic_store(&r->stopping, 1);
  uint64_t one = 1;
  if (write(r->wake_fd, &one, sizeof one) < 0) atomic_store(&r->last_errno, errno);
  pthread_join(r->thread, NULL);
  r->running = 0;
  close(r->fd);
  close(r->wake_fd);
  napi_release_threadsafe_function(r->on_readable, napi_tsfn_release);
}

static void cleanup_hook(void *arg) { stop(arg); }

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  receiver_t *r = data;
  stop(r);
  napi_remove_env_cleanup_hook(env, cleanup_hook, r);
  free(r->ring);
  free(r->scratch);
  free(r);
}

static void call_readable(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  (void)data;
  if (env == NULL || callback == NULL) return;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, callback, 0, NULL, NULL);
}

static napi_value throw_errno(napi_env env, const char *what, int code) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(code));
  const char *name = NULL;
  switch (code) {
    case EADDRINUSE: name = "EADDRINUSE"; break;
    case EADDRNOTAVAIL: name = "EADDRNOTAVAIL"; break;
    case EACCES: name = "EACCES"; break;
    case EINVAL: name = "EINVAL"; break;
    default: name = "ERECEIVER"; break;
  }
  napi_throw_error(env, name, message);
  return NULL;
}

static receiver_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data;
  napi_get_cb_info(env, info, argc, argv, &self, NULL);
  if (napi_unwrap(env, self, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a UdpReceiver");
    return NULL;
  }
  return data;
}

static int bind_socket(receiver_t *r, const char *host, int family, uint32_t port, uint32_t buffer_bytes,
                       bool reuse_port) {
  struct sockaddr_storage address;
  socklen_t length;
  memset(&address, 0, sizeof address);
  if (family == 6) {
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&address;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) != 1) return EINVAL;
    length = sizeof *v6;
  } else {
    struct sockaddr_in *v4 = (struct sockaddr_in *)&address;
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &v4->sin_addr) != 1) return EINVAL;
    length = sizeof *v4;
  }
  r->fd = socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (r->fd < 0) return errno;
  if (family == 6) {
    /* As Node's udp6 sockets: IPv4 exporters reach a wildcard IPv6 address too. */
    int off = 0;
    setsockopt(r->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  /* Collectors sharing a port: the kernel picks one socket per source address and port, so an exporter (and its
     templates) stays with one collector while the group does not change. */
  if (reuse_port) {
    int on = 1;
    if (setsockopt(r->fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0) {
      int code = errno;
      close(r->fd);
      return code;
    }
  }
  if (buffer_bytes > 0) {
    int size = (int)buffer_bytes;
    setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    int granted = 0;
    socklen_t granted_length = sizeof granted;
    getsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &granted, &granted_length);
    /* Above net.core.rmem_max only a process with CAP_NET_ADMIN gets what was configured; others keep the cap. */
    if (granted / 2 < size) setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  }
  if (bind(r->fd, (struct sockaddr *)&address, length) < 0) {
    int code = errno;
    close(r->fd);
    return code;
  }
  return 0;
}

/* new UdpReceiver(host, family 4|6, port, receiveBufferBytes, ringBytes, onReadable[, reusePort]) */
static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_value self;
  napi_get_cb_info(env, info, &argc, argv, &self, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "UdpReceiver(host, family, port, receiveBufferBytes, ringBytes, onReadable)");
    return NULL;
  }
  char host[64];
  size_t host_length;
  uint32_t family, port, buffer_bytes, ring_bytes;
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_length) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &family) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &port) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &buffer_bytes) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &ring_bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "UdpReceiver: bad arguments");
    return NULL;
  }
  bool reuse_port = false;
  if (argc > 6 && napi_get_value_bool(env, argv[6], &reuse_port) != napi_ok) {
    napi_throw_type_error(env, NULL, "UdpReceiver: reusePort must be a boolean");
    return NULL;
  }
  receiver_t *r = calloc(1, sizeof *r);
  if (r == NULL) return throw_errno(env, "UdpReceiver", ENOMEM);
  r->capacity = ring_bytes < 4 * MAX_ENTRY ? 4 * MAX_ENTRY : ring_bytes;
  r->ring = malloc(r->capacity);
  r->scratch = malloc((size_t)VECTOR * MAX_DATAGRAM);
  if (r->ring == NULL || r->scratch == NULL) {
    free(r->ring);
    free(r->scratch);
    free(r);
    return throw_errno(env, "UdpReceiver", ENOMEM);
  }
  for (int i = 0; i < VECTOR; i++) {
    r->vectors[i].iov_base = r->scratch + (size_t)i * MAX_DATAGRAM;
    r->vectors[i].iov_len = MAX_DATAGRAM;
    r->messages[i].msg_hdr.msg_iov = &r->vectors[i];
    r->messages[i].msg_hdr.msg_iovlen = 1;
    r->messages[i].msg_hdr.msg_name = &r->peers[i];
  }
  int code = bind_socket(r, host, family == 6 ? 6 : 4, port, buffer_bytes, reuse_port);
  if (code == 0) {
    r->wake_fd = eventfd(0, EFD_CLOEXEC);
    if (r->wake_fd < 0) {
      code = errno;
      close(r->fd);
    }
  }
  if (code != 0) {
    free(r->ring);
    free(r->scratch);
    free(r);
    return throw_errno(env, "bind", code);
  }
  napi_value name;
  napi_create_string_utf8(env, "netflow-udp-readable", NAPI_AUTO_LENGTH, &name);
  napi_create_threadsafe_function(env, argv[5], NULL, name, 0, 1, NULL, NULL, NULL, call_readable,
                                  &r->on_readable);
  napi_wrap(env, self, r, finalize, NULL, NULL);
  napi_add_env_cleanup_hook(env, cleanup_hook, r);
  if (pthread_create(&r->thread, NULL, receive_loop, r) != 0) {
    int err = errno;
    close(r->fd);
    close(r->wake_fd);
    napi_release_threadsafe_function(r->on_readable, napi_tsfn_release);
    return throw_errno(env, "thread", err);
  }
  r->running = 1;
  return self;
}

/*
 * take(maxBytes, maxPackets) -> [ArrayBuffer, packets] | undefined: whole entries from the ring, oldest first,
 * copied into a new ArrayBuffer of at most maxBytes (always at least one entry).
 */
static napi_value take(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  receiver_t *r = unwrap(env, info, &argc, argv);
  if (r == NULL) return NULL;
  uint32_t max_bytes = 1 << 20, max_packets = UINT32_MAX;
  if (argc > 0) napi_get_value_uint32(env, argv[0], &max_bytes);
  if (argc > 1) napi_get_value_uint32(env, argv[1], &max_packets);
  atomic_store(&r->signalled, 0);
  size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
  size_t start = tail, bytes = 0;
  uint32_t packets = 0;
  /*
   * First pass: where the batch starts and how long it is. A batch is copied in one piece, so it ends where the
   * entries stop being contiguous: at a wrap mark, or at the ring's end itself when an entry fit exactly before
   * it (the next entry then starts at offset 0 with no mark, since none was needed).
   */
  size_t at = tail;
  while (at < head && packets < max_packets) {
    size_t offset = at % r->capacity;
    if (packets > 0 && offset == 0) break;
    size_t to_end = r->capacity - offset;
    uint32_t length;
    if (to_end >= 4) memcpy(&length, r->ring + offset, 4);
    if (to_end < 4 || length == WRAP_MARK) {
      if (packets > 0) break;
      at += to_end;
      start = at;
      continue;
    }
    size_t entry = HEADER + r->ring[offset + 14] + (size_t)length;
    if (packets > 0 && bytes + entry > max_bytes) break;
    bytes += entry;
    packets++;
    at += entry;
  }
  if (packets == 0) {
    atomic_store_explicit(&r->tail, at, memory_order_release);
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    return undefined;
  }
  void *copy;
  napi_value buffer;
  if (napi_create_arraybuffer(env, bytes, &copy, &buffer) != napi_ok) return NULL;
  memcpy(copy, r->ring + start % r->capacity, bytes);
  atomic_store_explicit(&r->tail, at, memory_order_release);
  napi_value result, count;
  napi_create_array_with_length(env, 2, &result);
  napi_create_uint32(env, packets, &count);
  napi_set_element(env, result, 0, buffer);
  napi_set_element(env, result, 1, count);
  return result;
}

/* stats() -> { received, localPort, receiveBufferBytes, lastError } */
static napi_value stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  receiver_t *r = unwrap(env, info, &argc, NULL);
  if (r == NULL) return NULL;
  napi_value result, value;
  napi_create_object(env, &result);
  napi_create_double(env, (double)atomic_load(&r->received), &value);
  napi_set_named_property(env, result, "received", value);
  if (r->running) {
    struct sockaddr_storage local;
    socklen_t length = sizeof local;
    uint16_t port = 0;
    if (getsockname(r->fd, (struct sockaddr *)&local, &length) == 0) {
      port = local.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&local)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&local)->sin_port);
    }
    int size = 0;
    socklen_t size_length = sizeof size;
    getsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &size, &size_length);
    napi_create_uint32(env, port, &value);
    napi_set_named_property(env, result, "localPort", value);
    napi_create_uint32(env, (uint32_t)size, &value);
    napi_set_named_property(env, result, "receiveBufferBytes", value);
  }
  int code = atomic_exchange(&r->last_errno, 0);
  if (code != 0) {
    napi_create_string_utf8(env, strerror(code), NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, result, "lastError", value);
  }
  return result;
}

/* close(): stops reading and closes the socket; what was read stays in the ring for `take`. */
static napi_value close_receiver(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  receiver_t *r = unwrap(env, info, &argc, NULL);
  if (r == NULL) return NULL;
  stop(r);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"take", NULL, take, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_receiver, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value constructor;
  napi_define_class(env, "UdpReceiver", NAPI_AUTO_LENGTH, construct, NULL, 3, methods, &constructor);
  napi_set_named_property(env, exports, "UdpReceiver", constructor);
  return exports;
}
