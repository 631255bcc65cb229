<?php
// What a php-fpm request does with zweck (see README.md beside this file): build a memory engine,
// feed it the customer's consents from the shop database, ask it what the purpose may see.
//
// No require: the zweck classes and the C declarations were preloaded (preload.php, php.ini).
// Run it the way php-fpm would, on the CLI:
//   LD_LIBRARY_PATH=target/release php -d ffi.enable=preload -d ffi.preload=include/zweck_php.h \
//     -d opcache.enable_cli=1 -d opcache.preload=examples/php/fpm/preload.php \
//     -d opcache.preload_user=$(whoami) examples/php/fpm/request.php

declare(strict_types=1);

use Zweck\AuditMode;
use Zweck\Engine;

/**
 * The consents the shop database holds for one customer (a `consents` table the checkout, the
 * cookie banner and the unsubscribe link write to). Here: fixed rows.
 *
 * @return list<array{action: string, purpose: string, at: string, source: string, notice_version: int, explicit: bool}>
 */
function consentsFromShopDatabase(string $customer): array
{
    return [
        ['action' => 'grant', 'purpose' => 'marketing', 'at' => '2026-03-02T09:15:00Z', 'source' => 'cookie banner v3', 'notice_version' => 3, 'explicit' => false],
        ['action' => 'withdraw', 'purpose' => 'marketing.email', 'at' => '2026-06-10T07:30:00Z', 'source' => 'unsubscribe link', 'notice_version' => 3, 'explicit' => false],
    ];
}

// The master secret from the environment (`env[ZWECK_MASTER_KEY_HEX] = ...` in the pool config, or a
// secret store); this demo key is public.
$keyHex = getenv('ZWECK_MASTER_KEY_HEX');
$key = $keyHex !== false && $keyHex !== '' ? hex2bin($keyHex) : 'zweck demo key - never use in production!';

// One memory engine per request: PHP objects do not outlive a request under php-fpm. The consent
// proof and the audit trail live in the shop database, so this engine keeps no audit trail.
$engine = Engine::fromPolicyFile(__DIR__ . '/../../shop_policy.json', $key, 1, audit: AuditMode::Off);
$customer = 'c-1042';
foreach (consentsFromShopDatabase($customer) as $row) {
    $at = new DateTimeImmutable($row['at']);
    match ($row['action']) {
        'grant' => $engine->grant($customer, $row['purpose'], $at, $row['source'], $row['notice_version'], explicit: $row['explicit']),
        'withdraw' => $engine->withdraw($customer, $row['purpose'], $at, $row['source'], $row['notice_version']),
        'object' => $engine->object($customer, $row['purpose'], $at, $row['source'], $row['notice_version']),
    };
}

$record = ['customer_id' => $customer, 'name' => 'Jane Doe', 'email' => 'Jane.Doe@Example.com', 'postcode' => '10999'];
$now = new DateTimeImmutable('2026-06-15T12:00:00Z');
$preloaded = function_exists('opcache_get_status')
    && in_array(Engine::class, opcache_get_status(false)['preload_statistics']['classes'] ?? [], true);
echo 'zweck ', $engine->version(), ', classes preloaded: ', $preloaded ? 'yes' : 'no', "\n";
foreach (['marketing.email', 'marketing.personalisation', 'analytics'] as $purpose) {
    echo $purpose, ': ', json_encode($engine->view($record, $customer, $purpose, $now)['record'], JSON_UNESCAPED_SLASHES), "\n";
}
