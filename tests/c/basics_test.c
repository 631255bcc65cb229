/* The functions that need no engine, called the way a C host calls them. Built by tests/ffi_c.rs
 * with -Wall -Wextra -Werror and ASan/UBSan, linked dynamically and statically, and again against an
 * installed copy found with pkg-config. ZWECK_EXPECTED_VERSION is passed with -D. */
#include <stdint.h>
#include <string.h>

#include "zweck.h"
#include "check.h"

#ifndef ZWECK_EXPECTED_VERSION
#error "compile with -DZWECK_EXPECTED_VERSION='\"x.y.z\"'"
#endif

struct named_status {
    zweck_status status;
    int32_t value;
    const char *name;
};

/* The numbers are the ABI: they must never change. */
static const struct named_status STATUSES[] = {
    {ZWECK_STATUS_OK, 0, "ok"},
    {ZWECK_STATUS_INVALID_ARGUMENT, 1, "invalid argument"},
    {ZWECK_STATUS_INVALID_UTF8, 2, "invalid UTF-8"},
    {ZWECK_STATUS_INVALID_JSON, 3, "invalid JSON"},
    {ZWECK_STATUS_POLICY_INVALID, 4, "invalid policy"},
    {ZWECK_STATUS_UNKNOWN_PURPOSE, 5, "unknown purpose"},
    {ZWECK_STATUS_UNKNOWN_FIELD, 6, "unknown field"},
    {ZWECK_STATUS_KEY_INVALID, 7, "invalid key"},
    {ZWECK_STATUS_UNKNOWN_KEY_VERSION, 8, "unknown key version"},
    {ZWECK_STATUS_MALFORMED_TOKEN, 9, "malformed token"},
    {ZWECK_STATUS_BUFFER_TOO_SMALL, 10, "buffer too small"},
    {ZWECK_STATUS_INVALID_VALUE, 11, "invalid value"},
    {ZWECK_STATUS_IO, 12, "I/O error"},
    {ZWECK_STATUS_CORRUPT, 13, "corrupt data"},
    {ZWECK_STATUS_LOCKED, 14, "locked"},
    {ZWECK_STATUS_DENIED, 15, "denied"},
    {ZWECK_STATUS_TCF_INVALID, 16, "invalid TCF string"},
    {ZWECK_STATUS_PANIC, 17, "internal panic"},
    {ZWECK_STATUS_SUBJECT_ERASED, 18, "subject erased"},
    {ZWECK_STATUS_AUDIT_BROKEN, 19, "audit log broken"},
};

int main(void) {
    /* Before anything failed, the last error is an empty string, not NULL. */
    const char *last = zweck_last_error_message();
    CHECK(last != NULL && last[0] == '\0', "last error is \"\" before any failure");

    const char *version = zweck_version();
    CHECK(version != NULL && strcmp(version, ZWECK_EXPECTED_VERSION) == 0, "zweck_version matches the crate");
    CHECK(zweck_version() == version, "zweck_version returns the same static string");

    CHECK(sizeof(zweck_status) == sizeof(int), "zweck_status has the size of a C enum");
    for (size_t i = 0; i < sizeof STATUSES / sizeof STATUSES[0]; i++) {
        CHECK((int32_t)STATUSES[i].status == STATUSES[i].value, STATUSES[i].name);
        const char *name = zweck_status_str((int32_t)STATUSES[i].status);
        CHECK(name != NULL && strcmp(name, STATUSES[i].name) == 0, STATUSES[i].name);
    }

    const int32_t out_of_range[] = {-1, 20, 1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++) {
        const char *name = zweck_status_str(out_of_range[i]);
        CHECK(name != NULL && strcmp(name, "unknown status") == 0, "out-of-range status is \"unknown status\"");
    }

    zweck_string_free(NULL); /* documented no-op */

    /* Successful calls leave the last error as it was. */
    last = zweck_last_error_message();
    CHECK(last != NULL && last[0] == '\0', "successful calls do not set the last error");

    return REPORT();
}
