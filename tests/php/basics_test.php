<?php
// The PHP binding's basics against a real libzweck.so. Run by tests/ffi_php.rs as
//   ZWECK_LIB=<path>/libzweck.so php -d ffi.enable=1 tests/php/basics_test.php <expected version>
// Prints one line per failure and "N passed, M failed"; exits 1 on any failure.

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

use Zweck\Zweck;
use Zweck\ZweckException;

$passed = 0;
$failed = 0;

function check(bool $condition, string $what): void
{
    global $passed, $failed;
    if ($condition) {
        $passed++;
    } else {
        $failed++;
        fwrite(STDERR, "FAIL: {$what}\n");
    }
}

/** Turns a status into an exception the way every Engine method does. */
function checkStatus(Zweck $zweck, int $status): void
{
    $zweck->check($status);
}

$expectedVersion = $argv[1] ?? '';
$zweck = new Zweck();

check($zweck->version() === $expectedVersion, "version() is '{$expectedVersion}', got '{$zweck->version()}'");

$ffi = FFI::cdef(file_get_contents(__DIR__ . '/../../include/zweck_php.h'), getenv('ZWECK_LIB') ?: 'libzweck.so');
check($ffi->ZWECK_STATUS_OK === 0, 'ZWECK_STATUS_OK is 0');
check($ffi->ZWECK_STATUS_PANIC === 17, 'ZWECK_STATUS_PANIC is 17');
check($ffi->zweck_status_str(5) === 'unknown purpose', 'zweck_status_str(5)');
check($ffi->zweck_status_str(-1) === 'unknown status', 'zweck_status_str(-1)');
check($ffi->zweck_last_error_message() === '', 'no last error before any failure');
$ffi->zweck_string_free(null);
check(true, 'zweck_string_free(NULL) is a no-op');

try {
    checkStatus($zweck, 0);
    check(true, 'check(0) does not throw');
} catch (Throwable $e) {
    check(false, 'check(0) threw ' . get_class($e));
}

try {
    checkStatus($zweck, $ffi->ZWECK_STATUS_UNKNOWN_FIELD);
    check(false, 'check(UNKNOWN_FIELD) must throw');
} catch (ZweckException $e) {
    check($e->getCode() === 6 && $e->status() === 6, 'the exception carries the status');
    check($e->statusName() === 'UNKNOWN_FIELD', 'the exception carries the status constant name');
    check($e->statusText() === 'unknown field', 'the exception carries the status text');
    check($e instanceof \Zweck\UnknownFieldException, 'UNKNOWN_FIELD is thrown as UnknownFieldException');
    check($e->getMessage() === 'unknown field', 'with no last error the message is the status name');
    check($e instanceof RuntimeException, 'ZweckException is a RuntimeException');
}

try {
    new Zweck(null, '/nonexistent/zweck_php.h');
    check(false, 'a missing header must throw');
} catch (RuntimeException $e) {
    check(str_contains($e->getMessage(), '/nonexistent/zweck_php.h'), 'a missing header is named');
}

// With the test build of the library (--cfg zweck_test_panic), prove that a panic reaches PHP as an
// exception and the worker keeps running.
if (getenv('ZWECK_TEST_PANIC') === '1') {
    $panicking = FFI::cdef('int zweck_test_panic(void);', getenv('ZWECK_LIB'));
    $status = $panicking->zweck_test_panic();
    check($status === $ffi->ZWECK_STATUS_PANIC, 'a panic returns ZWECK_STATUS_PANIC');
    try {
        checkStatus($zweck, $status);
        check(false, 'a panic status must throw');
    } catch (ZweckException $e) {
        check($e instanceof \Zweck\InternalErrorException, 'a panic is an InternalErrorException');
        check(
            $e->getMessage() === 'internal panic: internal panic: zweck_test_panic was called',
            "the panic's message reaches PHP, got '{$e->getMessage()}'",
        );
    }
    check($zweck->version() === $expectedVersion, 'the library still works after a panic');
}

echo "{$passed} passed, {$failed} failed\n";
exit($failed === 0 ? 0 : 1);
