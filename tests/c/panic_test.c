/* Proves that a panic inside zweck becomes ZWECK_STATUS_PANIC and leaves the process running.
 * Linked against the test build of the library (--cfg zweck_test_panic), the only one that exports
 * zweck_test_panic; the public header does not declare it. */
#include <string.h>

#include "zweck.h"
#include "check.h"

zweck_status zweck_test_panic(void);

int main(void) {
    for (int round = 1; round <= 2; round++) {
        zweck_status status = zweck_test_panic();
        CHECK(status == ZWECK_STATUS_PANIC, "a panic is reported as ZWECK_STATUS_PANIC");

        const char *message = zweck_last_error_message();
        CHECK(message != NULL && strncmp(message, "internal panic: ", 16) == 0,
              "the last error starts with \"internal panic: \"");
        CHECK(message != NULL && strstr(message, "zweck_test_panic was called") != NULL,
              "the last error carries the panic's fixed message");
        printf("round %d: %s: %s\n", round, zweck_status_str((int32_t)status), message);
    }

    /* The library is still usable after the panics. */
    CHECK(strcmp(zweck_version(), ZWECK_EXPECTED_VERSION) == 0, "the library works after a panic");
    CHECK(strcmp(zweck_status_str(ZWECK_STATUS_OK), "ok") == 0, "status names work after a panic");

    return REPORT();
}
