<?php
/**
 * Pseudonymising a batch of values from PHP: zweck through FFI against a PHP loop over hash_hmac()
 * that produces the same tokens, in the same process, rounds interleaved.
 *
 *     cargo build --release --lib
 *     ZWECK_LIB=target/release/libzweck.so php -d ffi.enable=1 benches/php/pseudonymise.php
 *
 * Environment: ZWECK_LIB (path of libzweck.so; default target/release/libzweck.so of this
 * checkout), ZWECK_PHP_VALUES (values per batch, default 100000), ZWECK_PHP_ROUNDS (default 15).
 *
 * Rows (times are per batch, including the PHP work each way needs to turn a PHP array of values
 * into a PHP array of tokens):
 *   hash_hmac loop     foreach value: 'k1_' . substr(hash_hmac('sha256', $v, $domainKey), 0, 32)
 *   FFI packed         implode("\n") copied into a C buffer, one zweck_pseudonymise_packed()
 *                      call, explode("\n")
 *   FFI batch          pointer and length arrays filled per value, one zweck_pseudonymise_batch()
 *                      call, explode("\n")
 * The domain key of the hash_hmac loop is derived in PHP with hash_hkdf() exactly as the pseudonym
 * contract says (salt "zweck/v1", info = domain), so both sides must produce identical tokens; the
 * script checks that before timing anything.
 */

declare(strict_types=1);

const DOMAIN = 'analytics';
const KEY_VERSION = 1;

$library = getenv('ZWECK_LIB') ?: __DIR__ . '/../../target/release/libzweck.so';
$header = __DIR__ . '/../../include/zweck_php.h';
$count = max(1, (int) (getenv('ZWECK_PHP_VALUES') ?: 100000));
$rounds = (int) (getenv('ZWECK_PHP_ROUNDS') ?: 15);

// FFI::cdef() takes the declarations without the FFI_SCOPE / FFI_LIB lines.
$declarations = preg_replace('/^#define FFI_(SCOPE|LIB) .*$/m', '', (string) file_get_contents($header));
$ffi = FFI::cdef($declarations, $library);

function check(FFI $ffi, int $status, string $what): void
{
    if ($status !== 0) {
        fwrite(STDERR, "{$what} failed: " . $ffi->zweck_status_str($status) . ': ' . $ffi->zweck_last_error_message() . "\n");
        exit(1);
    }
}

$policy = json_encode([
    'name' => 'PHP benchmark',
    'vocabulary' => 'off',
    'purposes' => [['key' => DOMAIN, 'description' => 'Statistics', 'basis' => 'legitimate_interests']],
    'fields' => [['name' => 'email', 'category' => 'user.contact.email', 'purposes' => [DOMAIN => ['pseudonymise' => DOMAIN]]]],
]);
$master = '';
for ($i = 0; $i < 32; $i++) {
    $master .= chr($i);
}
$masterC = FFI::new('uint8_t[32]');
FFI::memcpy($masterC, $master, 32);
$engine = $ffi->new('struct zweck_engine *');
check($ffi, $ffi->zweck_engine_new($policy, $masterC, 32, KEY_VERSION, FFI::addr($engine)), 'zweck_engine_new');

// The pseudonym contract, in PHP: K_d = HKDF-SHA256(salt "zweck/v1", IKM master, info domain, 32).
$domainKey = hash_hkdf('sha256', $master, 32, DOMAIN, 'zweck/v1');
$prefix = 'k' . KEY_VERSION . '_';

$values = [];
for ($i = 0; $i < $count; $i++) {
    $values[] = "customer{$i}@example.com";
}
$tokenLen = strlen($prefix) + 32;
$outLen = $count * ($tokenLen + 1);
$out = FFI::new("char[{$outLen}]", false);
$written = FFI::new('size_t');
$ptrs = FFI::new("const uint8_t *[{$count}]", false);
$lens = FFI::new("size_t[{$count}]", false);

