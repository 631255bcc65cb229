/* Every entry point of zweck.h, its success path and its failure paths: NULL for each pointer
 * parameter, invalid UTF-8, malformed JSON, unknown names, too-small buffers, out-of-range times. On
 * failure it checks the status, that the last error names the problem, and that outputs were left
 * untouched. Built by tests/ffi_c.rs with -Wall -Wextra -Werror under ASan/UBSan (leaks included) and
 * without sanitizers under valgrind. argv[1] is an empty scratch directory for journal files. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zweck.h"
#include "check.h"

/* 2025-07-01T12:00:00Z and 2025-06-02T00:00:00Z */
#define NOW INT64_C(1751371200)
#define JUNE INT64_C(1748822400)
/* One second past 9999-12-31T23:59:59Z. */
#define TOO_LATE INT64_C(253402300800)

static const char POLICY[] =
    "{\"name\": \"API test shop\","
    " \"purposes\": ["
    "  {\"key\": \"order\", \"description\": \"Deliver orders\", \"basis\": \"contract\", \"retention\": \"3 years\"},"
    "  {\"key\": \"marketing\", \"description\": \"Offers\", \"basis\": \"consent\", \"notice_version\": 2},"
    "  {\"key\": \"marketing.email\", \"description\": \"Newsletter\"},"
    "  {\"key\": \"ads\", \"description\": \"Ads with partners\", \"basis\": \"consent\", \"flags\": [\"sharing\"]},"
    "  {\"key\": \"analytics\", \"description\": \"Statistics\", \"basis\": \"legitimate_interests\","
    "   \"retention\": \"14 months\"},"
    "  {\"key\": \"fraud\", \"description\": \"Fraud checks\", \"basis\": \"legitimate_interests\","
    "   \"reidentify\": true}"
    " ],"
    " \"fields\": ["
    "  {\"name\": \"email\", \"category\": \"user.contact.email\", \"normaliser\": \"email\","
    "   \"purposes\": {\"order\": \"plain\", \"marketing\": \"plain\","
    "                \"analytics\": {\"pseudonymise\": \"analytics\"}, \"fraud\": {\"pseudonymise\": \"fraud\"}}},"
    "  {\"name\": \"phone\", \"category\": \"user.contact.phone_number\", \"purposes\": {\"order\": \"plain\"}}"
    " ],"
    " \"tcf\": {\"purposes\": {\"1\": [\"marketing\"]}}"
    "}";

static const char POLICY_WITHOUT_TCF[] =
    "{\"name\": \"No TCF\", \"purposes\": [{\"key\": \"order\", \"description\": \"Orders\", \"basis\": \"contract\"}],"
    " \"fields\": []}";

static const char RECORD[] = "{\"email\": \"  Jane@Example.com \", \"phone\": \"+49 170 1234567\"}";

/* A 32-byte demo key; a real shop loads its key from a secret store. */
static const uint8_t KEY[32] = "api test key, 32 bytes long!!!!";
static const uint8_t KEY2[40] = "second api test key, forty bytes long!!";

/* TCF v2.2 service-specific string, CMP 28, LastUpdated 2025-06-02, consent to purposes 1-4 and no
 * vendors; encoded field by field like the strings in tests/signals.rs. */
static const char TC_STRING[] = "CQSYR8AQSYR8AAcACBDEB4FgAPAAAAAAAAYgAAQAAAAgAAAA";
/* Global scope, policy version 2 (2020), from iabtcf-java's TCStringV2Test (commit 112c2688): it
 * decodes, but current TCF policy treats it as invalid. */
static const char OLD_TC_STRING[] = "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA";

static const char BAD_UTF8[] = "c-\xff\xfe";

/* What every `char **` output points at before a call that must fail: it must still point here. */
static char UNTOUCHED[] = "untouched";

