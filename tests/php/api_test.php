<?php
// Every method of \Zweck\Engine against a real libzweck.so, success and failure paths. Run by
// tests/ffi_php.rs as
//   ZWECK_LIB=<lib> ZWECK_TEST_DIR=<scratch dir> ZWECK_TEST_KEY_HEX=<hex> ZWECK_TEST_DOMAIN=<domain> \
//   ZWECK_TEST_VALUE=<value> ZWECK_TEST_TOKEN=<token zweck computed in Rust> \
//   php -d ffi.enable=1 -d zend.exception_ignore_args=0 tests/php/api_test.php <expected version>
// Prints one line per failure and "N passed, M failed"; exits 1 on any failure.

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

use \Zweck\AuditMode;
use \Zweck\Decision;
use \Zweck\Engine;
use \Zweck\Zweck;
use \Zweck\ZweckException;

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

/**
 * Runs $call, which must throw $class with zweck status $status (and a message containing each of
 * $contains); returns the exception for further checks.
 *
 * @param list<string> $contains
 */
function throws(string $what, callable $call, string $class, ?int $status = null, array $contains = []): ?Throwable
{
    try {
        $call();
    } catch (Throwable $e) {
        $ok = $e instanceof $class && ($status === null || $e->getCode() === $status);
        foreach ($contains as $needle) {
            $ok = $ok && str_contains($e->getMessage(), $needle);
        }
        check($ok, "{$what}: expected {$class}" . ($status === null ? '' : " ({$status})")
            . ' containing [' . implode(', ', $contains) . '], got ' . get_class($e) . " ({$e->getCode()}): {$e->getMessage()}");
        return $e;
    }
    check(false, "{$what}: expected {$class}, nothing was thrown");
    return null;
}

function env(string $name): string
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        fwrite(STDERR, "set {$name}\n");
        exit(2);
    }
    return $value;
}

$expectedVersion = $argv[1] ?? '';
$dir = env('ZWECK_TEST_DIR');
$policyPath = __DIR__ . '/../../examples/shop_policy.json';
$policyJson = file_get_contents($policyPath);
$key = 'php api test key: 32+ bytes, not secret';
$secretKey = 'TOP-SECRET-KEY-MATERIAL-0123456789abcdef';

$t = static fn (string $when): int => (new DateTimeImmutable($when))->getTimestamp();
$banner = $t('2026-03-02T09:15:00Z');
$now = $t('2026-06-01T12:00:00Z');

$record = [
    'customer_id' => 'c-1042',
    'name' => 'Jane Doe',
    'email' => ' Jane.Doe@Example.com ',
    'postcode' => '10999',
    'birth_date' => '1988-04-23',
    'ip_address' => '203.0.113.77',
    'order_history' => ['A-1001 running shoes', 'A-1177 rain jacket'],
    'card_number' => '4242 4242 4242 4242',
    'dietary_needs' => 'lactose-free',
    'loyalty_notes' => 'VIP',
];

// --- the library and its statuses ---------------------------------------------------------------

$zweck = Zweck::instance();
check($zweck === Zweck::instance(), 'Zweck::instance() is one instance per process');
check($zweck->version() === $expectedVersion, "Zweck::version() is {$expectedVersion}");
check($zweck->statusText(ZweckException::UNKNOWN_PURPOSE) === 'unknown purpose', 'statusText(5)');
check($zweck->explainReason('consent_withdrawn') !== 'unknown reason', 'explainReason knows consent_withdrawn');
check($zweck->explainReason('no_such_reason') === 'unknown reason', 'explainReason of an unknown name');

// Every ZWECK_STATUS_* in the header has a ZweckException constant with the same value, and back.
preg_match_all('/\bZWECK_STATUS_([A-Z0-9_]+) = (\d+)/', file_get_contents(__DIR__ . '/../../include/zweck_php.h'), $m, PREG_SET_ORDER);
$constants = array_filter((new ReflectionClass(ZweckException::class))->getConstants(), 'is_int');
$header = [];
foreach ($m as [, $name, $value]) {
    if ($name !== 'OK') {
        $header[$name] = (int) $value;
    }
}
check($header !== [] && $header === $constants, 'ZweckException constants match the header: ' . json_encode(array_diff_assoc($header, $constants)));

// --- construction --------------------------------------------------------------------------------

$engine = Engine::fromPolicyFile($policyPath, $key, 1);
check($engine->version() === $expectedVersion, 'Engine::version()');
check($engine->keyVersion() === 1, 'keyVersion() is the constructor\'s');
check($engine->pseudonymLength() === 35, 'tokens are 35 bytes for key version 1');
$fromJson = new Engine($policyJson, $key, 1, audit: AuditMode::Changes);
check($fromJson->keyVersion() === 1, 'an engine from policy JSON text');

