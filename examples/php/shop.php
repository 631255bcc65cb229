<?php
// The main job from PHP: a shop backend asks zweck what each purpose may see of one customer.
//
// The same story as examples/shop.rs (`cargo run --example shop`), through the C library:
//
//   cargo build --release
//   ZWECK_LIB=target/release/libzweck.so php -d ffi.enable=1 examples/php/shop.php
//
// It loads the shop policy shipped beside the Rust example, records consents as a cookie banner and
// a preferences page would, prints what each purpose sees of the same customer record and why,
// withdraws the newsletter consent, then answers an access request (export) and an erasure request.

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

use Zweck\Engine;
use Zweck\Zweck;
use Zweck\ZweckException;

/** Purposes shown side by side. */
const PURPOSES = ['order.fulfilment', 'support', 'marketing.email', 'marketing.personalisation', 'analytics', 'fraud'];
const WIDTH = 22;

/**
 * One table row per field, one column per purpose: the released value, or "- reason".
 *
 * @param array<string, mixed> $record
 */
function printSideBySide(Engine $engine, array $record, string $customer, int $at): void
{
    $views = [];
    foreach (PURPOSES as $purpose) {
        $views[$purpose] = $engine->view($record, $customer, $purpose, $at);
    }
    echo '  ' . pad('field', 14);
    foreach (PURPOSES as $purpose) {
        echo ' ' . pad($purpose === 'marketing.personalisation' ? 'marketing.personal.' : $purpose, WIDTH);
    }
    echo "\n";
    foreach (array_keys($record) as $field) {
        echo '  ' . pad($field, 14);
        foreach ($views as $view) {
            if (array_key_exists($field, $view['record'])) {
                $cell = render($view['record'][$field]);
            } else {
                $decision = array_column($view['decisions'], null, 'field')[$field] ?? null;
                $cell = '- ' . ($decision['reason'] ?? '?');
            }
            echo ' ' . pad(clip($cell), WIDTH);
        }
        echo "\n";
    }
}

function render(mixed $value): string
{
    return match (true) {
        is_string($value) => $value,
        is_array($value) => '[' . count($value) . ' items]',
        default => json_encode($value, JSON_THROW_ON_ERROR),
    };
}

/** Pads to a width in characters (str_pad counts bytes, which misaligns "ß" and "…"). */
function pad(string $s, int $width): string
{
    return $s . str_repeat(' ', max(0, $width - chars($s)));
}

function clip(string $s): string
{
    return chars($s) <= WIDTH ? $s : implode('', array_slice(preg_split('//u', $s, -1, PREG_SPLIT_NO_EMPTY), 0, WIDTH - 1)) . '…';
}

/** The length in characters of UTF-8 text (without needing the mbstring extension). */
function chars(string $s): int
{
    return (int) preg_match_all('/./su', $s);
}

