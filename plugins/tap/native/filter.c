#include "filter.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpcap's struct bpf_program; its instructions have struct sock_filter's layout (code, jt, jf, k). */
struct pcap_program {
  unsigned int length;
  struct sock_filter *instructions;
};

typedef void *(*open_dead_fn)(int, int);
typedef int (*compile_fn)(void *, struct pcap_program *, const char *, int, uint32_t);
typedef char *(*geterr_fn)(void *);
typedef void (*freecode_fn)(struct pcap_program *);
typedef void (*close_handle_fn)(void *);

static const char *const LIBRARIES[] = {"libpcap.so.0.8", "libpcap.so.1", "libpcap.so"};
#define NETMASK_UNKNOWN 0xffffffffu

int filter_compile(const char *expression, int dlt, uint32_t snaplen, struct sock_fprog *program, char *error,
                   size_t error_size) {
  void *library = NULL;
  for (size_t i = 0; i < sizeof(LIBRARIES) / sizeof(LIBRARIES[0]) && library == NULL; i++)
    library = dlopen(LIBRARIES[i], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    snprintf(error, error_size, "a capture filter needs libpcap to compile it (Debian: apt install libpcap0.8)");
    return -1;
  }
  open_dead_fn open_dead = (open_dead_fn)dlsym(library, "pcap_open_dead");
  compile_fn compile = (compile_fn)dlsym(library, "pcap_compile");
  geterr_fn geterr = (geterr_fn)dlsym(library, "pcap_geterr");
  freecode_fn freecode = (freecode_fn)dlsym(library, "pcap_freecode");
  close_handle_fn close_handle = (close_handle_fn)dlsym(library, "pcap_close");
  if (open_dead == NULL || compile == NULL || geterr == NULL || freecode == NULL || close_handle == NULL) {
    snprintf(error, error_size, "the libpcap found lacks pcap_compile");
    dlclose(library);
    return -1;
  }
  int result = -1;
  void *handle = open_dead(dlt, (int)snaplen);
  struct pcap_program compiled = {0, NULL};
  if (handle == NULL) {
    snprintf(error, error_size, "libpcap cannot compile filters for link type %d", dlt);
  } else if (compile(handle, &compiled, expression, 1, NETMASK_UNKNOWN) != 0) {
    snprintf(error, error_size, "bad capture filter: %s", geterr(handle));
  } else if (compiled.length == 0 || compiled.length > BPF_MAXINSNS) {
    snprintf(error, error_size, "the capture filter compiles to %u instructions; the kernel takes 1 to %d",
             compiled.length, BPF_MAXINSNS);
    freecode(&compiled);
  } else {
    program->len = (unsigned short)compiled.length;
    program->filter = malloc(sizeof(struct sock_filter) * compiled.length);
    if (program->filter == NULL) {
      snprintf(error, error_size, "out of memory for the capture filter");
    } else {
      memcpy(program->filter, compiled.instructions, sizeof(struct sock_filter) * compiled.length);
      result = 0;
    }
    freecode(&compiled);
  }
  if (handle != NULL) close_handle(handle);
  dlclose(library);
  return result;
}

void filter_free(struct sock_fprog *program) {
  free(program->filter);
  program->filter = NULL;
  program->len = 0;
}
