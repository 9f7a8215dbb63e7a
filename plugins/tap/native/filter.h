/*
 * Capture filters in tcpdump's language, compiled to classic BPF by libpcap (pcap_compile) loaded at run time:
 * the addon builds without libpcap's headers, and libpcap (Debian's libpcap0.8, which tcpdump and tshark already
 * pull in) is needed only when a filter is set.
 */
#ifndef FLOWTRAIL_FILTER_H
#define FLOWTRAIL_FILTER_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* Compiles `expression` for frames of libpcap link type `dlt` cut to `snaplen`; -1 with `error` set on failure. */
int filter_compile(const char *expression, int dlt, uint32_t snaplen, struct sock_fprog *program, char *error,
                   size_t error_size);

void filter_free(struct sock_fprog *program);

#endif