$rows = [
    'hash_hmac loop' => function () use ($values, $domainKey, $prefix): array {
        $tokens = [];
        foreach ($values as $v) {
            $tokens[] = $prefix . substr(hash_hmac('sha256', $v, $domainKey), 0, 32);
        }
        return $tokens;
    },
    'FFI packed' => function () use ($ffi, $engine, $values, $out, $outLen, $written): array {
        // FFI passes PHP strings only to `char *` parameters; the input is `const uint8_t *`, so it
        // is copied once into a C buffer.
        $input = implode("\n", $values);
        $n = strlen($input);
        $buf = FFI::new('uint8_t[' . max(1, $n) . ']', false);
        FFI::memcpy($buf, $input, $n);
        $status = $ffi->zweck_pseudonymise_packed($engine, DOMAIN, $buf, $n, $out, $outLen, FFI::addr($written));
        FFI::free($buf);
        check($ffi, $status, 'packed');
        return explode("\n", FFI::string($out, $written->cdata - 1));
    },
    'FFI batch' => function () use ($ffi, $engine, $values, $out, $outLen, $written, $ptrs, $lens, $count): array {
        // PHP strings are immutable and their buffers are not addressable through FFI without a
        // copy, so each value is copied once into one C buffer and pointed into.
        $joined = implode('', $values);
        $buf = FFI::new('uint8_t[' . max(1, strlen($joined)) . ']', false);
        FFI::memcpy($buf, $joined, strlen($joined));
        $offset = 0;
        foreach ($values as $i => $v) {
            $n = strlen($v);
            $ptrs[$i] = FFI::addr($buf[$offset]);
            $lens[$i] = $n;
            $offset += $n;
        }
        check($ffi, $ffi->zweck_pseudonymise_batch($engine, DOMAIN, $ptrs, $lens, $count, $out, $outLen, FFI::addr($written)), 'batch');
        FFI::free($buf);
        return explode("\n", FFI::string($out, $written->cdata - 1));
    },
];

// Same tokens on every path, before any timing.
$expected = $rows['hash_hmac loop']();
foreach ($rows as $name => $run) {
    if ($run() !== $expected) {
        fwrite(STDERR, "{$name} produced different tokens than the hash_hmac loop\n");
        exit(1);
    }
}

$load = fn (): string => implode(' ', array_map(fn ($x) => sprintf('%.2f', $x), sys_getloadavg() ?: []));
printf("PHP %s, FFI, %d values of %d-%d bytes per batch, %d rounds, load average before: %s\n",
    PHP_VERSION, $count, strlen($values[0]), strlen($values[$count - 1]), $rounds, $load());

$samples = array_fill_keys(array_keys($rows), []);
for ($r = 0; $r < $rounds + 1; $r++) {
    foreach ($rows as $name => $run) {
        $t = hrtime(true);
        $tokens = $run();
        $ns = hrtime(true) - $t;
        if ($r > 0) { // round 0 warms up
            $samples[$name][] = $ns;
        }
        unset($tokens);
    }
}

function median(array $xs): float
{
    sort($xs);
    $n = count($xs);
    return $n % 2 ? (float) $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2;
}

$base = median($samples['hash_hmac loop']);
echo "\n| row | median ms per batch | ns per value | speed-up vs hash_hmac loop | target | result |\n";
echo "|---|---:|---:|---:|---|---|\n";
foreach ($samples as $name => $xs) {
    $m = median($xs);
    $speedup = $base / $m;
    $isLoop = $name === 'hash_hmac loop';
    printf("| %s | %.2f | %.0f | %.2f | %s | %s |\n", $name, $m / 1e6, $m / $count, $speedup,
        $isLoop ? '—' : '≥ 5.00', $isLoop ? '—' : ($speedup >= 5.0 ? 'PASS' : 'MISS'));
}
printf("\nload average after: %s\n", $load());
$ffi->zweck_engine_free($engine);
FFI::free($out);
FFI::free($ptrs);
FFI::free($lens);
