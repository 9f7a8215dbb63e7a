/*
 * What the meter's flow table and the recorder's session index share: both find an entry by a key of both
 * endpoints packed into HASHED_KEY_SIZE bytes (each asserts its key's size) through a power-of-two bucket array.
 */
#ifndef FLOWTRAIL_HASH_TABLE_H
#define FLOWTRAIL_HASH_TABLE_H

#include <stdint.h>
#include <string.h>

#define HASHED_KEY_SIZE 40

/* Mixes the key's five 64-bit words by multiply and xor-shift: cheap, and keys differing in a few bits spread. */
static inline uint32_t hash_key(const void *key) {
  uint64_t words[HASHED_KEY_SIZE / 8];
  memcpy(words, key, sizeof(words));
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < HASHED_KEY_SIZE / 8; i++) {
    h ^= words[i];
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  return (uint32_t)h;
}

/* Buckets for up to `entries` entries: a power of two (a mask picks the bucket) at least twice that, so chains
 * and probe runs stay short; at least 1024 and at most 2^30. */
static inline uint32_t bucket_count(uint32_t entries) {
  uint32_t buckets = 1024;
  while (buckets < entries * 2u && buckets < (1u << 30)) buckets <<= 1;
  return buckets;
}

#endif