function main(): void
{
    // A real deployment loads its master secret from a secret store; this demo key is public.
    $engine = Engine::fromPolicyFile(
        __DIR__ . '/../shop_policy.json',
        'zweck demo key - never use in production!',
        keyVersion: 1,
    );

    $records = $engine->processingRecords();
    printf("Policy \"%s\": %d purposes (zweck %s)\n", $records['name'], count($records['purposes']), $engine->version());
    foreach ($records['purposes'] as $purpose) {
        printf("  %-27s %-21s %s\n", $purpose['key'], $purpose['legal_basis'], $purpose['description']);
    }

    $customer = 'c-1042';
    $record = [
        'customer_id' => 'c-1042',
        'name' => 'Jane Doe',
        'email' => 'Jane.Doe@Example.com',
        'phone' => '+49 170 1234567',
        'street' => 'Oranienstraße 12',
        'postcode' => '10999',
        'birth_date' => '1988-04-23',
        'ip_address' => '203.0.113.77',
        'order_history' => ['A-1001 running shoes', 'A-1177 rain jacket'],
        'card_number' => '4242 4242 4242 4242',
        'dietary_needs' => 'lactose-free',
        'loyalty_notes' => 'VIP, complained twice',
    ];

    // The cookie banner (notice version 3) and, later, the preferences page with an explicit consent
    // to use dietary needs for recommendations (special-category data, Art. 9 GDPR).
    $engine->grant($customer, 'marketing', new DateTimeImmutable('2026-03-02T09:15:00Z'), source: 'cookie banner v3', noticeVersion: 3);
    $engine->grant(
        $customer,
        'marketing.personalisation',
        new DateTimeImmutable('2026-03-05T18:40:00Z'),
        source: 'preferences page: dietary needs for recommendations',
        noticeVersion: 3,
        explicit: true,
    );

    $now = new DateTimeImmutable('2026-06-01T12:00:00Z');
    echo "\nWhat each purpose sees of customer {$customer} on {$now->format('Y-m-d\TH:i:s\Z')}:\n";
    printSideBySide($engine, $record, $customer, $now->getTimestamp());

    $engine->withdraw($customer, 'marketing.email', new DateTimeImmutable('2026-06-10T07:30:00Z'), 'unsubscribe link in newsletter');
    $later = new DateTimeImmutable('2026-06-15T12:00:00Z');
    echo "\nAfter the customer unsubscribed from the newsletter, on {$later->format('Y-m-d\TH:i:s\Z')}:\n";
    printSideBySide($engine, $record, $customer, $later->getTimestamp());

    echo "\nWhy, field by field, for marketing.email:\n";
    foreach ($engine->view($record, $customer, 'marketing.email', $later)['decisions'] as $d) {
        printf("  %-14s %-5s %-14s %s\n", $d['field'], $d['effect'], $d['treatment'], Zweck::instance()->explainReason($d['reason']));
    }

    echo "\nConsent history of {$customer} (proof of consent, Art. 7(1) GDPR):\n";
    foreach ($engine->consentHistory($customer) as $e) {
        printf(
            "  %s  %-8s %-26s notice v%d  source: %s%s\n",
            $e['at'],
            $e['action'],
            $e['purpose'],
            $e['notice_version'],
            $e['source'],
            ($e['explicit'] ?? false) ? ' (explicit)' : '',
        );
    }

    // Right of access (Art. 15 GDPR): the export is a WooCommerce personal-data exporter response.
    $export = $engine->exportSubject($customer, $record, $later);
    $groups = array_count_values(array_column($export['data'], 'group_label'));
    echo "\nExport for {$customer}: " . count($export['data']) . ' items, done: ' . ($export['done'] ? 'true' : 'false') . "\n";
    foreach ($groups as $label => $count) {
        printf("  %-32s %d\n", $label, $count);
    }

    // Right to be forgotten (Art. 17 GDPR).
    $receipt = $engine->forgetSubject($customer, 'customer request via account page', new DateTimeImmutable('2026-06-20T08:00:00Z'));
    echo "\nErased {$customer}: subject hash {$receipt['subject_hash']}\n";
    foreach ($receipt['erased'] as $erased) {
        printf("  erased   %-40s %d\n", $erased['what'], $erased['count']);
    }
    foreach ($receipt['retained'] as $kept) {
        printf("  retained %-14s for %-16s (%s, %s)\n", $kept['field'], $kept['purpose'], $kept['basis'], $kept['retention']);
    }
    $after = $engine->decide($customer, 'order.fulfilment', 'street', new DateTimeImmutable('2026-06-21T00:00:00Z'));
    echo "  order.fulfilment may see the street afterwards: {$after->effect} ({$after->reason})\n";
    try {
        $engine->grant($customer, 'marketing', new DateTimeImmutable('2026-06-22T00:00:00Z'), source: 'cookie banner v3');
    } catch (ZweckException $e) {
        echo "  a new consent for {$customer}: {$e->statusName()}\n";
    }
}

try {
    main();
} catch (ZweckException $e) {
    fwrite(STDERR, "error ({$e->statusName()}): {$e->getMessage()}\n");
    exit(1);
}
