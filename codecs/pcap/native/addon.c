/*
 * The pcap_meter addon: `CaptureMeter` reads a capture's bytes (capture.c: a file, or the pcap stream a live tap
 * builds from its ring) into a flow meter (meter.c).
 * Flows leave in batches, as one buffer of fixed-size records (meter.h's layout) per take(), so crossing into
 * JavaScript costs one call per batch, not one per flow or packet. With `recordSessions`, the same frames also go
 * to the packet store's recorder (recorder.c), whose records leave likewise once per push; `selectRecords` reads
 * one session's records back out of a ring file (select.c).
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "meter.h"
#include "napi-helpers.h"
#include "packet-store.h"

typedef struct {
  capture_t *capture;
  meter_t *meter;
  /* NULL unless the packet store records this stream. */
  recorder_t *recorder;
} capture_meter_t;

static void on_frame(void *context, uint32_t linktype, double ts_ms, const uint8_t *frame, uint32_t captured,
                     uint32_t original) {
  capture_meter_t *cm = context;
  meter_frame(cm->meter, linktype, ts_ms, frame, captured);
  if (cm->recorder != NULL)
    recorder_frame(cm->recorder, linktype, ts_ms, frame, captured, original, meter_packet(cm->meter));
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  capture_meter_t *cm = data;
  capture_destroy(cm->capture);
  meter_destroy(cm->meter);
  recorder_destroy(cm->recorder);
  free(cm);
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
  double sessions = number_property(env, options, "recordSessions", 0);
  if (sessions < 0 || sessions > 1e7) {
    napi_throw_range_error(env, NULL, "CaptureMeter: recordSessions must be 0 to 10000000");
    return NULL;
  }
  capture_meter_t *cm = calloc(1, sizeof(capture_meter_t));
  if (cm != NULL) {
    cm->capture = capture_create();
    cm->meter = meter_create(&config);
    if (sessions >= 1) cm->recorder = recorder_create((uint32_t)sessions);
  }
  if (cm == NULL || cm->capture == NULL || cm->meter == NULL || (sessions >= 1 && cm->recorder == NULL)) {
    if (cm != NULL) finalize(env, cm, NULL);
    napi_throw_error(env, NULL, "CaptureMeter: out of memory for the flow table");
    return NULL;
  }
  napi_wrap(env, self, cm, finalize, NULL, NULL);
  return self;
}

static capture_meter_t *self_of(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  return unwrapped_this(env, info, argc, argv, NULL);
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
  return boolean(env, capture_push(cm->capture, data, length, on_frame, cm) == 0);
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

/*
 * The meter's open flows that counted a packet since `since_value` (a sequence an earlier snapshot returned; 0:
 * all): { records: Buffer | undefined, sequence, clockMs }. Apart from the class, so any packet source's class can
 * offer it over its own meter.
 */
static napi_value snapshot_of(napi_env env, meter_t *meter, napi_value since_value) {
  double since = 0;
  if (since_value != NULL && napi_get_value_double(env, since_value, &since) != napi_ok) since = 0;
  const uint8_t *records;
  size_t count;
  uint64_t sequence;
  if (meter_snapshot(meter, since > 0 ? (uint64_t)since : 0, &records, &count, &sequence) != 0) {
    napi_throw_error(env, NULL, "snapshot: out of memory for the open flows' records");
    return NULL;
  }
  napi_value result, buffer;
  napi_create_object(env, &result);
  if (count > 0) {
    napi_create_buffer_copy(env, count * RECORD_SIZE, records, NULL, &buffer);
    napi_set_named_property(env, result, "records", buffer);
  }
  set_number(env, result, "sequence", (double)sequence);
  set_number(env, result, "clockMs", meter_clock(meter));
  return result;
}

static napi_value snapshot(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1] = {NULL};
  capture_meter_t *cm = self_of(env, info, &argc, argv);
  if (cm == NULL) return NULL;
  return snapshot_of(env, cm->meter, argc < 1 ? NULL : argv[0]);
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
  set_number(env, result, "clockMs", meter_clock(cm->meter));
  return result;
}

static recorder_t *recorder_of(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_meter_t *cm = self_of(env, info, &argc, NULL);
  if (cm == NULL || cm->recorder == NULL) {
    napi_throw_error(env, NULL, "this meter records no packets (recordSessions was not given)");
    return NULL;
  }
  return cm->recorder;
}

/* records(): the pcap records of the frames pushed since the last call, as one Buffer, or undefined. */
static napi_value records(napi_env env, napi_callback_info info) {
  recorder_t *r = recorder_of(env, info);
  if (r == NULL) return NULL;
  size_t length;
  const uint8_t *bytes = recorder_output(r, &length);
  napi_value result;
  if (length == 0) {
    napi_get_undefined(env, &result);
    return result;
  }
  napi_create_buffer_copy(env, length, bytes, NULL, &result);
  recorder_take_output(r);
  return result;
}