$e = throws('malformed policy JSON', fn () => new Engine('{"name": ', $key, 1), \Zweck\PolicyException::class, ZweckException::POLICY_INVALID, ['line 1']);
check($e instanceof ZweckException && $e->statusName() === 'POLICY_INVALID', 'statusName() of a policy error');
throws('a policy that is not an object', fn () => new Engine('[]', $key, 1), \Zweck\PolicyException::class, ZweckException::POLICY_INVALID);
throws('an invalid policy', fn () => new Engine('{"name": "x", "purposes": [{"key": "a", "basis": "magic"}], "fields": []}', $key, 1), \Zweck\PolicyException::class, ZweckException::POLICY_INVALID);
throws('a missing policy file', fn () => Engine::fromPolicyFile('/nonexistent/policy.json', $key, 1), RuntimeException::class, null, ['/nonexistent/policy.json']);
throws('a NUL byte in the policy', fn () => new Engine("{}\0", $key, 1), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT, ['policyJson', 'NUL']);
throws('invalid UTF-8 in the policy', fn () => new Engine("{\"name\": \"\xff\"}", $key, 1), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_UTF8);
throws('a short key', fn () => new Engine($policyJson, 'short', 1), \Zweck\KeyException::class, ZweckException::KEY_INVALID);
throws('an empty key', fn () => new Engine($policyJson, '', 1), \Zweck\KeyException::class, ZweckException::KEY_INVALID);
throws('a negative key version', fn () => new Engine($policyJson, $key, -1), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT, ['keyVersion']);
throws('a key version above uint32', fn () => new Engine($policyJson, $key, 1 << 32), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('an older key with the current version', fn () => new Engine($policyJson, $key, 1, olderKeys: [1 => $key]), \Zweck\KeyException::class, ZweckException::KEY_INVALID);
throws('olderKeys that are not version => secret', fn () => new Engine($policyJson, $key, 1, olderKeys: ['one' => $key]), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT, ['olderKeys']);
throws('an empty journal path', fn () => new Engine($policyJson, $key, 1, journal: ''), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('a journal in a missing directory', fn () => new Engine($policyJson, $key, 1, journal: '/nonexistent/dir/zweck.journal'), \Zweck\StorageException::class, ZweckException::IO);
throws('a header that does not exist', fn () => new Zweck(null, '/nonexistent/zweck_php.h'), RuntimeException::class, null, ['/nonexistent/zweck_php.h']);

// Keys are #[\SensitiveParameter]: with zend.exception_ignore_args=0 the trace keeps arguments,
// but never the key.
check(ini_get('zend.exception_ignore_args') === '0', 'run with zend.exception_ignore_args=0 so traces carry arguments');
$traces = [];
foreach ([
    'constructor' => fn () => new Engine($policyJson, substr($secretKey, 0, 20), 1),
    'fromPolicyFile' => fn () => Engine::fromPolicyFile($policyPath, substr($secretKey, 0, 20), 1),
    'olderKeys' => fn () => new Engine($policyJson, $key, 1, olderKeys: [7 => substr($secretKey, 0, 20)]),
    'rotateKey' => fn () => $engine->rotateKey(9, substr($secretKey, 0, 20)),
] as $where => $call) {
    $e = throws("a bad key in {$where}", $call, \Zweck\KeyException::class, ZweckException::KEY_INVALID);
    if ($e !== null) {
        // The binding's own frames (the test's closures capture the key themselves, so they are left out).
        $frames = array_filter($e->getTrace(), fn (array $f): bool => str_starts_with($f['class'] ?? '', 'Zweck\\'));
        $dump = print_r($frames, true) . $e->getTraceAsString() . $e->getMessage();
        check(!str_contains($dump, 'TOP-SECRET'), "the key is not in the exception from {$where}");
        check(str_contains($dump, 'SensitiveParameterValue'), "the trace of {$where} shows a SensitiveParameterValue");
        check(str_contains($dump, $policyPath) || str_contains($dump, 'Kiezkaufhaus') || $where === 'rotateKey',
            "the trace of {$where} still carries the other arguments");
    }
}

// --- consent and decisions -----------------------------------------------------------------------

$d = $engine->decide('c-1042', 'marketing.email', 'email', $now);
check($d instanceof Decision && !$d->allowed() && $d->reason === 'no_consent' && $d->treatment === 'withheld', 'no consent, no email');
check($d->explanation !== '' && $d->explanation !== 'unknown reason', 'a denial explains itself');
check(json_encode($d) === '{"effect":"deny","treatment":"withheld","reason":"no_consent"}', 'a Decision encodes like view() decisions');

$engine->grant('c-1042', 'marketing', $banner, source: 'cookie banner v3', noticeVersion: 3);
$d = $engine->decide('c-1042', 'marketing.email', 'email', $now);
check($d->allowed() && $d->effect === 'allow' && $d->treatment === 'plain' && $d->reason === 'consent_given', 'a granted parent purpose releases email to marketing.email');
check($engine->decide('c-1042', 'marketing.email', 'email', new DateTimeImmutable('2026-06-01T12:00:00Z'))->allowed(), 'times may be DateTimeInterface');
check($engine->decide('c-1042', 'support', 'email', $now)->treatment === 'masked', 'support sees a masked email');
check($engine->decide('c-1042', 'analytics', 'email', $now)->reason === 'legitimate_interests', 'analytics runs on legitimate interests');

$engine->grant('c-7', 'marketing', $banner, source: 'old banner', noticeVersion: 2);
check($engine->decide('c-7', 'marketing.email', 'email', $now)->reason === 'notice_outdated', 'a consent to an older notice is outdated');
$engine->grant('c-8', 'marketing', $banner, source: 'banner', expires: $banner + 86400);
check($engine->decide('c-8', 'marketing.email', 'email', $now)->reason === 'consent_expired', 'an expired consent denies');
$engine->grant('c-9', 'marketing', new DateTime('2026-03-02T09:15:00Z'), source: 'banner', expires: new DateTimeImmutable('2027-01-01T00:00:00Z'));
check($engine->decide('c-9', 'marketing.email', 'email', $now)->allowed(), 'dates for at and expires');

$engine->grant('c-1042', 'marketing.personalisation', $banner + 60, source: 'preferences page', noticeVersion: 3);
check($engine->decide('c-1042', 'marketing.personalisation', 'dietary_needs', $now)->reason === 'explicit_consent_missing', 'special-category data needs explicit consent');
$engine->grant('c-1042', 'marketing.personalisation', $banner + 120, source: 'preferences page: dietary needs', noticeVersion: 3, explicit: true);
check($engine->decide('c-1042', 'marketing.personalisation', 'dietary_needs', $now)->allowed(), 'explicit consent releases dietary needs');

$engine->withdraw('c-1042', 'marketing.email', $now + 60, 'unsubscribe link');
$d = $engine->decide('c-1042', 'marketing.email', 'email', $now + 120);
check(!$d->allowed() && $d->reason === 'consent_withdrawn', 'a withdrawal denies');
check($engine->decide('c-1042', 'marketing.personalisation', 'order_history', $now + 120)->allowed(), 'withdrawing a child leaves its sibling');

$engine->object('c-1042', 'analytics', $now + 60, 'privacy settings');
check($engine->decide('c-1042', 'analytics', 'email', $now + 120)->reason === 'objected', 'an objection stops legitimate interests');
$engine->object('c-7', 'analytics', $now, 'privacy settings', noticeVersion: 1);
check($engine->decide('c-7', 'analytics', 'email', $now + 1)->reason === 'objected', 'object() with a notice version');

$history = $engine->consentHistory('c-1042');
check(count($history) === 5, 'five events in the history, got ' . count($history));
check(array_column($history, 'action') === ['grant', 'grant', 'grant', 'withdraw', 'object'], 'history actions oldest first');
check($history[0]['purpose'] === 'marketing' && $history[0]['source'] === 'cookie banner v3' && $history[0]['notice_version'] === 3
    && $history[0]['at'] === '2026-03-02T09:15:00Z', 'a history event has purpose, source, notice version and time');
check(($history[2]['explicit'] ?? false) === true && !isset($history[1]['explicit']), 'the explicit flag is in the history');
check($engine->consentHistory('nobody') === [], 'an unknown subject has no history');

// Failures: bad input is an exception with the status, never a silent denial.
$e = throws('invalid UTF-8 in a subject', fn () => $engine->grant("c-\xff\xfe", 'marketing', $now, 'banner'), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_UTF8);
check($e instanceof ZweckException && $e->statusName() === 'INVALID_UTF8' && $e->status() === 2 && $e->statusText() !== '' && $e->detail() !== '', 'INVALID_UTF8 as code, constant name, text and detail');
throws('invalid UTF-8 in decide()', fn () => $engine->decide("\xc3", 'marketing', 'email', $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_UTF8);
throws('a NUL byte in a subject', fn () => $engine->grant("c-1\0evil", 'marketing', $now, 'banner'), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT, ['subject', 'offset 3']);
throws('a null subject (strict types)', fn () => $engine->grant(null, 'marketing', $now, 'banner'), TypeError::class);
throws('a null record', fn () => $engine->view(null, 'c-1', 'support', $now), TypeError::class);
throws('an empty subject', fn () => $engine->grant('', 'marketing', $now, 'banner'), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('a subject over 256 bytes', fn () => $engine->decide(str_repeat('x', 257), 'marketing', 'email', $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('an empty source', fn () => $engine->withdraw('c-1', 'marketing', $now, ''), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('an expiry before the grant', fn () => $engine->grant('c-1', 'marketing', $now, 'banner', expires: $now - 1), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('a time after the year 9999', fn () => $engine->decide('c-1', 'marketing', 'email', PHP_INT_MAX), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('a negative notice version', fn () => $engine->grant('c-1', 'marketing', $now, 'banner', noticeVersion: -3), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT, ['noticeVersion']);
$e = throws('an unknown purpose in grant()', fn () => $engine->grant('c-1', 'marketing.emial', $now, 'banner'), \Zweck\UnknownPurposeException::class, ZweckException::UNKNOWN_PURPOSE, ['marketing.emial', 'did you mean', 'marketing.email']);
check($e instanceof \Zweck\InvalidArgumentException, 'UnknownPurposeException is an InvalidArgumentException');
throws('an unknown purpose in withdraw()', fn () => $engine->withdraw('c-1', 'analitycs', $now, 'x'), \Zweck\UnknownPurposeException::class, ZweckException::UNKNOWN_PURPOSE, ['did you mean', 'analytics']);
throws('an unknown purpose in decide()', fn () => $engine->decide('c-1', 'suport', 'email', $now), \Zweck\UnknownPurposeException::class, ZweckException::UNKNOWN_PURPOSE, ['support']);
throws('an unknown field in decide()', fn () => $engine->decide('c-1', 'support', 'emial', $now), \Zweck\UnknownFieldException::class, ZweckException::UNKNOWN_FIELD, ['emial', 'did you mean', 'email']);
check($engine->consentHistory('c-1') === [], 'failed calls recorded nothing');

// --- views ---------------------------------------------------------------------------------------

$view = $engine->view($record, 'c-1042', 'marketing.email', $now);
check(array_keys($view) === ['subject', 'purpose', 'at', 'record', 'decisions'], 'a view has subject, purpose, at, record, decisions');
check($view['record'] === ['customer_id' => $engine->pseudonymiseField('customer_id', 'marketing', 'c-1042'), 'name' => 'Jane Doe', 'email' => ' Jane.Doe@Example.com '],
    'marketing.email sees a pseudonymous id, the name and the email as stored: ' . json_encode($view['record']));
check(count($view['decisions']) === count($record) && $view['decisions'][0]['field'] === 'customer_id', 'one decision per input field, in order');
$byField = array_column($view['decisions'], null, 'field');
check($byField['loyalty_notes']['reason'] === 'unknown_field' && $byField['loyalty_notes']['effect'] === 'deny', 'an undeclared field is withheld as unknown_field');
check($byField['card_number']['reason'] === 'field_not_tagged', 'an untagged field is withheld');
$later = $engine->view($record, 'c-1042', 'marketing.email', $now + 120);
check(!isset($later['record']['email']) && array_column($later['decisions'], null, 'field')['email']['reason'] === 'consent_withdrawn', 'the view follows the withdrawal');

$analytics = $engine->view($record, 'c-2000', 'analytics', $now);
check($analytics['record']['postcode'] === '10' || str_starts_with((string) $analytics['record']['postcode'], '10'), 'analytics gets a postcode prefix');
check($analytics['record']['email'] === $engine->pseudonymise('analytics', 'jane.doe@example.com'), 'a view token equals pseudonymise() of the normalised value');
check($analytics['record']['order_history'] === $record['order_history'], 'arrays pass through views as arrays');

$fromText = $engine->view(json_encode($record), 'c-1042', 'marketing.email', $now);
check($fromText === $view, 'a record as JSON text gives the same view as the array');
check($engine->view([], 'c-1042', 'support', $now)['record'] === [], 'an empty record is an empty object, not a list');
throws('malformed record JSON', fn () => $engine->view('{"email": ', 'c-1', 'support', $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_JSON);
throws('a record that is a list', fn () => $engine->view(['a', 'b'], 'c-1', 'support', $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_JSON);
throws('invalid UTF-8 in a record value', fn () => $engine->view(['name' => "J\xffne"], 'c-1', 'support', $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_UTF8, ['record']);
throws('a NUL byte in record JSON text', fn () => $engine->view("{\"name\": \"a\"}\0", 'c-1', 'support', $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('an unknown purpose in view()', fn () => $engine->view($record, 'c-1', 'marketing.emial', $now), \Zweck\UnknownPurposeException::class, ZweckException::UNKNOWN_PURPOSE, ['marketing.email']);
throws('a value its rule cannot treat', fn () => $engine->view(['postcode' => ['not' => 'a postcode']], 'c-1', 'analytics', $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_VALUE, ['postcode']);

// --- pseudonyms ----------------------------------------------------------------------------------

// The same value, key and domain give the same token in Rust (computed by tests/ffi_php.rs), C and PHP.
$rustKey = hex2bin(env('ZWECK_TEST_KEY_HEX'));
$rustDomain = env('ZWECK_TEST_DOMAIN');
$rustValue = env('ZWECK_TEST_VALUE');
$rustToken = env('ZWECK_TEST_TOKEN');
$vectors = new Engine($policyJson, $rustKey, 1);
check($vectors->pseudonymise($rustDomain, $rustValue) === $rustToken, "pseudonymise() equals the Rust token {$rustToken}");
check($vectors->pseudonymiseBatch([$rustValue], $rustDomain) === [$rustToken], 'pseudonymiseBatch() equals the Rust token');
check($vectors->pseudonymiseBatch(["x\ny", $rustValue], $rustDomain)[1] === $rustToken, 'the pointer-array batch equals the Rust token');
// README.md "Test vectors", row 3 (K32 = bytes 00..1f, version 1, domain analytics).
$k32 = implode('', array_map('chr', range(0, 31)));
$readme = new Engine($policyJson, $k32, 1);
check($readme->pseudonymise('analytics', 'jane.doe@example.com') === 'k1_b414f90bd5e5950092e26493f69f1fc3', 'README vector 3');
check($readme->pseudonymise('marketing', '') === 'k1_f8655ad44284292fdaf165ba753c8ce7', 'README vector 1: the empty value');
check($readme->pseudonymiseField('email', 'analytics', ' Jane.Doe@EXAMPLE.com') === 'k1_b414f90bd5e5950092e26493f69f1fc3', 'pseudonymiseField() normalises the email first');
unset($readme);

$token = $engine->pseudonymise('analytics', 'jane.doe@example.com');
check((bool) preg_match('/^k1_[0-9a-f]{32}$/', $token), "a token is k1_ and 32 hex digits: {$token}");
check($engine->pseudonymise('analytics', 'jane.doe@example.com') === $token, 'the same value gives the same token');
check($engine->pseudonymise('fraud', 'jane.doe@example.com') !== $token, 'another domain gives another token');
check($engine->pseudonymise('analytics', "bytes\0with NUL") !== $engine->pseudonymise('analytics', 'bytes'), 'values are bytes: a NUL byte is part of the value');
throws('an empty domain', fn () => $engine->pseudonymise('', 'x'), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('a domain over 256 bytes', fn () => $engine->pseudonymise(str_repeat('d', 257), 'x'), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('invalid UTF-8 in a domain', fn () => $engine->pseudonymise("\xff", 'x'), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_UTF8);
throws('a field the purpose does not pseudonymise', fn () => $engine->pseudonymiseField('name', 'support', 'Jane'), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('an unknown field in pseudonymiseField()', fn () => $engine->pseudonymiseField('emial', 'analytics', 'x'), \Zweck\UnknownFieldException::class, ZweckException::UNKNOWN_FIELD, ['email']);

$values = [];
for ($i = 0; $i < 1000; $i++) {
    $values[] = "customer-{$i}@example.com";
}
$values[] = '';
$one = array_map(fn (string $v): string => $engine->pseudonymise('analytics', $v), $values);
check($engine->pseudonymiseBatch($values, 'analytics') === $one, 'a batch of 1001 values equals pseudonymise() value by value, including the empty one');
check($engine->pseudonymiseBatch(['', ''], 'analytics') === [$one[1000], $one[1000]], 'a batch of empty values');
check($engine->pseudonymiseBatch(['b' => 'x', 'a' => 'y'], 'analytics') === ['b' => $engine->pseudonymise('analytics', 'x'), 'a' => $engine->pseudonymise('analytics', 'y')], 'a batch keeps the input keys');
$withNewlines = ["line one\nline two", '', "\n", "trailing\r"];
check($engine->pseudonymiseBatch($withNewlines, 'analytics') === array_map(fn (string $v): string => $engine->pseudonymise('analytics', $v), $withNewlines), 'values with newlines take the pointer-array path and match');
check($engine->pseudonymiseBatch([], 'analytics') === [], 'an empty batch');
throws('a batch with a non-string', fn () => $engine->pseudonymiseBatch(['x', null], 'analytics'), TypeError::class, null, ['key 1', 'null']);
throws('a batch with an empty domain', fn () => $engine->pseudonymiseBatch(['x'], ''), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('a batch with invalid UTF-8 in the domain', fn () => $engine->pseudonymiseBatch(["x\ny"], "\xff"), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_UTF8);

// --- key rotation ---------------------------------------------------------------------------------

$rotating = new Engine($policyJson, $key, 1);
$before = $rotating->pseudonymise('analytics', 'v');
$rotating->rotateKey(123456, 'the next master secret, 32 bytes or more');
check($rotating->keyVersion() === 123456, 'rotateKey() makes the new version current');
check($rotating->pseudonymLength() === 40, 'tokens grow with the version number');
check(str_starts_with($rotating->pseudonymise('analytics', 'v'), 'k123456_') && $rotating->pseudonymise('analytics', 'v') !== $before, 'new tokens carry the new version');
$batch = $rotating->pseudonymiseBatch(['v', 'w'], 'analytics');
check(strlen($batch[0]) === 40 && $batch[0] === $rotating->pseudonymise('analytics', 'v'), 'the batch sizes its buffer for the longer tokens');
throws('rotating to a version in use', fn () => $rotating->rotateKey(1, 'another master secret of 32 bytes or more'), \Zweck\KeyException::class, ZweckException::KEY_INVALID);
throws('rotating to a short key', fn () => $rotating->rotateKey(2, 'short'), \Zweck\KeyException::class, ZweckException::KEY_INVALID);
throws('rotating to a negative version', fn () => $rotating->rotateKey(-2, $key), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
check($rotating->keyVersion() === 123456, 'a failed rotation keeps the current key');

// --- re-identification -----------------------------------------------------------------------------

$vaulted = new Engine($policyJson, $key, 1, vault: true);
$fraudView = $vaulted->view($record, 'c-1042', 'fraud', $now);
$fraudToken = $fraudView['record']['email'];
$who = $vaulted->reidentify($fraudToken, 'fraud', $now);
check($who === ['token' => $fraudToken, 'subject' => 'c-1042', 'field' => 'email', 'value' => 'jane.doe@example.com'], 'fraud re-identifies a token its view released: ' . json_encode($who));
throws('re-identification for a purpose without "reidentify"', fn () => $vaulted->reidentify($fraudToken, 'analytics', $now), \Zweck\DeniedException::class, ZweckException::DENIED);
throws('re-identification of a token never released', fn () => $vaulted->reidentify($vaulted->pseudonymise('fraud', 'x'), 'fraud', $now), \Zweck\DeniedException::class, ZweckException::DENIED);
throws('re-identification without the vault', fn () => $engine->reidentify($fraudToken, 'fraud', $now), \Zweck\DeniedException::class, ZweckException::DENIED);
throws('re-identification of a malformed token', fn () => $vaulted->reidentify('not-a-token', 'fraud', $now), \Zweck\InvalidArgumentException::class, ZweckException::MALFORMED_TOKEN);
throws('re-identification for an unknown purpose', fn () => $vaulted->reidentify($fraudToken, 'frod', $now), \Zweck\UnknownPurposeException::class, ZweckException::UNKNOWN_PURPOSE, ['fraud']);

// --- rights: export, erasure, retention ------------------------------------------------------------

$export = $engine->exportSubject('c-1042', $record, $now);
check(($export['done'] ?? null) === true && is_array($export['data'] ?? null) && $export['data'] !== [], 'an export has the WooCommerce exporter shape: data and done');
$groupOk = true;
foreach ($export['data'] as $item) {
    $groupOk = $groupOk && is_string($item['group_id'] ?? null) && is_string($item['group_label'] ?? null)
        && array_key_exists('item_id', $item) && is_array($item['data'] ?? null);
    foreach ($item['data'] ?? [] as $pair) {
        $groupOk = $groupOk && array_key_exists('name', $pair) && array_key_exists('value', $pair);
    }
}
check($groupOk, 'every export item has group_id, group_label, item_id and name/value data');
check($export['subject'] === 'c-1042' && $export['erased'] === false, 'the export names the subject');
check(str_contains(json_encode($export), 'cookie banner v3'), 'the export contains the consent history');
check(str_contains(json_encode($export, JSON_UNESCAPED_UNICODE), 'lactose-free'), 'the export contains the record');
$bare = $engine->exportSubject('c-1042');
check($bare['done'] === true && !str_contains(json_encode($bare), 'lactose-free'), 'an export without a record, at the current time');
throws('an export with a malformed record', fn () => $engine->exportSubject('c-1042', '[1]', $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_JSON);
throws('an export for an invalid subject', fn () => $engine->exportSubject(''), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);

$steps = $engine->retentionDue(['email' => 'a@b.c', 'card_number' => '4242', 'loyalty_notes' => 'x'], $t('2020-01-01T00:00:00Z'), $now);
check(array_column($steps, 'field') === ['email', 'card_number', 'loyalty_notes'], 'one retention step per field, in order');
$actions = array_column($steps, 'action', 'field');
check(in_array($actions['email'], ['keep', 'pseudonymise', 'erase'], true) && $actions['loyalty_notes'] === 'erase', 'undeclared fields are due for erasure: ' . json_encode($actions));
throws('retention of a malformed record', fn () => $engine->retentionDue('nope', $now, $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_JSON);

check($engine->isErased('c-1042') === false, 'not erased yet');
$receipt = $engine->forgetSubject('c-1042', 'customer request via account page', $now + 300);
check(isset($receipt['subject_hash'], $receipt['erased'], $receipt['retained']) && !str_contains(json_encode($receipt), 'c-1042'), 'the erasure receipt never contains the subject id');
check($engine->isErased('c-1042') === true, 'isErased() after forgetSubject()');
check($engine->consentHistory('c-1042') === [], 'an erased subject has no history');
check($engine->decide('c-1042', 'order', 'email', $now + 400)->reason === 'subject_erased', 'every decision about an erased subject is denied');
$e = throws('a grant for an erased subject', fn () => $engine->grant('c-1042', 'marketing', $now + 400, 'banner'), \Zweck\SubjectErasedException::class, ZweckException::SUBJECT_ERASED);
check($e instanceof ZweckException && $e->statusName() === 'SUBJECT_ERASED', 'SUBJECT_ERASED by name');
throws('forgetting twice', fn () => $engine->forgetSubject('c-1042', 'again', $now + 500), \Zweck\SubjectErasedException::class, ZweckException::SUBJECT_ERASED);
throws('forgetting without a reason', fn () => $engine->forgetSubject('c-7', '', $now), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
check($engine->exportSubject('c-1042', null, $now + 600)['erased'] === true, 'the export says the subject was erased');

// --- signals: TCF and GPC --------------------------------------------------------------------------

/**
 * A TCF v2.2 core segment (service-specific, CMP 28, policy version 5), laid out as in IAB Tech
 * Lab's "Transparency and Consent String with Global Vendor & CMP List Formats"; the same layout
 * tests/signals.rs builds.
 *
 * @param list<int> $consents purposes with consent
 * @param list<int> $li       purposes with legitimate interest established
 */
function tcString(int $updated, array $consents, array $li): string
{
    $bits = '';
    $int = function (int $value, int $width) use (&$bits): void {
        $bits .= str_pad(decbin($value), $width, '0', STR_PAD_LEFT);
    };
    $flags = function (array $ids, int $width) use (&$bits): void {
        for ($i = 1; $i <= $width; $i++) {
            $bits .= in_array($i, $ids, true) ? '1' : '0';
        }
    };
    $letters = function (string $s) use ($int): void {
        foreach (str_split($s) as $c) {
            $int(ord($c) - ord('A'), 6);
        }
    };
    $ds = $updated * 10;
    $int(2, 6);
    $int($ds, 36);
    $int($ds, 36);
    $int(28, 12);
    $int(2, 12);
    $int(1, 6);
    $letters('DE');
    $int(120, 12);
    $int(5, 6);
    $flags([1], 1);      // IsServiceSpecific
    $flags([], 1);       // UseNonStandardTexts
    $flags([], 12);      // SpecialFeatureOptIns
    $flags($consents, 24);
    $flags($li, 24);
    $flags([], 1);       // PurposeOneTreatment
    $letters('DE');
    foreach ([0, 1] as $section) { // vendor consents, vendor legitimate interests: none, range encoded
        $int(0, 16);
        $flags([1], 1);
        $int(0, 12);
    }
    $int(0, 12);         // publisher restrictions
    $alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    $out = '';
    foreach (str_split($bits, 6) as $chunk) {
        $out .= $alphabet[bindec(str_pad($chunk, 6, '0'))];
    }
    return $out;
}

$tcPolicy = json_decode($policyJson, true);
$tcPolicy['tcf'] = ['purposes' => ['1' => ['marketing'], '3' => ['marketing.personalisation'], '4' => ['marketing.personalisation'], '7' => ['analytics']]];
$tcEngine = new Engine(json_encode($tcPolicy), $key, 1);
$tcNow = $t('2025-07-01T12:00:00Z');
$tc = tcString($t('2025-06-02T00:00:00Z'), [1, 3, 4], [7]);
$decoded = $tcEngine->decodeTcf($tc);
check($decoded['cmp_id'] === 28 && $decoded['purpose_consents'] === [1, 3, 4] && $decoded['purpose_legitimate_interests'] === [7]
    && $decoded['last_updated'] === '2025-06-02T00:00:00Z' && $decoded['is_service_specific'] === true, 'decodeTcf() of a built string: ' . json_encode($decoded));
$summary = $tcEngine->recordTcf('c-tcf', $tc, $tcNow);
check($summary['granted'] === ['marketing', 'marketing.personalisation'] && $summary['events'] === 2 && $summary['duplicate'] === false, 'recordTcf() grants the mapped purposes: ' . json_encode($summary));
check($tcEngine->decide('c-tcf', 'marketing.personalisation', 'order_history', $tcNow)->allowed(), 'the TC string changes what the backend releases');
check($tcEngine->recordTcf('c-tcf', $tc, $tcNow)['duplicate'] === true, 'the same string twice is recorded once');
// iabtcf-java iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java at commit
// 112c268895c2b9d7ee6c26e4fa1a4c688a976bab, testCanConstructTCModelFromBase64String (also in tests/tcf_vectors.rs).
$java = $zweck->decodeTcf('COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA');
check($java['cmp_id'] === 675 && $java['purpose_consents'] === [2, 10] && $java['consent_language'] === 'EN' && $java['created'] === '2020-01-26T17:01:00Z', 'decodeTcf() of the iabtcf-java vector');
throws('decoding a malformed TC string', fn () => $zweck->decodeTcf('COty bn4'), \Zweck\TcfException::class, ZweckException::TCF_INVALID);
throws('decoding a truncated TC string', fn () => $tcEngine->decodeTcf('COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAA'), \Zweck\TcfException::class, ZweckException::TCF_INVALID);
throws('recording a TC string dated in the future', fn () => $tcEngine->recordTcf('c-tcf2', tcString($t('2025-08-01T00:00:00Z'), [1], []), $tcNow), \Zweck\TcfException::class, ZweckException::TCF_INVALID);
throws('recordTcf() without a "tcf" mapping', fn () => $fromJson->recordTcf('c-tcf', $tc, $tcNow), \Zweck\PolicyException::class, ZweckException::POLICY_INVALID, ['tcf']);
throws('recordTcf() with invalid UTF-8', fn () => $tcEngine->recordTcf('c-tcf', "\xff", $tcNow), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_UTF8);

$objected = $engine->recordGpc('c-gpc', $now, 'Sec-GPC header, shop frontend');
check($objected === ['marketing.ads', 'marketing.personalisation'] || (in_array('marketing.ads', $objected, true) && in_array('marketing.personalisation', $objected, true)), 'GPC objects to the sharing and targeted-advertising purposes: ' . json_encode($objected));
check($engine->recordGpc('c-gpc', $now + 1, 'Sec-GPC header, shop frontend') === [], 'GPC on every request is recorded once');
check($engine->consentHistory('c-gpc')[0]['action'] === 'object', 'GPC is an objection in the history');
throws('GPC with an empty source', fn () => $engine->recordGpc('c-gpc-2', $now, ''), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_ARGUMENT);
throws('GPC for an erased subject', fn () => $engine->recordGpc('c-1042', $now + 700, 'Sec-GPC'), \Zweck\SubjectErasedException::class, ZweckException::SUBJECT_ERASED);

// --- transparency and audit ------------------------------------------------------------------------

$notice = $engine->notice();
check(str_contains($notice, 'Kiezkaufhaus') && str_starts_with($notice, '#'), 'notice() is Markdown naming the shop');
$records = $engine->processingRecords();
check($records['format'] === 'zweck.processing_records.v1' && count($records['purposes']) === 10, 'processingRecords() has one entry per purpose');

$engine->flushAudit();
$report = $engine->verifyAudit();
check($report['entries'] > 0 && $report['head']['count'] === $report['entries'] && strlen($report['head']['mac']) === 64, 'verifyAudit() checks every entry: ' . json_encode($report));
$engine->decide('c-9', 'marketing.email', 'email', $now);
$engine->flushAudit();
$again = $engine->verifyAudit($report['head']);
check($again['entries'] > $report['entries'], 'verifyAudit() with an earlier head as anchor');
throws('an anchor beyond the log', fn () => $engine->verifyAudit(['count' => $again['entries'] + 10, 'mac' => $report['head']['mac']]), \Zweck\AuditBrokenException::class, ZweckException::AUDIT_BROKEN);
throws('a malformed anchor', fn () => $engine->verifyAudit(['count' => 'many']), \Zweck\InvalidArgumentException::class, ZweckException::INVALID_JSON);
$silent = new Engine($policyJson, $key, 1, audit: AuditMode::Off);
throws('verifyAudit() with audit off', fn () => $silent->verifyAudit(), \Zweck\AuditBrokenException::class, ZweckException::AUDIT_BROKEN);
$silent->flushAudit();
check(true, 'flushAudit() with audit off does nothing');

// --- journal, locks, compaction and the engine's lifetime -----------------------------------------

$journal = "{$dir}/shop.journal";
$durable = new Engine($policyJson, $key, 1, journal: $journal);
$durable->grant('c-1', 'marketing', $banner, 'banner');
$durable->grant('c-2', 'marketing', $banner, 'banner');
$e = throws('a second engine on an open journal', fn () => new Engine($policyJson, $key, 1, journal: $journal), \Zweck\LockedException::class, ZweckException::LOCKED);
check($e instanceof \Zweck\StorageException, 'LockedException is a StorageException');
$durable->forgetSubject('c-2', 'customer request', $now);
$stats = $durable->compact();
check($stats['records_after'] < $stats['records_before'] && $stats['bytes_after'] < $stats['bytes_before'], 'compact() drops the erased records: ' . json_encode($stats));
$durable->close();
$durable->close();
check(true, 'close() twice is fine');
throws('a call after close()', fn () => $durable->keyVersion(), LogicException::class, null, ['closed']);
$reopened = new Engine($policyJson, $key, 1, journal: $journal);
check(count($reopened->consentHistory('c-1')) === 1 && $reopened->isErased('c-2'), 'a reopened journal has the consents and the erasure');
unset($reopened);
$third = new Engine($policyJson, $key, 1, journal: $journal);
check($third->isErased('c-2'), 'dropping the engine object closed the journal (__destruct)');
$third->rotateKey(2, 'the second master secret, 32 bytes or more');
unset($third);
throws('reopening a rotated journal without the older key', fn () => new Engine($policyJson, 'the second master secret, 32 bytes or more', 2, journal: $journal), \Zweck\KeyException::class);
$fourth = new Engine($policyJson, 'the second master secret, 32 bytes or more', 2, journal: $journal, olderKeys: [1 => $key]);
check($fourth->keyVersion() === 2 && $fourth->isErased('c-2'), 'reopening with olderKeys');
unset($fourth);
file_put_contents($journal, 'this is not a journal');
throws('a damaged journal', fn () => new Engine($policyJson, $key, 1, journal: $journal), \Zweck\StorageException::class, ZweckException::CORRUPT);

// Many calls that return owned strings: each is released in a finally, so this only checks that
// the loop runs; ASan in the C tests covers the library's side.
for ($i = 0; $i < 2000; $i++) {
    $engine->view($record, 'c-9', 'support', $now);
    try {
        $engine->view($record, 'c-9', 'suport', $now);
    } catch (\Zweck\UnknownPurposeException) {
    }
}
check(true, '4000 views, half of them failing');

echo "{$passed} passed, {$failed} failed\n";
exit($failed === 0 ? 0 : 1);
