/*
 * The pcap_meter addon: `CaptureMeter` reads a capture's bytes (capture.c: a file, or the pcap stream a live tap
 * builds from its ring) into a flow meter (meter.c).
 * Flows leave in batches, as one buffer of fixed-size records (meter.h's layout) per take(), so crossing into
 * JavaScript costs one call per batch, not one per flow or packet.
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "meter.h"

typedef struct {
  capture_t *capture;
  meter_t *meter;
} capture_meter_t;

static void on_frame(void *context, uint32_t linktype, double ts_ms, const uint8_t *frame, uint32_t captured) {
  meter_frame((meter_t *)context, linktype, ts_ms, frame, captured);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  capture_meter_t *cm = data;
  capture_destroy(cm->capture);
  meter_destroy(cm->meter);
  free(cm);
}

static double number_property(napi_env env, napi_value object, const char *name, double fallback) {
  napi_value value;
  double number;
  if (napi_get_named_property(env, object, name, &value) != napi_ok ||
      napi_get_value_double(env, value, &number) != napi_ok)
    return fallback;
  return number;
}

/* `name`: an Int32Array of [type, counterpart] pairs. */
static void counterparts(napi_env env, napi_value options, const char *name, int16_t table[256]) {
  for (int i = 0; i < 256; i++) table[i] = -1;
  napi_value value;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_named_property(env, options, name, &value) != napi_ok ||
      napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_int32_array)
    return;
  const int32_t *pairs = data;
  for (size_t i = 0; i + 1 < length; i += 2)
    if (pairs[i] >= 0 && pairs[i] < 256) table[pairs[i]] = (int16_t)pairs[i + 1];
}

static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value options, self;
  napi_get_cb_info(env, info, &argc, &options, &self, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "CaptureMeter: options expected");
    return NULL;
  }
  meter_config_t config;
  memset(&config, 0, sizeof(config));
  double max_flows = number_property(env, options, "maxFlows", 262144);
  if (max_flows < 1 || max_flows > 1e8) {
    napi_throw_range_error(env, NULL, "CaptureMeter: maxFlows must be 1 to 100000000");
    return NULL;
  }
  config.max_flows = (uint32_t)max_flows;
  config.idle_ms = number_property(env, options, "idleTimeoutMs", 60000);
  config.active_ms = number_property(env, options, "activeTimeoutMs", 1800000);
  counterparts(env, options, "icmp4Counterparts", config.icmp4_counterpart);
  counterparts(env, options, "icmp6Counterparts", config.icmp6_counterpart);
  capture_meter_t *cm = calloc(1, sizeof(capture_meter_t));
  if (cm != NULL) {
    cm->capture = capture_create();
    cm->meter = meter_create(&config);
  }
  if (cm == NULL || cm->capture == NULL || cm->meter == NULL) {
    if (cm != NULL) finalize(env, cm, NULL);
    napi_throw_error(env, NULL, "CaptureMeter: out of memory for the flow table");
    return NULL;
  }
  napi_wrap(env, self, cm, finalize, NULL, NULL);
  return self;
}

static capture_meter_t *self_of(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  napi_get_cb_info(env, info, argc, argv, &self, NULL);
  capture_meter_t *cm = NULL;
  if (napi_unwrap(env, self, (void **)&cm) != napi_ok) return NULL;
  return cm;
}

static napi_value boolean(napi_env env, int value) {
  napi_value result;
  napi_get_boolean(env, value, &result);
  return result;
}

/* push(chunk): meters the frames the bytes complete; false once the capture's framing is lost. */
static napi_value push(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  capture_meter_t *cm = self_of(env, info, &argc, argv);
  void *data;
  size_t length;
  if (cm == NULL || argc < 1 || napi_get_buffer_info(env, argv[0], &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "push: a Buffer expected");
    return NULL;
  }
  return boolean(env, capture_push(cm->capture, data, length, on_frame, cm->meter) == 0);
}

/* end(): every flow is written out; false when the capture ended inside a record. */
static napi_value end(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_meter_t *cm = self_of(env, info, &argc, NULL);
  if (cm == NULL) return NULL;
  int cut = capture_end(cm->capture);
  meter_finish(cm->meter);
  return boolean(env, !cut);
}

/* tick(nowMs): the clock of a live capture; flows idle since are written out. */
static napi_value tick(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  capture_meter_t *cm = self_of(env, info, &argc, argv);
  double now_ms;
  if (cm == NULL || argc < 1 || napi_get_value_double(env, argv[0], &now_ms) != napi_ok) {
    napi_throw_type_error(env, NULL, "tick: a time in epoch milliseconds expected");
    return NULL;
  }
  meter_advance(cm->meter, now_ms);
  return NULL;
}

/* take(): the flow records written out since the last take, as one Buffer, or undefined when there are none. */
static napi_value take(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_meter_t *cm = self_of(env, info, &argc, NULL);
  napi_value result;
  if (cm == NULL) return NULL;
  size_t count;
  const uint8_t *records = meter_output(cm->meter, &count);
  if (count == 0) {
    napi_get_undefined(env, &result);
    return result;
  }
  napi_create_buffer_copy(env, count * RECORD_SIZE, records, NULL, &result);
  meter_take(cm->meter);
  return result;
}

static void set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

static void set_string(napi_env env, napi_value object, const char *name, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, object, name, v);
}

static napi_value stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_meter_t *cm = self_of(env, info, &argc, NULL);
  if (cm == NULL) return NULL;
  const meter_stats_t *s = meter_stats(cm->meter);
  napi_value result;
  napi_create_object(env, &result);
  set_string(env, result, "format", capture_format(cm->capture));
  set_number(env, result, "frames", (double)capture_frames(cm->capture));
  set_number(env, result, "skippedRecords", (double)capture_skipped(cm->capture));
  set_number(env, result, "ipPackets", (double)s->ip_packets);
  set_number(env, result, "notIp", (double)s->not_ip);
  set_number(env, result, "broken", (double)s->broken);
  set_number(env, result, "fragments", (double)s->fragments);
  set_number(env, result, "flows", (double)s->flows);
  set_number(env, result, "evicted", (double)s->evicted);
  set_number(env, result, "active", (double)s->active);
  set_string(env, result, "error", capture_error(cm->capture));
  set_number(env, result, "errorOffset", (double)capture_error_offset(cm->capture));
  set_number(env, result, "outputFailed", meter_output_failed(cm->meter));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"push", NULL, push, NULL, NULL, NULL, napi_default, NULL},
      {"end", NULL, end, NULL, NULL, NULL, napi_default, NULL},
      {"tick", NULL, tick, NULL, NULL, NULL, napi_default, NULL},
      {"take", NULL, take, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value constructor;
  napi_define_class(env, "CaptureMeter", NAPI_AUTO_LENGTH, construct, NULL, 5, methods, &constructor);
  napi_set_named_property(env, exports, "CaptureMeter", constructor);
  return exports;
}
