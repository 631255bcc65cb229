/* A shop backend in C: loads the shop policy, records the customer's consents, prints what each
 * purpose sees of one customer record, pseudonymises, handles an unsubscribe, exports and finally
 * erases the customer.
 *
 *   cc -std=c11 shop.c -I include -L target/release -lzweck -o shop
 *   ./shop examples/shop_policy.json examples/shop_customer.json
 *
 * Every zweck call returns a zweck_status; on failure zweck_last_error_message() says what went
 * wrong. Strings zweck returns as `char *` are the caller's and go back with zweck_string_free(). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zweck.h"

/* Unix seconds of the moments in the story (UTC). */
#define BANNER INT64_C(1772442900)      /* 2026-03-02T09:15:00Z: cookie banner, notice version 3 */
#define PREFERENCES INT64_C(1772736000) /* 2026-03-05T18:40:00Z: explicit consent on the preferences page */
#define NOW INT64_C(1780315200)         /* 2026-06-01T12:00:00Z */
#define UNSUBSCRIBE INT64_C(1781076600) /* 2026-06-10T07:30:00Z */
#define LATER INT64_C(1781524800)       /* 2026-06-15T12:00:00Z */

/* A real deployment loads its master secret from a secret store; this demo key is public. */
static const char DEMO_KEY[] = "zweck demo key - never use in production!";

static const char *const PURPOSES[] = {"order.fulfilment", "support", "marketing.email", "analytics"};
static const char *const CUSTOMERS[] = {"jane.doe@example.com", "max@example.com", "erika@example.com"};

/* Prints the failure and exits; a real backend would log it and answer the request with an error. */
static void check(zweck_status status, const char *what) {
    if (status != ZWECK_STATUS_OK) {
        fprintf(stderr, "%s failed: %s: %s\n", what, zweck_status_str((int32_t)status), zweck_last_error_message());
        exit(1);
    }
}

/* Prints "<label>: <text>" and releases the string zweck returned. */
static void print_owned(const char *label, char *text) {
    printf("%s: %s\n", label, text);
    zweck_string_free(text);
}

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        perror(path);
        exit(1);
    }
    size_t size = 0, capacity = 4096;
    char *text = malloc(capacity);
    size_t n;
    while (text != NULL && (n = fread(text + size, 1, capacity - size - 1, file)) > 0) {
        size += n;
        if (capacity - size == 1) {
            char *bigger = realloc(text, capacity * 2);
            if (bigger == NULL) free(text);
            text = bigger;
            capacity *= 2;
        }
    }
    fclose(file);
    if (text == NULL) {
        fprintf(stderr, "out of memory reading %s\n", path);
        exit(1);
    }
    text[size] = '\0';
    return text;
}

static void print_decision(const zweck_engine *engine, const char *subject, const char *purpose, const char *field,
                           int64_t at) {
    zweck_decision decision;
    check(zweck_decide(engine, subject, purpose, field, at, &decision), "zweck_decide");
    printf("decide %s %s: %s %s %s\n", purpose, field, decision.effect == ZWECK_EFFECT_ALLOW ? "allow" : "deny",
           zweck_treatment_str((int32_t)decision.treatment), zweck_reason_str((int32_t)decision.reason));
}

int main(int argc, char **argv) {
    const char *policy_path = argc > 1 ? argv[1] : "examples/shop_policy.json";
    const char *customer_path = argc > 2 ? argv[2] : "examples/shop_customer.json";
    char *policy = read_file(policy_path);
    char *record = read_file(customer_path);
    const char *customer = "c-1042";

    zweck_engine *engine = NULL;
    check(zweck_engine_new(policy, (const uint8_t *)DEMO_KEY, strlen(DEMO_KEY), 1, &engine), "zweck_engine_new");
    free(policy);
    uint32_t version = 0;
    check(zweck_key_version(engine, &version), "zweck_key_version");
    printf("zweck %s, key version %" PRIu32 "\n", zweck_version(), version);

    /* The cookie banner, then an explicit consent to use dietary needs for recommendations
     * (special-category data, Art. 9 GDPR). */
    check(zweck_consent_grant(engine, customer, "marketing", BANNER, 3, "cookie banner v3", 0, 0), "grant marketing");
    check(zweck_consent_grant(engine, customer, "marketing.personalisation", PREFERENCES, 3,
                              "preferences page: dietary needs for recommendations", 0, 1),
          "grant marketing.personalisation");

    /* What each purpose sees: only its fields, each in its treatment. */
    for (size_t i = 0; i < sizeof PURPOSES / sizeof PURPOSES[0]; i++) {
        char *view = NULL;
        check(zweck_view(engine, record, customer, PURPOSES[i], NOW, &view), "zweck_view");
        char label[64];
        snprintf(label, sizeof label, "view %s", PURPOSES[i]);
        print_owned(label, view);
    }
    print_decision(engine, customer, "marketing.email", "email", NOW);
    print_decision(engine, customer, "marketing.personalisation", "dietary_needs", NOW);
    print_decision(engine, customer, "analytics", "email", NOW);

    /* Pseudonyms: one value into a stack buffer, then several in one call. */
    char token[64];
    size_t written = 0;
    check(zweck_pseudonymise(engine, "analytics", (const uint8_t *)CUSTOMERS[0], strlen(CUSTOMERS[0]), token,
                             sizeof token, &written),
          "zweck_pseudonymise");
    printf("token analytics %s: %s\n", CUSTOMERS[0], token);

    enum { COUNT = sizeof CUSTOMERS / sizeof CUSTOMERS[0] };
    const uint8_t *values[COUNT];
    size_t lens[COUNT];
    for (size_t i = 0; i < COUNT; i++) {
        values[i] = (const uint8_t *)CUSTOMERS[i];
        lens[i] = strlen(CUSTOMERS[i]);
    }
    size_t token_len = 0;
    check(zweck_pseudonym_len(engine, &token_len), "zweck_pseudonym_len");
    char *lines = malloc(COUNT * (token_len + 1));
    if (lines == NULL) return 1;
    check(zweck_pseudonymise_batch(engine, "analytics", values, lens, COUNT, lines, COUNT * (token_len + 1), &written),
          "zweck_pseudonymise_batch");
    for (size_t i = 0; i < COUNT; i++) {
        printf("batch analytics %s: %.*s\n", CUSTOMERS[i], (int)token_len, lines + i * (token_len + 1));
    }
    free(lines);

    /* The customer unsubscribes from the newsletter. */
    check(zweck_consent_withdraw(engine, customer, "marketing.email", UNSUBSCRIBE, 0, "unsubscribe link in newsletter"),
          "zweck_consent_withdraw");
    print_decision(engine, customer, "marketing.email", "email", LATER);

    char *text = NULL;
    check(zweck_consent_history(engine, customer, &text), "zweck_consent_history");
    print_owned("history", text);
    check(zweck_subject_export(engine, customer, record, LATER, &text), "zweck_subject_export");
    print_owned("export", text);

    /* Right to be forgotten: the receipt lists what the shop must still keep. */
    check(zweck_subject_forget(engine, customer, "customer request via account page", LATER, &text),
          "zweck_subject_forget");
    print_owned("forget", text);
    print_decision(engine, customer, "order", "email", LATER);
    zweck_status status = zweck_consent_grant(engine, customer, "marketing", LATER, 0, "cookie banner v3", 0, 0);
    printf("grant after forget: %s\n", zweck_status_str((int32_t)status));

    zweck_engine_free(engine);
    free(record);
    return status == ZWECK_STATUS_SUBJECT_ERASED ? 0 : 1;
}
