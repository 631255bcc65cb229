/* One engine shared by 8 threads that pseudonymise, grant, withdraw, decide and view at the same
 * time. The checks are about results, never timing: every token equals the one computed before the
 * threads started, every decision matches what that thread recorded for its own subjects, and at the
 * end the ledger holds exactly the events the threads recorded. Built by tests/ffi_c.rs under
 * ASan/UBSan (and ThreadSanitizer where the machine supports it). */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "zweck.h"
#include "check.h"

#define THREADS 8
#define ROUNDS 40
#define VALUES 64
#define NOW INT64_C(1780315200) /* 2026-06-01T12:00:00Z */

static const char POLICY[] =
    "{\"name\": \"Threads\","
    " \"purposes\": ["
    "  {\"key\": \"marketing\", \"description\": \"Offers\", \"basis\": \"consent\"},"
    "  {\"key\": \"marketing.email\", \"description\": \"Newsletter\"},"
    "  {\"key\": \"analytics\", \"description\": \"Statistics\", \"basis\": \"legitimate_interests\"}"
    " ],"
    " \"fields\": ["
    "  {\"name\": \"email\", \"category\": \"user.contact.email\", \"normaliser\": \"email\","
    "   \"purposes\": {\"marketing\": \"plain\", \"analytics\": {\"pseudonymise\": \"analytics\"}}}"
    " ]}";

static const uint8_t KEY[32] = "thread test key, 32 bytes long!";

static zweck_engine *engine;
static char expected[VALUES][64]; /* tokens computed before the threads start */
static char values[VALUES][32];

struct worker {
    int id;
    pthread_t thread;
    int operations;
    int failures;
    char first_failure[256];
};

static void fail(struct worker *w, const char *what) {
    if (w->failures++ == 0) {
        snprintf(w->first_failure, sizeof w->first_failure, "%s (%s)", what, zweck_last_error_message());
    }
}

static void expect(struct worker *w, int condition, const char *what) {
    w->operations++;
    if (!condition) fail(w, what);
}

static void subject_of(int thread, int round, char *out, size_t size) {
    snprintf(out, size, "t%d-r%d", thread, round);
}

static void *work(void *arg) {
    struct worker *w = arg;
    char subject[32];
    char token[64];
    size_t written = 0;
    for (int round = 0; round < ROUNDS; round++) {
        subject_of(w->id, round, subject, sizeof subject);
        int value = (w->id * ROUNDS + round) % VALUES;

        expect(w,
               zweck_pseudonymise(engine, "analytics", (const uint8_t *)values[value], strlen(values[value]), token,
                                  sizeof token, &written) == ZWECK_STATUS_OK,
               "pseudonymise");
        expect(w, strcmp(token, expected[value]) == 0, "the token equals the one computed before");

        expect(w, zweck_consent_grant(engine, subject, "marketing", NOW, 0, "thread test", 0, 0) == ZWECK_STATUS_OK,
               "grant");
        int withdraw = round % 3 == 0;
        if (withdraw) {
            expect(w,
                   zweck_consent_withdraw(engine, subject, "marketing.email", NOW + 1, 0, "thread test") ==
                       ZWECK_STATUS_OK,
                   "withdraw");
        }

        zweck_decision decision;
        expect(w, zweck_decide(engine, subject, "marketing.email", "email", NOW + 2, &decision) == ZWECK_STATUS_OK,
               "decide");
        if (withdraw) {
            expect(w, decision.effect == ZWECK_EFFECT_DENY && decision.reason == ZWECK_REASON_CONSENT_WITHDRAWN,
                   "a withdrawn subject is denied");
        } else {
            expect(w, decision.effect == ZWECK_EFFECT_ALLOW && decision.reason == ZWECK_REASON_CONSENT_GIVEN,
                   "a consenting subject is allowed");
        }

        char record[96];
        snprintf(record, sizeof record, "{\"email\": \"%s\"}", values[value]);
        char *view = NULL;
        expect(w, zweck_view(engine, record, subject, "analytics", NOW + 2, &view) == ZWECK_STATUS_OK, "view");
        expect(w, view != NULL && strstr(view, expected[value]) != NULL, "the view releases the same pseudonym");
        zweck_string_free(view);

        if (round % 10 == 0) {
            char packed[VALUES * 32];
            size_t used = 0;
            for (int i = 0; i < 4; i++) used += (size_t)snprintf(packed + used, sizeof packed - used, "%s\n", values[i]);
            char lines[4 * 36];
            expect(w,
                   zweck_pseudonymise_packed(engine, "analytics", (const uint8_t *)packed, used, lines, sizeof lines,
                                             &written) == ZWECK_STATUS_OK &&
                       written == sizeof lines,
                   "packed");
            for (int i = 0; i < 4; i++) {
                expect(w, strncmp(lines + i * 36, expected[i], 35) == 0, "packed tokens equal the single ones");
            }
        }
    }
    return NULL;
}

int main(void) {
    if (zweck_engine_new(POLICY, KEY, sizeof KEY, 1, &engine) != ZWECK_STATUS_OK) {
        fprintf(stderr, "engine: %s\n", zweck_last_error_message());
        return 2;
    }
    size_t written = 0;
    for (int i = 0; i < VALUES; i++) {
        snprintf(values[i], sizeof values[i], "user-%d@example.com", i);
        CHECK(zweck_pseudonymise(engine, "analytics", (const uint8_t *)values[i], strlen(values[i]), expected[i],
                                 sizeof expected[i], &written) == ZWECK_STATUS_OK,
              "tokens before the threads start");
    }

    struct worker workers[THREADS];
    memset(workers, 0, sizeof workers);
    for (int t = 0; t < THREADS; t++) {
        workers[t].id = t;
        CHECK(pthread_create(&workers[t].thread, NULL, work, &workers[t]) == 0, "pthread_create");
    }
    int operations = 0;
    for (int t = 0; t < THREADS; t++) {
        CHECK(pthread_join(workers[t].thread, NULL) == 0, "pthread_join");
        operations += workers[t].operations;
        if (workers[t].failures != 0) {
            fprintf(stderr, "thread %d: %d failures, first: %s\n", t, workers[t].failures, workers[t].first_failure);
        }
        CHECK(workers[t].failures == 0, "every operation of the thread gave the expected result");
    }

    /* Afterwards the ledger holds exactly what the threads recorded: one grant per subject, plus a
     * withdrawal every third round. */
    int histories_right = 1;
    for (int t = 0; t < THREADS; t++) {
        for (int round = 0; round < ROUNDS; round++) {
            char subject[32];
            subject_of(t, round, subject, sizeof subject);
            char *history = NULL;
            if (zweck_consent_history(engine, subject, &history) != ZWECK_STATUS_OK) {
                histories_right = 0;
                continue;
            }
            int grants = 0, withdrawals = 0;
            for (const char *p = history; (p = strstr(p, "\"action\":\"grant\"")) != NULL; p++) grants++;
            for (const char *p = history; (p = strstr(p, "\"action\":\"withdraw\"")) != NULL; p++) withdrawals++;
            if (grants != 1 || withdrawals != (round % 3 == 0)) {
                fprintf(stderr, "%s: %d grants, %d withdrawals\n", subject, grants, withdrawals);
                histories_right = 0;
            }
            zweck_string_free(history);
        }
    }
    CHECK(histories_right, "each subject's history holds exactly its thread's events");
    zweck_engine_free(engine);

    printf("%d threads, %d operations checked\n", THREADS, operations);
    return REPORT();
}