/* seal(): the current file's index entries as one Buffer; the records that follow start a new file. */
static napi_value seal(napi_env env, napi_callback_info info) {
  recorder_t *r = recorder_of(env, info);
  if (r == NULL) return NULL;
  size_t length = (size_t)recorder_stats(r)->sessions * ENTRY_SIZE;
  void *data;
  napi_value result;
  napi_create_buffer(env, length, &data, &result);
  recorder_seal(r, data);
  return result;
}

static napi_value recording(napi_env env, napi_callback_info info) {
  recorder_t *r = recorder_of(env, info);
  if (r == NULL) return NULL;
  const recorder_stats_t *s = recorder_stats(r);
  napi_value result;
  napi_create_object(env, &result);
  set_number(env, result, "records", (double)s->records);
  set_number(env, result, "firstMs", s->first_ms);
  set_number(env, result, "lastMs", s->last_ms);
  set_number(env, result, "offset", (double)s->offset);
  set_number(env, result, "sessions", s->sessions);
  set_number(env, result, "overflow", s->overflow);
  set_number(env, result, "linktype", (double)s->linktype);
  set_number(env, result, "otherLinktype", (double)s->other_linktype);
  set_number(env, result, "outOfMemory", (double)s->out_of_memory);
  return result;
}

static int address_property(napi_env env, napi_value object, const char *name, uint8_t out[16]) {
  napi_value value;
  void *data;
  size_t length;
  if (napi_get_named_property(env, object, name, &value) != napi_ok ||
      napi_get_buffer_info(env, value, &data, &length) != napi_ok || length != 16)
    return -1;
  memcpy(out, data, 16);
  return 0;
}

/*
 * selectRecords(records, linktype, selector): the session's records among `records` (whole records of a ring
 * file), as { records: Buffer, matched, consumed }.
 */
static napi_value select_session(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data;
  size_t length;
  uint32_t linktype;
  selector_t s;
  memset(&s, 0, sizeof(s));
  if (argc < 3 || napi_get_buffer_info(env, argv[0], &data, &length) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &linktype) != napi_ok || address_property(env, argv[2], "a", s.a) < 0 ||
      address_property(env, argv[2], "b", s.b) < 0) {
    napi_throw_type_error(env, NULL, "selectRecords(records: Buffer, linktype, { a, b: 16-byte Buffers, ... })");
    return NULL;
  }
  s.port_a = (uint16_t)number_property(env, argv[2], "portA", 0);
  s.port_b = (uint16_t)number_property(env, argv[2], "portB", 0);
  s.protocol = (int)number_property(env, argv[2], "protocol", -1);
  s.family = (uint8_t)number_property(env, argv[2], "family", 4);
  s.any_ports = number_property(env, argv[2], "anyPorts", 0) != 0;
  s.from_ms = number_property(env, argv[2], "fromMs", 0);
  s.to_ms = number_property(env, argv[2], "toMs", 0);
  uint8_t *out = malloc(length > 0 ? length : 1);
  if (out == NULL) {
    napi_throw_error(env, NULL, "selectRecords: out of memory");
    return NULL;
  }
  selection_t selected = select_records(data, length, linktype, &s, out);
  napi_value result, bytes;
  napi_create_object(env, &result);
  napi_create_buffer_copy(env, selected.written, out, NULL, &bytes);
  free(out);
  napi_set_named_property(env, result, "records", bytes);
  set_number(env, result, "matched", (double)selected.matched);
  set_number(env, result, "consumed", (double)selected.consumed);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      NAPI_METHOD("push", push),
      NAPI_METHOD("end", end),
      NAPI_METHOD("tick", tick),
      NAPI_METHOD("take", take),
      NAPI_METHOD("stats", stats),
      NAPI_METHOD("snapshot", snapshot),
      NAPI_METHOD("records", records),
      NAPI_METHOD("seal", seal),
      NAPI_METHOD("recording", recording),
  };
  napi_value constructor, select;
  napi_define_class(env, "CaptureMeter", NAPI_AUTO_LENGTH, construct, NULL, sizeof methods / sizeof methods[0], methods,
                    &constructor);
  napi_set_named_property(env, exports, "CaptureMeter", constructor);
  napi_create_function(env, "selectRecords", NAPI_AUTO_LENGTH, select_session, NULL, &select);
  napi_set_named_property(env, exports, "selectRecords", select);
  return exports;
}
