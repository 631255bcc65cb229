/*
 * Pseudonymisation through the C ABI: zweck_pseudonymise_batch and zweck_pseudonymise_packed on
 * the same values as `cargo run --release --example throughput` (4096 distinct 16-byte values per
 * call), and zweck_pseudonymise called once per value over the same values, median nanoseconds per
 * value over interleaved rounds.
 *
 *   cargo build --release --lib
 *   cc -O2 -Iinclude benches/c/ffi_batch.c -o /tmp/ffi_batch -L"$CARGO_TARGET_DIR/release" -lzweck
 *   ln -sf "$CARGO_TARGET_DIR/release/libzweck.so" "$CARGO_TARGET_DIR/release/libzweck.so.0"  # the soname
 *   LD_LIBRARY_PATH="$CARGO_TARGET_DIR/release" /tmp/ffi_batch [rounds]
 *
 * Compare with the "zweck batch" row of the throughput example run right before or after: the C ABI
 * adds per call (not per value) the domain lookup, the argument checks and the panic boundary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zweck.h"

#define COUNT 4096
#define LEN 16

static const char POLICY[] =
    "{\"name\": \"C benchmark\", \"vocabulary\": \"off\", \"purposes\": [{\"key\": \"analytics\", "
    "\"description\": \"Statistics\", \"basis\": \"legitimate_interests\"}], \"fields\": [{\"name\": "
    "\"email\", \"category\": \"user.contact.email\", \"purposes\": {\"analytics\": {\"pseudonymise\": "
    "\"bench\"}}}]}";

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *xs, int n) {
    qsort(xs, (size_t)n, sizeof *xs, cmp);
    return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

static void fail(const char *what, enum zweck_status status) {
    fprintf(stderr, "%s failed: %s: %s\n", what, zweck_status_str(status), zweck_last_error_message());
    exit(1);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 1500;
    if (rounds < 1) rounds = 1;
    uint8_t secret[32];
    for (int i = 0; i < 32; i++) secret[i] = (uint8_t)i;
    struct zweck_engine *engine = NULL;
    enum zweck_status st = zweck_engine_new(POLICY, secret, sizeof secret, 1, &engine);
    if (st != ZWECK_STATUS_OK) fail("zweck_engine_new", st);

    /* The values of the throughput example: letters, with the index in decimal at the end. */
    static uint8_t values[COUNT][LEN];
    static const uint8_t *ptrs[COUNT];
    static size_t lens[COUNT];
    static uint8_t packed[COUNT * (LEN + 1)];
    for (int i = 0; i < COUNT; i++) {
        for (int j = 0; j < LEN; j++) values[i][j] = (uint8_t)('a' + (i * 7 + j) % 26);
        char digits[16];
        int n = snprintf(digits, sizeof digits, "%d", i);
        memcpy(&values[i][LEN - n], digits, (size_t)n);
        ptrs[i] = values[i];
        lens[i] = LEN;
        memcpy(&packed[i * (LEN + 1)], values[i], LEN);
        packed[i * (LEN + 1) + LEN] = '\n';
    }
    size_t out_len = COUNT * 64;
    char *out = malloc(out_len);
    double *batch = malloc(sizeof(double) * (size_t)rounds);
    double *pack = malloc(sizeof(double) * (size_t)rounds);
    double *single = malloc(sizeof(double) * (size_t)rounds);
    if (!out || !batch || !pack || !single) return 1;
    size_t written = 0;

    for (int r = -rounds / 20 - 3; r < rounds; r++) {
        double t = now_ns();
        st = zweck_pseudonymise_batch(engine, "bench", ptrs, lens, COUNT, out, out_len, &written);
        double b = (now_ns() - t) / COUNT;
        if (st != ZWECK_STATUS_OK) fail("zweck_pseudonymise_batch", st);
        t = now_ns();
        st = zweck_pseudonymise_packed(engine, "bench", packed, sizeof packed, out, out_len, &written);
        double p = (now_ns() - t) / COUNT;
        if (st != ZWECK_STATUS_OK) fail("zweck_pseudonymise_packed", st);
        t = now_ns();
        for (int i = 0; i < COUNT; i++) {
            st = zweck_pseudonymise(engine, "bench", ptrs[i], lens[i], out + 64 * i, 64, &written);
            if (st != ZWECK_STATUS_OK) fail("zweck_pseudonymise", st);
        }
        double s = (now_ns() - t) / COUNT;
        if (r >= 0) {
            batch[r] = b;
            pack[r] = p;
            single[r] = s;
        }
    }
    double load[3] = {0, 0, 0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = load[1] = load[2] = 0;
        fclose(f);
    }
    printf("C ABI, %d values of %d bytes per call, %d rounds, load average after: %.2f %.2f %.2f\n", COUNT,
           LEN, rounds, load[0], load[1], load[2]);
    printf("| zweck_pseudonymise_batch | %.1f ns/value |\n", median(batch, rounds));
    printf("| zweck_pseudonymise_packed | %.1f ns/value |\n", median(pack, rounds));
    printf("| zweck_pseudonymise, one call per value | %.1f ns/value |\n", median(single, rounds));
    free(out);
    free(batch);
    free(pack);
    free(single);
    zweck_engine_free(engine);
    return 0;
}
