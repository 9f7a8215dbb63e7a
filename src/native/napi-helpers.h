/*
 * Small N-API helpers the native addons share (binding.gyp puts this folder on their include path): reading an
 * options object's members with a fallback, setting a result object's members, and the native data a method's
 * `this` wraps, a class's method table. All static inline, so each addon compiles in what it uses.
 */
#ifndef FLOWTRAIL_NAPI_HELPERS_H
#define FLOWTRAIL_NAPI_HELPERS_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

/* options[name] as a number, or `fallback` when it is absent or not a number. */
static inline double number_property(napi_env env, napi_value object, const char *name, double fallback) {
  napi_value value;
  double number;
  if (napi_get_named_property(env, object, name, &value) != napi_ok ||
      napi_get_value_double(env, value, &number) != napi_ok)
    return fallback;
  return number;
}

/* options[name] as a boolean (0 or 1), or `fallback` when it is absent or not a boolean. */
static inline int boolean_property(napi_env env, napi_value object, const char *name, int fallback) {
  napi_value value;
  bool flag;
  if (napi_get_named_property(env, object, name, &value) != napi_ok ||
      napi_get_value_bool(env, value, &flag) != napi_ok)
    return fallback;
  return flag;
}

/* options[name] copied into `out`: 0; -1 when absent or not a string; -2 when longer than `size` - 1 bytes. */
static inline int string_property(napi_env env, napi_value object, const char *name, char *out, size_t size) {
  napi_value value;
  size_t length;
  napi_valuetype type;
  out[0] = '\0';
  if (napi_get_named_property(env, object, name, &value) != napi_ok || napi_typeof(env, value, &type) != napi_ok ||
      type != napi_string)
    return -1;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return -1;
  if (length >= size) return -2;
  return napi_get_value_string_utf8(env, value, out, size, &length) == napi_ok ? 0 : -1;
}

static inline void set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

static inline void set_string(napi_env env, napi_value object, const char *name, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, object, name, v);
}

/*
 * A method's arguments (up to *argc of them into argv) and the native data its `this` wraps, or NULL when `this`
 * wraps none; `self` (when not NULL) gets `this`.
 */
static inline void *unwrapped_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv,
                                   napi_value *self) {
  napi_value this_value;
  napi_get_cb_info(env, info, argc, argv, &this_value, NULL);
  if (self != NULL) *self = this_value;
  void *data = NULL;
  if (napi_unwrap(env, this_value, &data) != napi_ok) return NULL;
  return data;
}

/* One entry of a class's method table: `name` calls `fn`. */
#define NAPI_METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

#endif
