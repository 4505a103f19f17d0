/* Independent reference for SeededRandom (src/random.ts), written from the published algorithms:
 * SplitMix64 (https://prng.di.unimi.it/splitmix64.c) seeds xoshiro128** 1.1
 * (https://prng.di.unimi.it/xoshiro128starstar.c); bounded ints by rejection; Fisher-Yates.
 * Build and run: cc -O2 -o /tmp/x xoshiro128ss.c && /tmp/x */
#include <stdint.h>
#include <stdio.h>

static uint64_t sm;
static uint64_t splitmix64(void) {
  uint64_t z = (sm += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static uint32_t s[4];
static inline uint32_t rotl(const uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
static uint32_t next(void) {
  const uint32_t result = rotl(s[1] * 5, 7) * 9;
  const uint32_t t = s[1] << 9;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}
static void seed(uint64_t x) {
  sm = x;
  uint64_t a = splitmix64(), b = splitmix64();
  s[0] = (uint32_t)a; s[1] = (uint32_t)(a >> 32); s[2] = (uint32_t)b; s[3] = (uint32_t)(b >> 32);
}
static uint32_t bounded(uint32_t n) {
  uint32_t threshold = (uint32_t)(-n) % n;
  for (;;) { uint32_t r = next(); if (r >= threshold) return r % n; }
}
int main(void) {
  uint64_t seeds[] = {0, 42, 1234567890123ULL};
  for (int k = 0; k < 3; k++) {
    seed(seeds[k]);
    printf("seed %llu state %u %u %u %u next", (unsigned long long)seeds[k], s[0], s[1], s[2], s[3]);
    for (int i = 0; i < 5; i++) printf(" %u", next());
    printf("\n");
  }
  seed(42);
  int a[10];
  for (int i = 0; i < 10; i++) a[i] = i;
  for (int i = 9; i > 0; i--) { int j = (int)bounded((uint32_t)i + 1); int t = a[i]; a[i] = a[j]; a[j] = t; }
  printf("perm10 seed 42:");
  for (int i = 0; i < 10; i++) printf(" %d", a[i]);
  printf("\n");
  seed(7);
  printf("bounded(3) x8 seed 7:");
  for (int i = 0; i < 8; i++) printf(" %u", bounded(3));
  printf("\n");
  return 0;
}
