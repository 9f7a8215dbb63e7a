/*
 * The pcap_tap addon: `PacketRing`, one interface's receive ring (ring.c) read out as a pcap byte stream. A read
 * waits for frames on a thread of libuv's pool, so the event loop never blocks on the socket; one read runs at a
 * time per ring, and a ring closed while a read runs is released when that read ends.
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "napi-helpers.h"
#include "ring.h"

#define MAX_READ_BYTES (4u << 20)

typedef struct {
  ring_t *ring;
  chunk_t chunk;
  napi_async_work work;
  napi_deferred deferred;
  /* Holds the JavaScript object while a read runs, so it is not collected under it. */
  napi_ref self;
  int timeout_ms;
  int reading;
  int closed;
} handle_t;

static void release(handle_t *h) {
  ring_close(h->ring);
  h->ring = NULL;
  free(h->chunk.data);
  h->chunk.data = NULL;
  h->chunk.capacity = h->chunk.length = 0;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  handle_t *h = data;
  /* A read holds the object, so this runs during one only as the environment is torn down: the thread still uses it. */
  if (h->reading) return;
  release(h);
  free(h);
}

static const char *ERROR_CODES[] = {"", "ERR_CAPTURE_PERMISSION", "ERR_CAPTURE_NO_INTERFACE", "ERR_CAPTURE"};

static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value options, self;
  napi_get_cb_info(env, info, &argc, &options, &self, NULL);
  char interface[64];
  char filter[8192];
  if (argc < 1 || string_property(env, options, "interface", interface, sizeof(interface)) < 0) {
    napi_throw_type_error(env, NULL, "PacketRing: options.interface expected");
    return NULL;
  }
  if (string_property(env, options, "filter", filter, sizeof(filter)) == -2) {
    napi_throw_range_error(env, NULL, "PacketRing: the filter is longer than 8191 bytes");
    return NULL;
  }
  ring_config_t config;
  memset(&config, 0, sizeof(config));
  config.interface = interface;
  config.filter = filter;
  double snaplen = number_property(env, options, "snaplen", 262144);
  double block_bytes = number_property(env, options, "blockBytes", 1 << 20);
  double blocks = number_property(env, options, "blocks", 64);
  double block_timeout = number_property(env, options, "blockTimeoutMs", 64);
  if (snaplen < 64 || snaplen > 262144 || block_bytes < 65536 || block_bytes > (1 << 30) || blocks < 2 ||
      blocks > 65536 || block_timeout < 1 || block_timeout > 60000) {
    napi_throw_range_error(env, NULL, "PacketRing: snaplen, blockBytes, blocks or blockTimeoutMs out of range");
    return NULL;
  }
  config.snaplen = (uint32_t)snaplen;
  config.block_bytes = (uint32_t)block_bytes;
  config.blocks = (uint32_t)blocks;
  config.block_timeout_ms = (uint32_t)block_timeout;
  config.promiscuous = boolean_property(env, options, "promiscuous", 1);
  handle_t *h = calloc(1, sizeof(handle_t));
  if (h == NULL) {
    napi_throw_error(env, ERROR_CODES[RING_FAILED], "out of memory");
    return NULL;
  }
  char error[512];
  enum ring_error kind = RING_OK;
  h->ring = ring_open(&config, error, sizeof(error), &kind);
  if (h->ring == NULL) {
    free(h);
    napi_throw_error(env, ERROR_CODES[kind], error);
    return NULL;
  }
  napi_wrap(env, self, h, finalize, NULL, NULL);
  return self;
}

static handle_t *self_of(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self) {
  return unwrapped_this(env, info, argc, argv, self);
}

static void execute(napi_env env, void *data) {
  (void)env;
  handle_t *h = data;
  h->chunk.length = 0;
  ring_read(h->ring, &h->chunk, MAX_READ_BYTES, h->timeout_ms);
}

static void complete(napi_env env, napi_status status, void *data) {
  handle_t *h = data;
  napi_value result;
  if (status == napi_ok && h->chunk.length > 0)
    napi_create_buffer_copy(env, h->chunk.length, h->chunk.data, NULL, &result);
  else
    napi_get_undefined(env, &result);
  napi_resolve_deferred(env, h->deferred, result);
  napi_delete_async_work(env, h->work);
  napi_delete_reference(env, h->self);
  h->reading = 0;
  if (h->closed) release(h);
}

/* read(timeoutMs): a Promise of the stream's next bytes (a Buffer), or of undefined when no frame came or closed. */
static napi_value read_ring(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, promise, name;
  handle_t *h = self_of(env, info, &argc, argv, &self);
  double timeout = 100;
  if (h == NULL || (argc >= 1 && napi_get_value_double(env, argv[0], &timeout) != napi_ok)) {
    napi_throw_type_error(env, NULL, "read: a timeout in milliseconds expected");
    return NULL;
  }
  if (h->reading) {
    napi_throw_error(env, NULL, "read: a read is running already");
    return NULL;
  }
  napi_create_promise(env, &h->deferred, &promise);
  if (h->closed) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, h->deferred, undefined);
    return promise;
  }
  h->timeout_ms = timeout < 0 ? 0 : timeout > 10000 ? 10000 : (int)timeout;
  napi_create_string_utf8(env, "flowtrail:packet-ring", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, self, 1, &h->self);
  napi_create_async_work(env, NULL, name, execute, complete, h, &h->work);
  h->reading = 1;
  napi_queue_async_work(env, h->work);
  return promise;
}

static napi_value stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self, result;
  handle_t *h = self_of(env, info, &argc, NULL, &self);
  if (h == NULL) return NULL;
  ring_stats_t s;
  memset(&s, 0, sizeof(s));
  if (h->ring != NULL) ring_stats(h->ring, &s);
  napi_create_object(env, &result);
  set_number(env, result, "kernelPackets", (double)s.kernel_packets);
  set_number(env, result, "kernelDrops", (double)s.kernel_drops);
  set_number(env, result, "frames", (double)s.frames);
  set_number(env, result, "bytes", (double)s.bytes);
  set_number(env, result, "unbuffered", (double)s.unbuffered);
  set_number(env, result, "socketErrors", (double)s.socket_errors);
  set_string(env, result, "lastError", s.last_error == 0 ? "" : strerror(s.last_error));
  return result;
}

static napi_value linktype(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self, result;
  handle_t *h = self_of(env, info, &argc, NULL, &self);
  if (h == NULL) return NULL;
  napi_create_uint32(env, h->ring == NULL ? 0 : ring_linktype(h->ring), &result);
  return result;
}

static napi_value ifindex(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self, result;
  handle_t *h = self_of(env, info, &argc, NULL, &self);
  if (h == NULL) return NULL;
  napi_create_int32(env, h->ring == NULL ? 0 : ring_ifindex(h->ring), &result);
  return result;
}

/* close(): the socket and ring are released now, or when the running read ends. */
static napi_value close_ring(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  handle_t *h = self_of(env, info, &argc, NULL, &self);
  if (h == NULL || h->closed) return NULL;
  h->closed = 1;
  if (!h->reading) release(h);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      NAPI_METHOD("read", read_ring),
      NAPI_METHOD("stats", stats),
      NAPI_METHOD("linktype", linktype),
      NAPI_METHOD("ifindex", ifindex),
      NAPI_METHOD("close", close_ring),
  };
  napi_value constructor;
  napi_define_class(env, "PacketRing", NAPI_AUTO_LENGTH, construct, NULL, sizeof methods / sizeof methods[0], methods,
                    &constructor);
  napi_set_named_property(env, exports, "PacketRing", constructor);
  return exports;
}