static int has(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static const char *last(void) {
    return zweck_last_error_message();
}

/* The call succeeds. */
#define OK(call)                                                                                   \
    do {                                                                                           \
        zweck_status ok_status_ = (call);                                                          \
        if (ok_status_ != ZWECK_STATUS_OK)                                                         \
            fprintf(stderr, "  %s: %s\n", zweck_status_str((int32_t)ok_status_), last());          \
        CHECK(ok_status_ == ZWECK_STATUS_OK, #call " succeeds");                                   \
    } while (0)

/* The call fails with `status`, and the last error contains `fragment`. */
#define FAILS(call, status, fragment)                                                              \
    do {                                                                                           \
        zweck_status fails_status_ = (call);                                                       \
        if (fails_status_ != (status))                                                             \
            fprintf(stderr, "  got %s: %s\n", zweck_status_str((int32_t)fails_status_), last());   \
        CHECK(fails_status_ == (status), #call " returns " #status);                               \
        if (!has(last(), fragment)) fprintf(stderr, "  last error: %s\n", last());                \
        CHECK(has(last(), fragment), #call ": last error names " fragment);                        \
    } while (0)

#define NULL_ARG(call, name) FAILS(call, ZWECK_STATUS_INVALID_ARGUMENT, "`" name "` is NULL")

/* A `char **` output still points at UNTOUCHED. */
#define UNCHANGED(out) CHECK((out) == UNTOUCHED, #out " is untouched after a failure")

static zweck_engine *new_engine(const char *policy) {
    zweck_engine *engine = NULL;
    zweck_status status = zweck_engine_new(policy, KEY, sizeof KEY, 1, &engine);
    if (status != ZWECK_STATUS_OK) {
        fprintf(stderr, "engine: %s: %s\n", zweck_status_str((int32_t)status), last());
        exit(2);
    }
    return engine;
}

static void test_names(void) {
    CHECK(ZWECK_EFFECT_DENY == 0 && ZWECK_EFFECT_ALLOW == 1, "effect values");
    CHECK(ZWECK_TREATMENT_WITHHELD == 0 && ZWECK_TREATMENT_GENERALISED == 4, "treatment values");
    CHECK(ZWECK_REASON_CONSENT_GIVEN == 0 && ZWECK_REASON_REIDENTIFICATION_NOT_ALLOWED == 16, "reason values");
    CHECK(ZWECK_AUDIT_MODE_OFF == 0 && ZWECK_AUDIT_MODE_FULL == 2, "audit mode values");
    CHECK(strcmp(zweck_reason_str(ZWECK_REASON_CONSENT_WITHDRAWN), "consent_withdrawn") == 0, "reason name");
    CHECK(strcmp(zweck_reason_str(ZWECK_REASON_SUBJECT_ERASED), "subject_erased") == 0, "reason name");
    CHECK(strcmp(zweck_reason_str(-1), "unknown reason") == 0, "unknown reason name");
    CHECK(strcmp(zweck_reason_str(17), "unknown reason") == 0, "reason past the end");
    CHECK(strcmp(zweck_reason_explain(ZWECK_REASON_CONSENT_WITHDRAWN), "the customer withdrew consent") == 0,
          "reason sentence");
    CHECK(strcmp(zweck_reason_explain(INT32_MAX), "unknown reason") == 0, "unknown reason sentence");
    CHECK(strcmp(zweck_treatment_str(ZWECK_TREATMENT_PSEUDONYMISED), "pseudonymised") == 0, "treatment name");
    CHECK(strcmp(zweck_treatment_str(5), "unknown treatment") == 0, "unknown treatment name");
    CHECK(strcmp(zweck_status_str(ZWECK_STATUS_SUBJECT_ERASED), "subject erased") == 0, "status 18");
    CHECK(strcmp(zweck_status_str(ZWECK_STATUS_AUDIT_BROKEN), "audit log broken") == 0, "status 19");
    CHECK(zweck_version() != NULL && zweck_version()[0] != '\0', "zweck_version is a version string");
    zweck_string_free(NULL);
}

static void test_options(const char *dir) {
    zweck_engine_options *options = NULL;
    NULL_ARG(zweck_engine_options_new(NULL), "options_out");
    OK(zweck_engine_options_new(&options));
    CHECK(options != NULL, "options created");

    char path[4096];
    snprintf(path, sizeof path, "%s/options.journal", dir);
    NULL_ARG(zweck_engine_options_set_journal(NULL, path), "options");
    NULL_ARG(zweck_engine_options_set_journal(options, NULL), "path");
    FAILS(zweck_engine_options_set_journal(options, ""), ZWECK_STATUS_INVALID_ARGUMENT, "`path` is empty");
    FAILS(zweck_engine_options_set_journal(options, BAD_UTF8), ZWECK_STATUS_INVALID_UTF8, "`path`");
    OK(zweck_engine_options_set_journal(options, path));

    NULL_ARG(zweck_engine_options_set_vault(NULL, 1), "options");
    OK(zweck_engine_options_set_vault(options, 1));

    NULL_ARG(zweck_engine_options_set_audit(NULL, ZWECK_AUDIT_MODE_FULL), "options");
    FAILS(zweck_engine_options_set_audit(options, 7), ZWECK_STATUS_INVALID_ARGUMENT, "`mode` is 7");
    FAILS(zweck_engine_options_set_audit(options, -1), ZWECK_STATUS_INVALID_ARGUMENT, "`mode` is -1");
    OK(zweck_engine_options_set_audit(options, ZWECK_AUDIT_MODE_CHANGES));

    NULL_ARG(zweck_engine_options_add_key(NULL, 2, KEY2, sizeof KEY2), "options");
    FAILS(zweck_engine_options_add_key(options, 2, NULL, sizeof KEY2), ZWECK_STATUS_INVALID_ARGUMENT,
          "`key` is NULL but its length is 40");
    FAILS(zweck_engine_options_add_key(options, 2, KEY2, 16), ZWECK_STATUS_KEY_INVALID, "32");
    OK(zweck_engine_options_add_key(options, 2, KEY2, sizeof KEY2));
    FAILS(zweck_engine_options_add_key(options, 2, KEY2, sizeof KEY2), ZWECK_STATUS_KEY_INVALID,
          "key version 2 was already added");

    /* Key version 2 is in the options, so the current key cannot take that version too. */
    zweck_engine *engine = (zweck_engine *)UNTOUCHED;
    FAILS(zweck_engine_new_with_options(POLICY, KEY, sizeof KEY, 2, options, &engine), ZWECK_STATUS_KEY_INVALID,
          "key version 2");
    CHECK(engine == (zweck_engine *)UNTOUCHED, "engine_out untouched");

    engine = NULL;
    OK(zweck_engine_new_with_options(POLICY, KEY, sizeof KEY, 1, options, &engine));
    zweck_engine_options_free(options); /* the engine copied what it needs */
    CHECK(engine != NULL, "engine from options");
    uint32_t version = 0;
    OK(zweck_key_version(engine, &version));
    CHECK(version == 1, "the key passed to the constructor is current");
    /* The vault is on: a released fraud pseudonym can be resolved. */
    char *view = NULL;
    OK(zweck_view(engine, RECORD, "c-1", "fraud", NOW, &view));
    char token[64];
    size_t written = 0;
    OK(zweck_pseudonymise(engine, "fraud", (const uint8_t *)"jane@example.com", 16, token, sizeof token, &written));
    CHECK(has(view, token), "the view released the fraud pseudonym of the normalised email");
    char *found = NULL;
    OK(zweck_reidentify(engine, token, "fraud", NOW, &found));
    CHECK(has(found, "\"subject\":\"c-1\"") && has(found, "\"value\":\"jane@example.com\""),
          "the vault resolves the token");
    zweck_string_free(found);
    found = UNTOUCHED;
    FAILS(zweck_reidentify(engine, "not-a-token", "fraud", NOW, &found), ZWECK_STATUS_MALFORMED_TOKEN, "token");
    FAILS(zweck_reidentify(engine, "k1_00000000000000000000000000000000", "fraud", NOW, &found), ZWECK_STATUS_DENIED,
          "does not know this token");
    UNCHANGED(found);
    zweck_string_free(view);
    zweck_engine_free(engine);

    zweck_engine_options_free(NULL);
    zweck_engine_free(NULL);

    /* NULL options are the defaults. */
    engine = NULL;
    OK(zweck_engine_new_with_options(POLICY, KEY, sizeof KEY, 1, NULL, &engine));
    NULL_ARG(zweck_engine_new_with_options(NULL, KEY, sizeof KEY, 1, NULL, &engine), "policy_json");
    NULL_ARG(zweck_engine_new_with_options(POLICY, KEY, sizeof KEY, 1, NULL, NULL), "engine_out");
    zweck_engine_free(engine);
}

static void test_engine(const char *dir) {
    zweck_engine *engine = (zweck_engine *)UNTOUCHED;
    NULL_ARG(zweck_engine_new(NULL, KEY, sizeof KEY, 1, &engine), "policy_json");
    NULL_ARG(zweck_engine_new(POLICY, NULL, sizeof KEY, 1, &engine), "key");
    NULL_ARG(zweck_engine_new(POLICY, KEY, sizeof KEY, 1, NULL), "engine_out");
    FAILS(zweck_engine_new(BAD_UTF8, KEY, sizeof KEY, 1, &engine), ZWECK_STATUS_INVALID_UTF8,
          "`policy_json` is not valid UTF-8 (first invalid byte at offset 2)");
    FAILS(zweck_engine_new("{\"name\": ", KEY, sizeof KEY, 1, &engine), ZWECK_STATUS_POLICY_INVALID, "line 1");
    FAILS(zweck_engine_new("{\"name\": \"x\", \"purposes\": [{\"key\": \"a\"}], \"fields\": []}", KEY, sizeof KEY, 1,
                           &engine),
          ZWECK_STATUS_POLICY_INVALID, "purposes");
    FAILS(zweck_engine_new(POLICY, KEY, 31, 1, &engine), ZWECK_STATUS_KEY_INVALID, "31");
    FAILS(zweck_engine_new(POLICY, NULL, 0, 1, &engine), ZWECK_STATUS_KEY_INVALID, "0");
    CHECK(engine == (zweck_engine *)UNTOUCHED, "engine_out untouched by failed constructors");

    char journal[4096];
    snprintf(journal, sizeof journal, "%s/engine.journal", dir);
    char missing_dir[4096];
    snprintf(missing_dir, sizeof missing_dir, "%s/no/such/dir/engine.journal", dir);
    NULL_ARG(zweck_engine_open(NULL, KEY, sizeof KEY, 1, journal, &engine), "policy_json");
    NULL_ARG(zweck_engine_open(POLICY, NULL, sizeof KEY, 1, journal, &engine), "key");
    NULL_ARG(zweck_engine_open(POLICY, KEY, sizeof KEY, 1, NULL, &engine), "journal_path");
    NULL_ARG(zweck_engine_open(POLICY, KEY, sizeof KEY, 1, journal, NULL), "engine_out");
    FAILS(zweck_engine_open(POLICY, KEY, sizeof KEY, 1, BAD_UTF8, &engine), ZWECK_STATUS_INVALID_UTF8,
          "`journal_path`");
    FAILS(zweck_engine_open(POLICY, KEY, sizeof KEY, 1, missing_dir, &engine), ZWECK_STATUS_IO, "no/such/dir");
    CHECK(engine == (zweck_engine *)UNTOUCHED, "engine_out untouched by failed opens");

    engine = NULL;
    OK(zweck_engine_open(POLICY, KEY, sizeof KEY, 1, journal, &engine));
    zweck_engine *second = (zweck_engine *)UNTOUCHED;
    FAILS(zweck_engine_open(POLICY, KEY, sizeof KEY, 1, journal, &second), ZWECK_STATUS_LOCKED, "already open");
    CHECK(second == (zweck_engine *)UNTOUCHED, "a locked journal gives no engine");
    OK(zweck_consent_grant(engine, "c-durable", "marketing", NOW, 0, "signup form", 0, 0));
    zweck_engine_free(engine);

    /* The consent survived closing the journal. */
    engine = NULL;
    OK(zweck_engine_open(POLICY, KEY, sizeof KEY, 1, journal, &engine));
    zweck_decision decision;
    OK(zweck_decide(engine, "c-durable", "marketing.email", "email", NOW, &decision));
    CHECK(decision.effect == ZWECK_EFFECT_ALLOW && decision.reason == ZWECK_REASON_CONSENT_GIVEN,
          "a reopened journal remembers the consent");

    uint32_t version = 99;
    NULL_ARG(zweck_key_version(NULL, &version), "engine");
    NULL_ARG(zweck_key_version(engine, NULL), "version_out");
    CHECK(version == 99, "version_out untouched");
    OK(zweck_key_version(engine, &version));
    CHECK(version == 1, "key version 1");
    zweck_engine_free(engine);
}

static void test_consent(zweck_engine *engine) {
    NULL_ARG(zweck_consent_grant(NULL, "c-1", "marketing", NOW, 0, "banner", 0, 0), "engine");
    NULL_ARG(zweck_consent_grant(engine, NULL, "marketing", NOW, 0, "banner", 0, 0), "subject");
    NULL_ARG(zweck_consent_grant(engine, "c-1", NULL, NOW, 0, "banner", 0, 0), "purpose");
    NULL_ARG(zweck_consent_grant(engine, "c-1", "marketing", NOW, 0, NULL, 0, 0), "source");
    FAILS(zweck_consent_grant(engine, BAD_UTF8, "marketing", NOW, 0, "banner", 0, 0), ZWECK_STATUS_INVALID_UTF8,
          "`subject`");
    FAILS(zweck_consent_grant(engine, "", "marketing", NOW, 0, "banner", 0, 0), ZWECK_STATUS_INVALID_ARGUMENT,
          "subject id");
    FAILS(zweck_consent_grant(engine, "c-1", "marketting", NOW, 0, "banner", 0, 0), ZWECK_STATUS_UNKNOWN_PURPOSE,
          "unknown purpose \"marketting\"; did you mean \"marketing\"?");
    FAILS(zweck_consent_grant(engine, "c-1", "marketing", NOW, 0, "  ", 0, 0), ZWECK_STATUS_INVALID_ARGUMENT,
          "consent source");
    FAILS(zweck_consent_grant(engine, "c-1", "marketing", TOO_LATE, 0, "banner", 0, 0),
          ZWECK_STATUS_INVALID_ARGUMENT, "`at` is 253402300800");
    FAILS(zweck_consent_grant(engine, "c-1", "marketing", NOW, 0, "banner", INT64_MIN, 0),
          ZWECK_STATUS_INVALID_ARGUMENT, "`expires`");
    FAILS(zweck_consent_grant(engine, "c-1", "marketing", NOW, 0, "banner", NOW - 1, 0),
          ZWECK_STATUS_INVALID_ARGUMENT, "consent expiry");

    char *history = UNTOUCHED;
    NULL_ARG(zweck_consent_history(NULL, "c-1", &history), "engine");
    NULL_ARG(zweck_consent_history(engine, NULL, &history), "subject");
    NULL_ARG(zweck_consent_history(engine, "c-1", NULL), "history_out");
    FAILS(zweck_consent_history(engine, "", &history), ZWECK_STATUS_INVALID_ARGUMENT, "subject id");
    UNCHANGED(history);
    OK(zweck_consent_history(engine, "c-1", &history));
    CHECK(history != UNTOUCHED && strcmp(history, "[]") == 0, "no event was recorded by the failed grants");
    zweck_string_free(history);

    /* notice version 0 is the purpose's current one (2); an explicit grant with an expiry. */
    OK(zweck_consent_grant(engine, "c-1", "marketing", NOW, 0, "cookie banner", 0, 0));
    OK(zweck_consent_grant(engine, "c-2", "marketing", NOW, 2, "preferences page", NOW + 86400, 1));

    NULL_ARG(zweck_consent_withdraw(NULL, "c-2", "marketing.email", NOW, 0, "unsubscribe link"), "engine");
    NULL_ARG(zweck_consent_withdraw(engine, NULL, "marketing.email", NOW, 0, "unsubscribe link"), "subject");
    NULL_ARG(zweck_consent_withdraw(engine, "c-2", NULL, NOW, 0, "unsubscribe link"), "purpose");
    NULL_ARG(zweck_consent_withdraw(engine, "c-2", "marketing.email", NOW, 0, NULL), "source");
    FAILS(zweck_consent_withdraw(engine, "c-2", "newsletter", NOW, 0, "unsubscribe link"),
          ZWECK_STATUS_UNKNOWN_PURPOSE, "\"newsletter\"");
    FAILS(zweck_consent_withdraw(engine, "c-2", "marketing.email", -TOO_LATE, 0, "unsubscribe link"),
          ZWECK_STATUS_INVALID_ARGUMENT, "`at`");
    OK(zweck_consent_withdraw(engine, "c-2", "marketing.email", NOW + 60, 0, "unsubscribe link"));

    NULL_ARG(zweck_consent_object(NULL, "c-1", "analytics", NOW, 0, "account settings"), "engine");
    NULL_ARG(zweck_consent_object(engine, NULL, "analytics", NOW, 0, "account settings"), "subject");
    NULL_ARG(zweck_consent_object(engine, "c-1", NULL, NOW, 0, "account settings"), "purpose");
    NULL_ARG(zweck_consent_object(engine, "c-1", "analytics", NOW, 0, NULL), "source");
    FAILS(zweck_consent_object(engine, "c-1", "analytic", NOW, 0, "account settings"), ZWECK_STATUS_UNKNOWN_PURPOSE,
          "did you mean \"analytics\"");
    OK(zweck_consent_object(engine, "c-3", "analytics", NOW, 0, "account settings"));

    OK(zweck_consent_history(engine, "c-2", &history));
    CHECK(has(history, "\"action\":\"grant\"") && has(history, "\"action\":\"withdraw\""), "history lists both");
    CHECK(has(history, "\"explicit\":true") && has(history, "\"expires\":\"2025-07-02T12:00:00Z\""),
          "history keeps the explicit flag and the expiry");
    CHECK(has(history, "\"notice_version\":2"), "notice version 0 recorded as the current version");
    zweck_string_free(history);
}

static void test_decide(zweck_engine *engine) {
    zweck_decision decision;
    memset(&decision, 0x5a, sizeof decision);
    zweck_decision before = decision;
    NULL_ARG(zweck_decide(NULL, "c-1", "marketing.email", "email", NOW, &decision), "engine");
    NULL_ARG(zweck_decide(engine, NULL, "marketing.email", "email", NOW, &decision), "subject");
    NULL_ARG(zweck_decide(engine, "c-1", NULL, "email", NOW, &decision), "purpose");
    NULL_ARG(zweck_decide(engine, "c-1", "marketing.email", NULL, NOW, &decision), "field");
    NULL_ARG(zweck_decide(engine, "c-1", "marketing.email", "email", NOW, NULL), "decision_out");
    FAILS(zweck_decide(engine, "c-1", "marketing.email", BAD_UTF8, NOW, &decision), ZWECK_STATUS_INVALID_UTF8,
          "`field`");
    FAILS(zweck_decide(engine, "c-1", "marketting.email", "email", NOW, &decision), ZWECK_STATUS_UNKNOWN_PURPOSE,
          "unknown purpose \"marketting.email\"; did you mean \"marketing.email\"?");
    FAILS(zweck_decide(engine, "c-1", "marketing.email", "emial", NOW, &decision), ZWECK_STATUS_UNKNOWN_FIELD,
          "unknown field \"emial\"; did you mean \"email\"?");
    FAILS(zweck_decide(engine, "c-1", "nope", "nope", NOW, &decision), ZWECK_STATUS_UNKNOWN_PURPOSE, "\"nope\"");
    FAILS(zweck_decide(engine, "", "marketing.email", "email", NOW, &decision), ZWECK_STATUS_INVALID_ARGUMENT,
          "subject id");
    FAILS(zweck_decide(engine, "c-1", "marketing.email", "email", INT64_MAX, &decision),
          ZWECK_STATUS_INVALID_ARGUMENT, "`at`");
    CHECK(memcmp(&decision, &before, sizeof decision) == 0, "decision_out untouched by failures");

    OK(zweck_decide(engine, "c-1", "marketing.email", "email", NOW, &decision));
    CHECK(decision.effect == ZWECK_EFFECT_ALLOW && decision.treatment == ZWECK_TREATMENT_PLAIN &&
              decision.reason == ZWECK_REASON_CONSENT_GIVEN,
          "c-1's consent to marketing covers marketing.email");
    OK(zweck_decide(engine, "c-2", "marketing.email", "email", NOW + 120, &decision));
    CHECK(decision.effect == ZWECK_EFFECT_DENY && decision.treatment == ZWECK_TREATMENT_WITHHELD &&
              decision.reason == ZWECK_REASON_CONSENT_WITHDRAWN,
          "c-2 withdrew from marketing.email");
    OK(zweck_decide(engine, "c-1", "marketing", "phone", NOW, &decision));
    CHECK(decision.effect == ZWECK_EFFECT_DENY && decision.reason == ZWECK_REASON_FIELD_NOT_TAGGED,
          "phone is not tagged for marketing");
    OK(zweck_decide(engine, "c-9", "order", "phone", NOW, &decision));
    CHECK(decision.effect == ZWECK_EFFECT_ALLOW && decision.reason == ZWECK_REASON_CONTRACT, "order needs no consent");
    OK(zweck_decide(engine, "c-3", "analytics", "email", NOW, &decision));
    CHECK(decision.effect == ZWECK_EFFECT_DENY && decision.reason == ZWECK_REASON_OBJECTED, "c-3 objected");
    OK(zweck_decide(engine, "c-1", "analytics", "email", NOW, &decision));
    CHECK(decision.effect == ZWECK_EFFECT_ALLOW && decision.treatment == ZWECK_TREATMENT_PSEUDONYMISED &&
              decision.reason == ZWECK_REASON_LEGITIMATE_INTERESTS,
          "analytics gets a pseudonym");
    OK(zweck_decide(engine, "c-9", "marketing", "email", NOW, &decision));
    CHECK(decision.reason == ZWECK_REASON_NO_CONSENT, "no consent, no data");
}

static void test_view(zweck_engine *engine) {
    char *view = UNTOUCHED;
    NULL_ARG(zweck_view(NULL, RECORD, "c-1", "marketing.email", NOW, &view), "engine");
    NULL_ARG(zweck_view(engine, NULL, "c-1", "marketing.email", NOW, &view), "record_json");
    NULL_ARG(zweck_view(engine, RECORD, NULL, "marketing.email", NOW, &view), "subject");
    NULL_ARG(zweck_view(engine, RECORD, "c-1", NULL, NOW, &view), "purpose");
    NULL_ARG(zweck_view(engine, RECORD, "c-1", "marketing.email", NOW, NULL), "view_out");
    FAILS(zweck_view(engine, "{\"email\": ", "c-1", "marketing.email", NOW, &view), ZWECK_STATUS_INVALID_JSON,
          "`record_json` is not valid JSON");
    FAILS(zweck_view(engine, "[\"email\"]", "c-1", "marketing.email", NOW, &view), ZWECK_STATUS_INVALID_JSON,
          "not an object");
    FAILS(zweck_view(engine, BAD_UTF8, "c-1", "marketing.email", NOW, &view), ZWECK_STATUS_INVALID_UTF8,
          "`record_json`");
    FAILS(zweck_view(engine, RECORD, "c-1", "marketing.mail", NOW, &view), ZWECK_STATUS_UNKNOWN_PURPOSE,
          "\"marketing.mail\"");
    FAILS(zweck_view(engine, RECORD, "c-1", "marketing.email", TOO_LATE, &view), ZWECK_STATUS_INVALID_ARGUMENT,
          "`at`");
    UNCHANGED(view);

    OK(zweck_view(engine, RECORD, "c-1", "marketing.email", NOW, &view));
    CHECK(has(view, "\"record\":{\"email\":\"  Jane@Example.com \"}"), "marketing.email sees only the email");
    CHECK(has(view, "{\"field\":\"phone\",\"effect\":\"deny\",\"treatment\":\"withheld\","
                    "\"reason\":\"field_not_tagged\"}"),
          "the phone's decision says why it was withheld");
    zweck_string_free(view);

    /* Undeclared fields are denied, never passed through. */
    OK(zweck_view(engine, "{\"shoe_size\": 42}", "c-1", "order", NOW, &view));
    CHECK(has(view, "\"record\":{}") && has(view, "\"reason\":\"unknown_field\""), "unknown fields are withheld");
    zweck_string_free(view);
}

static void test_pseudonymise(zweck_engine *engine) {
    const uint8_t *jane = (const uint8_t *)"jane@example.com";
    char out[64];
    size_t written = 777;

    NULL_ARG(zweck_pseudonymise(NULL, "analytics", jane, 16, out, sizeof out, &written), "engine");
    NULL_ARG(zweck_pseudonymise(engine, NULL, jane, 16, out, sizeof out, &written), "domain");
    FAILS(zweck_pseudonymise(engine, "analytics", NULL, 16, out, sizeof out, &written),
          ZWECK_STATUS_INVALID_ARGUMENT, "`value` is NULL but its length is 16");
    FAILS(zweck_pseudonymise(engine, "analytics", jane, 16, NULL, sizeof out, &written),
          ZWECK_STATUS_INVALID_ARGUMENT, "`out` is NULL but its length is 64");
    NULL_ARG(zweck_pseudonymise(engine, "analytics", jane, 16, out, sizeof out, NULL), "written_out");
    FAILS(zweck_pseudonymise(engine, BAD_UTF8, jane, 16, out, sizeof out, &written), ZWECK_STATUS_INVALID_UTF8,
          "`domain`");
    FAILS(zweck_pseudonymise(engine, "", jane, 16, out, sizeof out, &written), ZWECK_STATUS_INVALID_ARGUMENT,
          "domain");

    /* Too small: nothing is written, and the last error gives the size needed. */
    memset(out, '#', sizeof out);
    FAILS(zweck_pseudonymise(engine, "analytics", jane, 16, out, 35, &written), ZWECK_STATUS_BUFFER_TOO_SMALL,
          "36 bytes needed");
    FAILS(zweck_pseudonymise(engine, "analytics", jane, 16, NULL, 0, &written), ZWECK_STATUS_BUFFER_TOO_SMALL,
          "0 available");
    int all_hash = 1;
    for (size_t i = 0; i < sizeof out; i++) all_hash &= out[i] == '#';
    CHECK(all_hash, "BUFFER_TOO_SMALL writes nothing to out");
    CHECK(written == 777, "written_out untouched by failures");

    OK(zweck_pseudonymise(engine, "analytics", jane, 16, out, 36, &written));
    CHECK(written == 35 && out[35] == '\0' && strncmp(out, "k1_", 3) == 0, "a NUL-terminated k1_ token");
    char token[64];
    memcpy(token, out, 36);
    OK(zweck_pseudonymise(engine, "analytics", jane, 16, out, sizeof out, &written));
    CHECK(strcmp(out, token) == 0, "the same value gives the same token");
    OK(zweck_pseudonymise(engine, "marketing", jane, 16, out, sizeof out, &written));
    CHECK(strcmp(out, token) != 0, "another domain gives another token");
    OK(zweck_pseudonymise(engine, "analytics", NULL, 0, out, sizeof out, &written));
    CHECK(written == 35, "the empty value has a token too");

    size_t len = 0;
    NULL_ARG(zweck_pseudonym_len(NULL, &len), "engine");
    NULL_ARG(zweck_pseudonym_len(engine, NULL), "len_out");
    OK(zweck_pseudonym_len(engine, &len));
    CHECK(len == 35, "token length 35 under key version 1");

    /* The field's normaliser (email: trim, lowercase) is applied first. */
    NULL_ARG(zweck_pseudonymise_field(NULL, "email", "analytics", "x", out, sizeof out, &written), "engine");
    NULL_ARG(zweck_pseudonymise_field(engine, NULL, "analytics", "x", out, sizeof out, &written), "field");
    NULL_ARG(zweck_pseudonymise_field(engine, "email", NULL, "x", out, sizeof out, &written), "purpose");
    NULL_ARG(zweck_pseudonymise_field(engine, "email", "analytics", NULL, out, sizeof out, &written), "value");
    NULL_ARG(zweck_pseudonymise_field(engine, "email", "analytics", "x", out, sizeof out, NULL), "written_out");
    FAILS(zweck_pseudonymise_field(engine, "emial", "analytics", "x", out, sizeof out, &written),
          ZWECK_STATUS_UNKNOWN_FIELD, "\"emial\"");
    FAILS(zweck_pseudonymise_field(engine, "email", "analytix", "x", out, sizeof out, &written),
          ZWECK_STATUS_UNKNOWN_PURPOSE, "\"analytix\"");
    FAILS(zweck_pseudonymise_field(engine, "email", "order", "x", out, sizeof out, &written),
          ZWECK_STATUS_INVALID_ARGUMENT, "does not pseudonymise field \"email\" for purpose \"order\"");
    FAILS(zweck_pseudonymise_field(engine, "email", "analytics", " Jane@Example.com", out, 20, &written),
          ZWECK_STATUS_BUFFER_TOO_SMALL, "36 bytes needed");
    OK(zweck_pseudonymise_field(engine, "email", "analytics", "  Jane@Example.com ", out, sizeof out, &written));
    CHECK(strcmp(out, token) == 0, "the normalised email gets the token of jane@example.com");

    /* Batch: tokens each followed by '\n', no NUL. */
    const uint8_t *values[3] = {jane, (const uint8_t *)"bob@example.com", NULL};
    const size_t lens[3] = {16, 15, 0};
    char lines[3 * 36 + 8];
    NULL_ARG(zweck_pseudonymise_batch(NULL, "analytics", values, lens, 3, lines, sizeof lines, &written), "engine");
    NULL_ARG(zweck_pseudonymise_batch(engine, NULL, values, lens, 3, lines, sizeof lines, &written), "domain");
    FAILS(zweck_pseudonymise_batch(engine, "analytics", NULL, lens, 3, lines, sizeof lines, &written),
          ZWECK_STATUS_INVALID_ARGUMENT, "`values` is NULL but count is 3");
    FAILS(zweck_pseudonymise_batch(engine, "analytics", values, NULL, 3, lines, sizeof lines, &written),
          ZWECK_STATUS_INVALID_ARGUMENT, "`lens` is NULL but count is 3");
    NULL_ARG(zweck_pseudonymise_batch(engine, "analytics", values, lens, 3, lines, sizeof lines, NULL), "written_out");
    const size_t bad_lens[3] = {16, 15, 4};
    FAILS(zweck_pseudonymise_batch(engine, "analytics", values, bad_lens, 3, lines, sizeof lines, &written),
          ZWECK_STATUS_INVALID_ARGUMENT, "`values[2]` is NULL but `lens[2]` is 4");
    memset(lines, '#', sizeof lines);
    written = 777;
    FAILS(zweck_pseudonymise_batch(engine, "analytics", values, lens, 3, lines, 3 * 36 - 1, &written),
          ZWECK_STATUS_BUFFER_TOO_SMALL, "108 bytes needed, 107 available");
    all_hash = 1;
    for (size_t i = 0; i < sizeof lines; i++) all_hash &= lines[i] == '#';
    CHECK(all_hash && written == 777, "a too-small batch writes nothing");
    OK(zweck_pseudonymise_batch(engine, "analytics", values, lens, 3, lines, sizeof lines, &written));
    CHECK(written == 3 * 36 && lines[35] == '\n' && lines[71] == '\n' && lines[107] == '\n', "three token lines");
    CHECK(strncmp(lines, token, 35) == 0, "the batch's first token is the single token");
    CHECK(lines[108] == '#', "nothing is written past the tokens");
    OK(zweck_pseudonymise_batch(engine, "analytics", NULL, NULL, 0, NULL, 0, &written));
    CHECK(written == 0, "an empty batch writes nothing");

    /* Packed: newline-separated input gives the same lines. */
    static const char packed[] = "jane@example.com\nbob@example.com\n\n";
    char packed_lines[3 * 36];
    NULL_ARG(zweck_pseudonymise_packed(NULL, "analytics", (const uint8_t *)packed, strlen(packed), packed_lines,
                                       sizeof packed_lines, &written),
             "engine");
    NULL_ARG(zweck_pseudonymise_packed(engine, NULL, (const uint8_t *)packed, strlen(packed), packed_lines,
                                       sizeof packed_lines, &written),
             "domain");
    FAILS(zweck_pseudonymise_packed(engine, "analytics", NULL, 5, packed_lines, sizeof packed_lines, &written),
          ZWECK_STATUS_INVALID_ARGUMENT, "`input` is NULL but its length is 5");
    NULL_ARG(zweck_pseudonymise_packed(engine, "analytics", (const uint8_t *)packed, strlen(packed), packed_lines,
                                       sizeof packed_lines, NULL),
             "written_out");
    FAILS(zweck_pseudonymise_packed(engine, "analytics", (const uint8_t *)packed, strlen(packed), packed_lines, 100,
                                    &written),
          ZWECK_STATUS_BUFFER_TOO_SMALL, "108 bytes needed");
    OK(zweck_pseudonymise_packed(engine, "analytics", (const uint8_t *)packed, strlen(packed), packed_lines,
                                 sizeof packed_lines, &written));
    CHECK(written == 3 * 36 && memcmp(packed_lines, lines, 3 * 36) == 0, "packed and batch agree");
    OK(zweck_pseudonymise_packed(engine, "analytics", NULL, 0, NULL, 0, &written));
    CHECK(written == 0, "empty packed input writes nothing");
}

/* Copies the `"head":{...}` object of an audit report into `head`. */
static int audit_head(const char *report, char *head, size_t size) {
    const char *start = strstr(report, "\"head\":");
    if (start == NULL) return 0;
    start += strlen("\"head\":");
    const char *end = strchr(start, '}');
    if (end == NULL || (size_t)(end - start + 1) >= size) return 0;
    memcpy(head, start, (size_t)(end - start + 1));
    head[end - start + 1] = '\0';
    return 1;
}

static void test_rights(zweck_engine *engine) {
    char *text = UNTOUCHED;

    NULL_ARG(zweck_subject_export(NULL, "c-1", RECORD, NOW, &text), "engine");
    NULL_ARG(zweck_subject_export(engine, NULL, RECORD, NOW, &text), "subject");
    NULL_ARG(zweck_subject_export(engine, "c-1", RECORD, NOW, NULL), "export_out");
    FAILS(zweck_subject_export(engine, "c-1", "{", NOW, &text), ZWECK_STATUS_INVALID_JSON, "`record_json`");
    FAILS(zweck_subject_export(engine, "c-1", RECORD, -TOO_LATE, &text), ZWECK_STATUS_INVALID_ARGUMENT, "`at`");
    UNCHANGED(text);
    OK(zweck_subject_export(engine, "c-1", NULL, NOW, &text));
    CHECK(has(text, "\"subject\":\"c-1\"") && has(text, "\"done\":true") && !has(text, "zweck-record"),
          "an export without a record");
    zweck_string_free(text);
    OK(zweck_subject_export(engine, "c-1", RECORD, NOW, &text));
    CHECK(has(text, "\"group_id\":\"zweck-record\"") && has(text, "\"group_id\":\"zweck-consents\""),
          "an export with the record and the consent history");
    zweck_string_free(text);

    text = UNTOUCHED;
    NULL_ARG(zweck_retention_due(NULL, RECORD, JUNE, NOW, &text), "engine");
    NULL_ARG(zweck_retention_due(engine, NULL, JUNE, NOW, &text), "record_json");
    NULL_ARG(zweck_retention_due(engine, RECORD, JUNE, NOW, NULL), "steps_out");
    FAILS(zweck_retention_due(engine, "42", JUNE, NOW, &text), ZWECK_STATUS_INVALID_JSON, "not an object");
    FAILS(zweck_retention_due(engine, RECORD, TOO_LATE, NOW, &text), ZWECK_STATUS_INVALID_ARGUMENT,
          "`collected_at`");
    UNCHANGED(text);
    OK(zweck_retention_due(engine, "{\"email\": \"a@b.c\", \"shoe_size\": 42}", JUNE, NOW, &text));
    CHECK(has(text, "{\"field\":\"email\",\"action\":\"keep\"") &&
              has(text, "{\"field\":\"shoe_size\",\"action\":\"erase\""),
          "retention: keep the email, erase the undeclared field");
    zweck_string_free(text);

    int32_t erased = 7;
    NULL_ARG(zweck_subject_is_erased(NULL, "c-1", &erased), "engine");
    NULL_ARG(zweck_subject_is_erased(engine, NULL, &erased), "subject");
    NULL_ARG(zweck_subject_is_erased(engine, "c-1", NULL), "erased_out");
    CHECK(erased == 7, "erased_out untouched");
    OK(zweck_subject_is_erased(engine, "c-1", &erased));
    CHECK(erased == 0, "c-1 is not erased yet");

    text = UNTOUCHED;
    NULL_ARG(zweck_subject_forget(NULL, "c-1", "customer request", NOW, &text), "engine");
    NULL_ARG(zweck_subject_forget(engine, NULL, "customer request", NOW, &text), "subject");
    NULL_ARG(zweck_subject_forget(engine, "c-1", NULL, NOW, &text), "reason");
    NULL_ARG(zweck_subject_forget(engine, "c-1", "customer request", NOW, NULL), "receipt_out");
    FAILS(zweck_subject_forget(engine, "c-1", " ", NOW, &text), ZWECK_STATUS_INVALID_ARGUMENT, "erasure reason");
    UNCHANGED(text);
    OK(zweck_subject_is_erased(engine, "c-1", &erased));
    CHECK(erased == 0, "failed erasures erase nothing");
    OK(zweck_subject_forget(engine, "c-1", "customer request via account page", NOW, &text));
    CHECK(has(text, "\"subject_hash\":\"") && !has(text, "c-1") && has(text, "\"what\":\"consent events\",\"count\":1"),
          "the receipt counts the erased consent and never names the subject");
    zweck_string_free(text);
    text = UNTOUCHED;
    FAILS(zweck_subject_forget(engine, "c-1", "again", NOW, &text), ZWECK_STATUS_SUBJECT_ERASED, "was erased");
    UNCHANGED(text);
    OK(zweck_subject_is_erased(engine, "c-1", &erased));
    CHECK(erased == 1, "c-1 is erased");
    zweck_decision decision;
    OK(zweck_decide(engine, "c-1", "order", "email", NOW, &decision));
    CHECK(decision.effect == ZWECK_EFFECT_DENY && decision.reason == ZWECK_REASON_SUBJECT_ERASED,
          "every decision about an erased subject is a denial");
    FAILS(zweck_consent_grant(engine, "c-1", "marketing", NOW, 0, "banner", 0, 0), ZWECK_STATUS_SUBJECT_ERASED,
          "new id");

    /* This engine has no vault. */
    char token[64];
    size_t written = 0;
    OK(zweck_pseudonymise(engine, "fraud", (const uint8_t *)"jane@example.com", 16, token, sizeof token, &written));
    text = UNTOUCHED;
    NULL_ARG(zweck_reidentify(NULL, token, "fraud", NOW, &text), "engine");
    NULL_ARG(zweck_reidentify(engine, NULL, "fraud", NOW, &text), "token");
    NULL_ARG(zweck_reidentify(engine, token, NULL, NOW, &text), "purpose");
    NULL_ARG(zweck_reidentify(engine, token, "fraud", NOW, NULL), "result_out");
    FAILS(zweck_reidentify(engine, token, "fraud", TOO_LATE, &text), ZWECK_STATUS_INVALID_ARGUMENT, "`at`");
    FAILS(zweck_reidentify(engine, token, "frod", NOW, &text), ZWECK_STATUS_UNKNOWN_PURPOSE, "\"frod\"");
    FAILS(zweck_reidentify(engine, token, "marketing", NOW, &text), ZWECK_STATUS_DENIED,
          "purpose \"marketing\" may not re-identify");
    FAILS(zweck_reidentify(engine, token, "fraud", NOW, &text), ZWECK_STATUS_DENIED, "no vault");
    UNCHANGED(text);

    NULL_ARG(zweck_rotate_key(NULL, 2, KEY2, sizeof KEY2), "engine");
    NULL_ARG(zweck_rotate_key(engine, 2, NULL, sizeof KEY2), "key");
    FAILS(zweck_rotate_key(engine, 2, KEY2, 8), ZWECK_STATUS_KEY_INVALID, "8");
    FAILS(zweck_rotate_key(engine, 1, KEY2, sizeof KEY2), ZWECK_STATUS_KEY_INVALID, "already in the key ring");
    uint32_t version = 0;
    OK(zweck_key_version(engine, &version));
    CHECK(version == 1, "failed rotations keep the current key");
    OK(zweck_rotate_key(engine, 12, KEY2, sizeof KEY2));
    OK(zweck_key_version(engine, &version));
    size_t len = 0;
    OK(zweck_pseudonym_len(engine, &len));
    OK(zweck_pseudonymise(engine, "fraud", (const uint8_t *)"jane@example.com", 16, token, sizeof token, &written));
    CHECK(version == 12 && len == 36 && written == 36 && strncmp(token, "k12_", 4) == 0,
          "after rotation tokens carry k12_");

    zweck_compact_stats stats;
    memset(&stats, 0, sizeof stats);
    NULL_ARG(zweck_compact(NULL, &stats), "engine");
    NULL_ARG(zweck_compact(engine, NULL), "stats_out");
    OK(zweck_compact(engine, &stats));
    CHECK(stats.records_after < stats.records_before, "compaction dropped the erased subject's records");
    CHECK(stats.bytes_after < stats.bytes_before, "compaction shrank the store");
}

static void test_signals(zweck_engine *engine) {
    char *text = UNTOUCHED;
    NULL_ARG(zweck_tcf_decode(NULL, &text), "tc_string");
    NULL_ARG(zweck_tcf_decode(TC_STRING, NULL), "decoded_out");
    FAILS(zweck_tcf_decode("not a TC string!", &text), ZWECK_STATUS_TCF_INVALID, "TC string");
    FAILS(zweck_tcf_decode(BAD_UTF8, &text), ZWECK_STATUS_INVALID_UTF8, "`tc_string`");
    UNCHANGED(text);
    OK(zweck_tcf_decode(TC_STRING, &text));
    CHECK(has(text, "\"cmp_id\":28") && has(text, "\"purpose_consents\":[1,2,3,4]") &&
              has(text, "\"last_updated\":\"2025-06-02T00:00:00Z\""),
          "the decoded string");
    zweck_string_free(text);

    text = UNTOUCHED;
    NULL_ARG(zweck_tcf_record(NULL, "c-5", TC_STRING, NOW, &text), "engine");
    NULL_ARG(zweck_tcf_record(engine, NULL, TC_STRING, NOW, &text), "subject");
    NULL_ARG(zweck_tcf_record(engine, "c-5", NULL, NOW, &text), "tc_string");
    NULL_ARG(zweck_tcf_record(engine, "c-5", TC_STRING, NOW, NULL), "summary_out");
    FAILS(zweck_tcf_record(engine, "c-5", "garbage", NOW, &text), ZWECK_STATUS_TCF_INVALID, "TC string");
    FAILS(zweck_tcf_record(engine, "c-5", OLD_TC_STRING, NOW, &text), ZWECK_STATUS_TCF_INVALID, "invalid");
    FAILS(zweck_tcf_record(engine, "c-5", TC_STRING, JUNE - 86400, &text), ZWECK_STATUS_TCF_INVALID, "future");
    UNCHANGED(text);
    OK(zweck_tcf_record(engine, "c-5", TC_STRING, NOW, &text));
    CHECK(has(text, "\"events\":1") && has(text, "\"granted\":[\"marketing\"]") && has(text, "\"duplicate\":false"),
          "the banner's consent is recorded");
    zweck_string_free(text);
    OK(zweck_tcf_record(engine, "c-5", TC_STRING, NOW, &text));
    CHECK(has(text, "\"events\":0") && has(text, "\"duplicate\":true"), "the same string again records nothing");
    zweck_string_free(text);
    zweck_decision decision;
    OK(zweck_decide(engine, "c-5", "marketing.email", "email", NOW, &decision));
    CHECK(decision.effect == ZWECK_EFFECT_ALLOW, "a TCF consent opens marketing");

    zweck_engine *no_tcf = new_engine(POLICY_WITHOUT_TCF);
    text = UNTOUCHED;
    FAILS(zweck_tcf_record(no_tcf, "c-5", TC_STRING, NOW, &text), ZWECK_STATUS_POLICY_INVALID, "\"tcf\" mapping");
    UNCHANGED(text);
    zweck_engine_free(no_tcf);

    NULL_ARG(zweck_gpc_record(NULL, "c-5", NOW, "Sec-GPC header", &text), "engine");
    NULL_ARG(zweck_gpc_record(engine, NULL, NOW, "Sec-GPC header", &text), "subject");
    NULL_ARG(zweck_gpc_record(engine, "c-5", NOW, NULL, &text), "source");
    NULL_ARG(zweck_gpc_record(engine, "c-5", NOW, "Sec-GPC header", NULL), "purposes_out");
    FAILS(zweck_gpc_record(engine, "c-5", NOW, "", &text), ZWECK_STATUS_INVALID_ARGUMENT, "consent source");
    FAILS(zweck_gpc_record(engine, "c-5", TOO_LATE, "Sec-GPC header", &text), ZWECK_STATUS_INVALID_ARGUMENT, "`at`");
    UNCHANGED(text);
    OK(zweck_gpc_record(engine, "c-5", NOW, "Sec-GPC header", &text));
    CHECK(strcmp(text, "[\"ads\"]") == 0, "GPC objects to the sharing purpose");
    zweck_string_free(text);
    OK(zweck_gpc_record(engine, "c-5", NOW + 1, "Sec-GPC header", &text));
    CHECK(strcmp(text, "[]") == 0, "GPC is recorded once");
    zweck_string_free(text);
}

static void test_policy_texts(zweck_engine *engine) {
    char *text = UNTOUCHED;
    NULL_ARG(zweck_notice(NULL, &text), "engine");
    NULL_ARG(zweck_notice(engine, NULL), "notice_out");
    UNCHANGED(text);
    OK(zweck_notice(engine, &text));
    CHECK(has(text, "# Privacy notice: API test shop"), "the notice is Markdown about the policy");
    zweck_string_free(text);

    text = UNTOUCHED;
    NULL_ARG(zweck_processing_records(NULL, &text), "engine");
    NULL_ARG(zweck_processing_records(engine, NULL), "records_out");
    UNCHANGED(text);
    OK(zweck_processing_records(engine, &text));
    CHECK(has(text, "\"format\":\"zweck.processing_records.v1\"") && has(text, "\"key\":\"marketing.email\""),
          "records of processing as JSON");
    zweck_string_free(text);
}

static void test_audit(zweck_engine *engine) {
    NULL_ARG(zweck_audit_flush(NULL), "engine");
    OK(zweck_audit_flush(engine));

    char *report = UNTOUCHED;
    NULL_ARG(zweck_audit_verify(NULL, NULL, &report), "engine");
    NULL_ARG(zweck_audit_verify(engine, NULL, NULL), "report_out");
    FAILS(zweck_audit_verify(engine, "{\"count\": 1}", &report), ZWECK_STATUS_INVALID_JSON, "`anchor_json`");
    FAILS(zweck_audit_verify(engine, BAD_UTF8, &report), ZWECK_STATUS_INVALID_UTF8, "`anchor_json`");
    UNCHANGED(report);
    OK(zweck_audit_verify(engine, NULL, &report));
    CHECK(has(report, "\"entries\":") && !has(report, "\"entries\":0"), "the changes so far are on record");
    char head[256];
    CHECK(audit_head(report, head, sizeof head), "the report carries the head");
    zweck_string_free(report);
    OK(zweck_audit_verify(engine, head, &report));
    zweck_string_free(report);
    report = UNTOUCHED;
    FAILS(zweck_audit_verify(engine,
                             "{\"count\": 1000000, \"mac\": "
                             "\"0000000000000000000000000000000000000000000000000000000000000000\"}",
                             &report),
          ZWECK_STATUS_AUDIT_BROKEN, "audit log broken");
    UNCHANGED(report);

    zweck_engine_options *options = NULL;
    OK(zweck_engine_options_new(&options));
    OK(zweck_engine_options_set_audit(options, ZWECK_AUDIT_MODE_OFF));
    zweck_engine *quiet = NULL;
    OK(zweck_engine_new_with_options(POLICY, KEY, sizeof KEY, 1, options, &quiet));
    zweck_engine_options_free(options);
    FAILS(zweck_audit_verify(quiet, NULL, &report), ZWECK_STATUS_AUDIT_BROKEN, "no audit log");
    UNCHANGED(report);
    zweck_engine_free(quiet);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <empty scratch directory>\n", argv[0]);
        return 2;
    }
    test_names();
    test_options(argv[1]);
    test_engine(argv[1]);

    zweck_engine *engine = new_engine(POLICY);
    test_consent(engine);
    test_decide(engine);
    test_view(engine);
    test_pseudonymise(engine);
    test_signals(engine);
    test_policy_texts(engine);
    test_rights(engine);
    test_audit(engine);
    zweck_engine_free(engine);

    return REPORT();
}
