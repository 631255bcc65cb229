/* A minimal test reporter shared by the C and C++ test programs: CHECK records a result, and
 * REPORT prints "N passed, M failed" and yields the exit status. */
#ifndef ZWECK_TEST_CHECK_H
#define ZWECK_TEST_CHECK_H

#include <stdio.h>

static int checks_passed;
static int checks_failed;

#define CHECK(condition, what)                                                         \
    do {                                                                               \
        if (condition) {                                                               \
            checks_passed++;                                                           \
        } else {                                                                       \
            checks_failed++;                                                           \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, what);             \
        }                                                                              \
    } while (0)

#define REPORT() (printf("%d passed, %d failed\n", checks_passed, checks_failed), checks_failed != 0)

#endif
