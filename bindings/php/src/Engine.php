<?php

declare(strict_types=1);

namespace Zweck;

/**
 * A zweck engine: one policy, one key ring and one consent ledger. Every question a shop backend
 * asks zweck ("may marketing see this email?", "what does analytics get of this record?") goes to
 * an engine.
 *
 *     $engine = \Zweck\Engine::fromPolicyFile('/etc/shop/policy.json', $key, keyVersion: 1);
 *     $engine->grant('c-1042', 'marketing', time(), source: 'cookie banner v3');
 *     $view = $engine->view($customerRow, 'c-1042', 'marketing.email', time());
 *     send_newsletter($view['record']);       // only the fields marketing.email may see
 *
 * Times are Unix seconds or DateTimeInterface. Records are PHP arrays (or JSON text); results are
 * PHP arrays decoded from zweck's JSON. Every failure throws a ZweckException subclass whose code
 * is the C status. The engine is released when the object is destroyed, or earlier with close().
 *
 * With the default in-memory state, consents live as long as this object; a php-fpm worker feeds
 * them from the shop database or keeps the engine for the worker's life. A journal keeps them on
 * disk, but only one process may open a journal (LockedException): see examples/php/fpm/README.md.
 */
final class Engine
{
    private readonly Zweck $zweck;
    private readonly \FFI $ffi;
    private ?\FFI\CData $engine;

    /**
     * @param string                       $policyJson the policy document as JSON text
     * @param string                       $key        the master secret, 32 to 64 bytes, from a secret store
     * @param int                          $keyVersion its version, carried by every token (`k1_...`)
     * @param string|null                  $journal    path of the journal file that keeps consents, erasures and the
     *                                                 vault across restarts; null keeps them in memory
     * @param bool                         $vault      remember released pseudonyms so that purposes marked
     *                                                 "reidentify": true can resolve them with reidentify()
     * @param AuditMode                    $audit      what the audit trail records
     * @param array<int, string>           $olderKeys  version => secret of keys a journal was written with before a
     *                                                 rotateKey()
     * @param Zweck|null                   $zweck      the library; default Zweck::instance()
     * @throws PolicyException          if the policy is invalid (the message gives the path or line and column)
     * @throws KeyException             if a key is not 32 to 64 bytes or a version is used twice
     * @throws LockedException          if another engine, in any process, has the journal open
     * @throws StorageException         if the journal cannot be opened or is damaged
     * @throws InvalidArgumentException for NUL bytes, invalid UTF-8 or a version outside 0..4294967295
     */
    public function __construct(
        string $policyJson,
        #[\SensitiveParameter] string $key,
        int $keyVersion,
        ?string $journal = null,
        bool $vault = false,
        AuditMode $audit = AuditMode::Full,
        #[\SensitiveParameter] array $olderKeys = [],
        ?Zweck $zweck = null,
    ) {
        $this->zweck = $zweck ?? Zweck::instance();
        $this->ffi = $this->zweck->ffi();
        $this->engine = null;
        $z = $this->zweck;
        $ffi = $this->ffi;

        $policyJson = $z->cString($policyJson, 'policyJson');
        $keyVersion = $this->u32($keyVersion, 'keyVersion');
        $options = $ffi->new('zweck_engine_options*');
        $z->check($ffi->zweck_engine_options_new(\FFI::addr($options)));
        $keyBuffer = null;
        try {
            if ($journal !== null) {
                $z->check($ffi->zweck_engine_options_set_journal($options, $z->cString($journal, 'journal')));
            }
            $z->check($ffi->zweck_engine_options_set_vault($options, $vault ? 1 : 0));
            $z->check($ffi->zweck_engine_options_set_audit($options, $audit->value));
            foreach ($olderKeys as $version => $older) {
                if (!\is_int($version) || !\is_string($older)) {
                    throw $z->invalid(
                        ZweckException::INVALID_ARGUMENT,
                        '`olderKeys` maps key versions (int) to secrets (string)',
                    );
                }
                $buffer = $z->bytes($older);
                try {
                    $z->check($ffi->zweck_engine_options_add_key(
                        $options,
                        $this->u32($version, 'olderKeys version'),
                        $buffer,
                        \strlen($older),
                    ));
                } finally {
                    $z->wipe($buffer);
                }
            }
            $keyBuffer = $z->bytes($key);
            $engine = $ffi->new('zweck_engine*');
            $z->check($ffi->zweck_engine_new_with_options(
                $policyJson,
                $keyBuffer,
                \strlen($key),
                $keyVersion,
                $options,
                \FFI::addr($engine),
            ));
            $this->engine = $engine;
        } finally {
            if ($keyBuffer !== null) {
                $z->wipe($keyBuffer);
            }
            $ffi->zweck_engine_options_free($options);
        }
    }

    /**
     * An engine for the policy in the JSON file at $policyPath; the other arguments are those of
     * the constructor.
     *
     * @param array<int, string> $olderKeys
     * @throws \RuntimeException if the file cannot be read; otherwise as the constructor
     */
    public static function fromPolicyFile(
        string $policyPath,
        #[\SensitiveParameter] string $key,
        int $keyVersion,
        ?string $journal = null,
        bool $vault = false,
        AuditMode $audit = AuditMode::Full,
        #[\SensitiveParameter] array $olderKeys = [],
        ?Zweck $zweck = null,
    ): self {
        $policy = @file_get_contents($policyPath);
        if ($policy === false) {
            throw new \RuntimeException("cannot read the zweck policy file {$policyPath}");
        }
        return new self($policy, $key, $keyVersion, $journal, $vault, $audit, $olderKeys, $zweck);
    }

    /** Releases the engine (closing its journal) when PHP drops the object. */
    public function __destruct()
    {
        $this->close();
    }

    /**
     * Releases the engine now: closes its journal, so another engine may open it, writes buffered
     * audit entries and zeroes the key material. Calling it again does nothing; any other method
     * then throws \LogicException.
     */
    public function close(): void
    {
        if ($this->engine !== null) {
            $engine = $this->engine;
            $this->engine = null;
            $this->ffi->zweck_engine_free($engine);
        }
    }

    /** The version of the loaded library, e.g. "0.1.0". */
    public function version(): string
    {
        return $this->zweck->version();
    }

    /** The current key version: the one new tokens carry. */
    public function keyVersion(): int
    {
        $version = $this->ffi->new('uint32_t');
        $this->zweck->check($this->ffi->zweck_key_version($this->handle(), \FFI::addr($version)));
        return $version->cdata;
    }

    // --- consent --------------------------------------------------------------------------------

    /**
     * Records that $subject granted consent for $purpose (and its child purposes).
     *
     * @param string                     $subject       the shop's customer id (1 to 256 bytes of UTF-8)
     * @param string                     $purpose       a purpose key the policy declares, e.g. "marketing"
     * @param int|\DateTimeInterface     $at            when the customer acted (not when it is recorded)
     * @param string                     $source        where it was collected, e.g. "cookie banner v3"
     * @param int|null                   $noticeVersion the privacy-notice version the customer saw; null: the
     *                                                  purpose's current one (right for a banner answered now)
     * @param int|\DateTimeInterface|null $expires      when the consent lapses; null: no expiry of its own
     * @param bool                       $explicit      explicit consent (Art. 9(2)(a) GDPR): needed for
     *                                                  special-category fields, and the only grant that
     *                                                  lifts an earlier objection
     * @throws UnknownPurposeException|SubjectErasedException|InvalidArgumentException|StorageException
     */
    public function grant(
        string $subject,
        string $purpose,
        int|\DateTimeInterface $at,
        string $source,
        ?int $noticeVersion = null,
        int|\DateTimeInterface|null $expires = null,
        bool $explicit = false,
    ): void {
        $this->zweck->check($this->ffi->zweck_consent_grant(
            $this->handle(),
            $this->zweck->cString($subject, 'subject'),
            $this->zweck->cString($purpose, 'purpose'),
            Zweck::seconds($at),
            $this->u32($noticeVersion ?? 0, 'noticeVersion'),
            $this->zweck->cString($source, 'source'),
            $expires === null ? 0 : Zweck::seconds($expires),
            $explicit ? 1 : 0,
        ));
    }

    /**
     * Records that $subject withdrew consent for $purpose and its children (Art. 7(3) GDPR).
     * Arguments as grant(); $source e.g. "unsubscribe link".
     *
     * @throws UnknownPurposeException|SubjectErasedException|InvalidArgumentException|StorageException
     */
    public function withdraw(
        string $subject,
        string $purpose,
        int|\DateTimeInterface $at,
        string $source,
        ?int $noticeVersion = null,
    ): void {
        $this->zweck->check($this->ffi->zweck_consent_withdraw(...$this->eventArgs($subject, $purpose, $at, $source, $noticeVersion)));
    }

    /**
     * Records that $subject objected to $purpose and its children (Art. 21 GDPR), e.g. to
     * legitimate-interests analytics. Only a later explicit grant lifts it. Arguments as grant().
     *
     * @throws UnknownPurposeException|SubjectErasedException|InvalidArgumentException|StorageException
     */
    public function object(
        string $subject,
        string $purpose,
        int|\DateTimeInterface $at,
        string $source,
        ?int $noticeVersion = null,
    ): void {
        $this->zweck->check($this->ffi->zweck_consent_object(...$this->eventArgs($subject, $purpose, $at, $source, $noticeVersion)));
    }

    /**
     * Every consent event of $subject, oldest first: the proof of consent (Art. 7(1) GDPR). Each is
     * ['subject', 'purpose', 'action' => 'grant'|'withdraw'|'object', 'at' (RFC 3339),
     * 'notice_version', 'source'] plus 'expires', 'explicit' and 'evidence' when set. An unknown
     * or erased subject gives [].
     *
     * @return list<array<string, mixed>>
     */
    public function consentHistory(string $subject): array
    {
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_consent_history(
            $this->handle(),
            $this->zweck->cString($subject, 'subject'),
            $out,
        ));
    }

    // --- access ---------------------------------------------------------------------------------

    /**
     * May $purpose see $field of $subject's record at $at, and in what form? A denial is an answer
     * (allowed() false, with the reason), not an exception; a purpose or field the policy does not
     * declare is a mistake in the calling code and throws, suggesting the closest declared name.
     *
     * @throws UnknownPurposeException|UnknownFieldException|InvalidArgumentException
     */
    public function decide(string $subject, string $purpose, string $field, int|\DateTimeInterface $at): Decision
    {
        $decision = $this->ffi->new('zweck_decision');
        $this->zweck->check($this->ffi->zweck_decide(
            $this->handle(),
            $this->zweck->cString($subject, 'subject'),
            $this->zweck->cString($purpose, 'purpose'),
            $this->zweck->cString($field, 'field'),
            Zweck::seconds($at),
            \FFI::addr($decision),
        ));
        return new Decision(
            $decision->effect === 1 ? 'allow' : 'deny',
            $this->ffi->zweck_treatment_str($decision->treatment),
            $this->ffi->zweck_reason_str($decision->reason),
            $this->ffi->zweck_reason_explain($decision->reason),
        );
    }

    /**
     * Minimises a customer record for $purpose: ['subject', 'purpose', 'at', 'record' => only the
     * fields the purpose may see, each in its treatment, 'decisions' => one ['field', 'effect',
     * 'treatment', 'reason'] per input field, in input order]. Fields the policy does not declare
     * are withheld ("unknown_field"), never passed through.
     *
     * @param array<string, mixed>|string $record the customer as the shop stores it (array or JSON object text)
     * @return array{subject: string, purpose: string, at: string, record: array<string, mixed>, decisions: list<array<string, string>>}
     * @throws UnknownPurposeException|InvalidArgumentException|SubjectErasedException|StorageException
     */
    public function view(array|string $record, string $subject, string $purpose, int|\DateTimeInterface $at): array
    {
        $json = $this->zweck->recordJson($record, 'record');
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_view(
            $this->handle(),
            $json,
            $this->zweck->cString($subject, 'subject'),
            $this->zweck->cString($purpose, 'purpose'),
            Zweck::seconds($at),
            $out,
        ));
    }

    // --- pseudonyms -----------------------------------------------------------------------------

    /**
     * The keyed pseudonym of $value in $domain: `k<version>_` and 32 hex digits, the same for the
     * same value, domain and key version, from PHP, C and Rust alike. $value is used byte for byte;
     * use pseudonymiseField() to apply a field's normaliser (e.g. lowercase email) first.
     *
     * @param string $domain 1 to 256 bytes of UTF-8, typically a purpose, e.g. "analytics"
     * @throws InvalidArgumentException for an empty domain, a NUL byte or invalid UTF-8 in it
     */
    public function pseudonymise(string $domain, string $value): string
    {
        $bytes = $this->zweck->bytes($value);
        return $this->token(fn (\FFI\CData $out, int $size, \FFI\CData $written): int => $this->ffi->zweck_pseudonymise(
            $this->handle(),
            $this->zweck->cString($domain, 'domain'),
            $bytes,
            \strlen($value),
            $out,
            $size,
            $written,
        ));
    }

    /**
     * The pseudonym the policy gives $field for $purpose, after the field's normaliser: equal to the
     * token view() releases for that field.
     *
     * @throws UnknownFieldException|UnknownPurposeException|InvalidArgumentException if the policy does
     *         not pseudonymise $field for $purpose
     */
    public function pseudonymiseField(string $field, string $purpose, string $value): string
    {
        return $this->token(fn (\FFI\CData $out, int $size, \FFI\CData $written): int => $this->ffi->zweck_pseudonymise_field(
            $this->handle(),
            $this->zweck->cString($field, 'field'),
            $this->zweck->cString($purpose, 'purpose'),
            $this->zweck->cString($value, 'value'),
            $out,
            $size,
            $written,
        ));
    }

    /**
     * Pseudonymises many values in $domain with one call into zweck (the domain key is derived
     * once; no per-value FFI call): for exports, analytics tables and bulk jobs. Returns the tokens
     * with the input's keys, in input order.
     *
     * Values are joined with "\n" and passed to zweck_pseudonymise_packed; if a value contains a
     * newline itself, the pointer-array zweck_pseudonymise_batch is used instead (still one call).
     *
     * @template K of array-key
     * @param array<K, string> $values
     * @return array<K, string>
     * @throws \TypeError               if a value is not a string
     * @throws InvalidArgumentException as pseudonymise()
     */
    public function pseudonymiseBatch(array $values, string $domain): array
    {
        $count = \count($values);
        if ($count === 0) {
            return [];
        }
        foreach ($values as $key => $value) {
            if (!\is_string($value)) {
                throw new \TypeError("pseudonymiseBatch(): value at key {$key} is " . get_debug_type($value) . ', expected string');
            }
        }
        $domain = $this->zweck->cString($domain, 'domain');
        $packed = implode("\n", $values) . "\n";
        if (substr_count($packed, "\n") === $count) {
            $input = $this->zweck->bytes($packed);
            $text = $this->tokens($count, fn (\FFI\CData $out, int $size, \FFI\CData $written): int => $this->ffi->zweck_pseudonymise_packed(
                $this->handle(),
                $domain,
                $input,
                \strlen($packed),
                $out,
                $size,
                $written,
            ));
        } else {
            // Some value holds a newline: pass (pointer, length) pairs into one buffer instead.
            $joined = implode('', $values);
            $buffer = $this->zweck->bytes($joined);
            // Addresses as integers: PHP FFI's pointer arithmetic (`$pointer + 1`) corrupts the
            // pointer operand in PHP 8.2 once its result is stored, so it is not used here.
            $base = $this->ffi->cast('size_t', $this->ffi->cast('uint8_t*', $buffer))->cdata;
            $pointers = $this->ffi->new("uint8_t*[{$count}]");
            $lengths = $this->ffi->new("size_t[{$count}]");
            $i = 0;
            $offset = 0;
            foreach ($values as $value) {
                $pointers[$i] = $this->ffi->cast('uint8_t*', $base + $offset);
                $lengths[$i] = \strlen($value);
                $offset += \strlen($value);
                $i++;
            }
            $text = $this->tokens($count, fn (\FFI\CData $out, int $size, \FFI\CData $written): int => $this->ffi->zweck_pseudonymise_batch(
                $this->handle(),
                $domain,
                $pointers,
                $lengths,
                $count,
                $out,
                $size,
                $written,
            ));
        }
        $tokens = explode("\n", $text, -1);
        return array_is_list($values) ? $tokens : array_combine(array_keys($values), $tokens);
    }

    /** The length of the tokens the engine makes now (35 for key versions 0 to 9, at most 44). */
    public function pseudonymLength(): int
    {
        $length = $this->ffi->new('size_t');
        $this->zweck->check($this->ffi->zweck_pseudonym_len($this->handle(), \FFI::addr($length)));
        return $length->cdata;
    }

    /**
     * Resolves a pseudonym through the vault, for a purpose the policy marks "reidentify": true
     * (e.g. fraud): ['token', 'subject', 'field', 'value' (after the field's normaliser)]. $at
     * dates the re-identification in the audit log.
     *
     * @return array{token: string, subject: string, field: string, value: mixed}
     * @throws DeniedException          if the purpose may not re-identify, the engine has no vault, or the
     *                                  vault does not know the token (never released, or its subject erased)
     * @throws InvalidArgumentException if $token is not a zweck token (MALFORMED_TOKEN)
     * @throws UnknownPurposeException
     */
    public function reidentify(string $token, string $purpose, int|\DateTimeInterface $at): array
    {
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_reidentify(
            $this->handle(),
            $this->zweck->cString($token, 'token'),
            $this->zweck->cString($purpose, 'purpose'),
            Zweck::seconds($at),
            $out,
        ));
    }

    /**
     * Makes a new master secret current. Older versions stay to recognise older tokens; with the
     * vault, its entries are pseudonymised again. Store the secret with its version: a journal must
     * be reopened with every version it was written with ($olderKeys).
     *
     * @throws KeyException if the key is not 32 to 64 bytes or $version is in use; the old key stays current
     */
    public function rotateKey(int $version, #[\SensitiveParameter] string $key): void
    {
        $buffer = $this->zweck->bytes($key);
        try {
            $this->zweck->check($this->ffi->zweck_rotate_key($this->handle(), $this->u32($version, 'version'), $buffer, \strlen($key)));
        } finally {
            $this->zweck->wipe($buffer);
        }
    }

    // --- rights ---------------------------------------------------------------------------------

    /**
     * Everything zweck holds about $subject (Art. 15 and 20 GDPR), in the shape of a WordPress /
     * WooCommerce personal-data exporter response: ['data' => groups of ['group_id',
     * 'group_label', 'group_description', 'item_id', 'data' => [['name', 'value'], ...]], 'done'
     * => true], plus 'subject', 'generated_at', 'policy' and 'erased'. Return it as it is from a
     * `wp_privacy_personal_data_exporters` callback (see bindings/php/README.md).
     *
     * @param array<string, mixed>|string|null $record the customer record to include (zweck keeps none of its own)
     * @param int|\DateTimeInterface|null      $at     the time of the export; default now
     * @return array{data: list<array<string, mixed>>, done: bool}&array<string, mixed>
     */
    public function exportSubject(string $subject, array|string|null $record = null, int|\DateTimeInterface|null $at = null): array
    {
        $json = $record === null ? null : $this->zweck->recordJson($record, 'record');
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_subject_export(
            $this->handle(),
            $this->zweck->cString($subject, 'subject'),
            $json,
            Zweck::seconds($at ?? time()),
            $out,
        ));
    }

    /**
     * Erases $subject (Art. 17 GDPR): consent events and vault entries go, a tombstone stays, so
     * every later decision is denied ("subject_erased") and the id cannot be used again. Returns
     * the receipt: ['subject_hash', 'at', 'reason', 'erased' => [['what', 'count']], 'retained' =>
     * fields the shop must keep (e.g. invoices), 'note']; it never contains the subject id.
     * Call compact() when the erased records must leave the journal file at once.
     *
     * @param string $reason why, e.g. "customer request via account page"
     * @return array<string, mixed>
     * @throws SubjectErasedException if the subject was erased before
     */
    public function forgetSubject(string $subject, string $reason, int|\DateTimeInterface $at): array
    {
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_subject_forget(
            $this->handle(),
            $this->zweck->cString($subject, 'subject'),
            $this->zweck->cString($reason, 'reason'),
            Zweck::seconds($at),
            $out,
        ));
    }

    /** Whether $subject was erased with forgetSubject(). */
    public function isErased(string $subject): bool
    {
        $erased = $this->ffi->new('int32_t');
        $this->zweck->check($this->ffi->zweck_subject_is_erased(
            $this->handle(),
            $this->zweck->cString($subject, 'subject'),
            \FFI::addr($erased),
        ));
        return $erased->cdata !== 0;
    }

    /**
     * The retention sweep (Art. 5(1)(e) GDPR): for each field of $record, collected at
     * $collectedAt, whether the shop must keep, pseudonymise or erase it at $at:
     * one ['field', 'action' => 'keep'|'pseudonymise'|'erase', 'next_due', 'because'] per field.
     *
     * @param array<string, mixed>|string $record
     * @return list<array<string, mixed>>
     */
    public function retentionDue(array|string $record, int|\DateTimeInterface $collectedAt, int|\DateTimeInterface $at): array
    {
        $json = $this->zweck->recordJson($record, 'record');
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_retention_due(
            $this->handle(),
            $json,
            Zweck::seconds($collectedAt),
            Zweck::seconds($at),
            $out,
        ));
    }

    /**
     * Rewrites the store with only the live records, so erased subjects' data leaves the journal
     * file for good. Returns ['records_before', 'records_after', 'bytes_before', 'bytes_after'].
     *
     * @return array{records_before: int, records_after: int, bytes_before: int, bytes_after: int}
     * @throws StorageException
     */
    public function compact(): array
    {
        $stats = $this->ffi->new('zweck_compact_stats');
        $this->zweck->check($this->ffi->zweck_compact($this->handle(), \FFI::addr($stats)));
        return [
            'records_before' => $stats->records_before,
            'records_after' => $stats->records_after,
            'bytes_before' => $stats->bytes_before,
            'bytes_after' => $stats->bytes_after,
        ];
    }

    // --- signals --------------------------------------------------------------------------------

    /**
     * Records what a TC string (IAB TCF v2) from the consent banner says about $subject, through the
     * policy's "tcf" mapping. A string already recorded records nothing, so call it on every request
     * that carries the consent cookie. Returns ['events', 'granted', 'withdrawn', 'objected',
     * 'still_objected', 'issues', 'duplicate'].
     *
     * @param int|\DateTimeInterface $at the server's current time
     * @return array<string, mixed>
     * @throws TcfException|PolicyException|SubjectErasedException|InvalidArgumentException
     */
    public function recordTcf(string $subject, string $tcString, int|\DateTimeInterface $at): array
    {
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_tcf_record(
            $this->handle(),
            $this->zweck->cString($subject, 'subject'),
            $this->zweck->cString($tcString, 'tcString'),
            Zweck::seconds($at),
            $out,
        ));
    }

    /**
     * Decodes a TC string without recording anything; see Zweck::decodeTcf().
     *
     * @return array<string, mixed>
     */
    public function decodeTcf(string $tcString): array
    {
        return $this->zweck->decodeTcf($tcString);
    }

    /**
     * Records a Global Privacy Control signal (`Sec-GPC: 1`, `$_SERVER['HTTP_SEC_GPC'] === '1'`)
     * as an objection to every purpose the policy flags sale, sharing or targeted advertising.
     * Returns the purposes an objection was recorded for; after the first call, [].
     *
     * @param string $source where it was seen, e.g. "Sec-GPC header, shop frontend"
     * @return list<string>
     */
    public function recordGpc(string $subject, int|\DateTimeInterface $at, string $source): array
    {
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_gpc_record(
            $this->handle(),
            $this->zweck->cString($subject, 'subject'),
            Zweck::seconds($at),
            $this->zweck->cString($source, 'source'),
            $out,
        ));
    }

    // --- transparency and audit -----------------------------------------------------------------

    /** The privacy notice the policy implies, as Markdown (depends only on the policy: cache it). */
    public function notice(): string
    {
        return $this->text(fn (\FFI\CData $out): int => $this->ffi->zweck_notice($this->handle(), $out));
    }

    /**
     * The records of processing activities (Art. 30 GDPR) the policy implies:
     * ['format' => 'zweck.processing_records.v1', 'name', 'controller', 'data_subjects',
     * 'purposes', 'security_measures'].
     *
     * @return array<string, mixed>
     */
    public function processingRecords(): array
    {
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_processing_records($this->handle(), $out));
    }

    /**
     * Verifies the whole audit chain: ['entries' => number checked, 'head' => ['count', 'mac']].
     * Keep the head outside the journal and pass it back as $anchor to detect a log whose newest
     * entries were cut off.
     *
     * @param array{count: int, mac: string}|null $anchor
     * @return array{entries: int, head: array{count: int, mac: string}}
     * @throws AuditBrokenException if the chain fails (the message names the entry) or audit is off
     */
    public function verifyAudit(?array $anchor = null): array
    {
        $json = $anchor === null ? null : $this->zweck->recordJson($anchor, 'anchor');
        return $this->json(fn (\FFI\CData $out): int => $this->ffi->zweck_audit_verify($this->handle(), $json, $out));
    }

    /** Writes buffered audit entries of access decisions now (e.g. before answering an auditor). */
    public function flushAudit(): void
    {
        $this->zweck->check($this->ffi->zweck_audit_flush($this->handle()));
    }

    // --- plumbing -------------------------------------------------------------------------------

    /** The live engine pointer. */
    private function handle(): \FFI\CData
    {
        return $this->engine ?? throw new \LogicException('this Zweck\Engine was closed; create a new one');
    }

    /**
     * Arguments shared by withdraw() and object().
     *
     * @return list<mixed>
     */
    private function eventArgs(string $subject, string $purpose, int|\DateTimeInterface $at, string $source, ?int $noticeVersion): array
    {
        return [
            $this->handle(),
            $this->zweck->cString($subject, 'subject'),
            $this->zweck->cString($purpose, 'purpose'),
            Zweck::seconds($at),
            $this->u32($noticeVersion ?? 0, 'noticeVersion'),
            $this->zweck->cString($source, 'source'),
        ];
    }

    /**
     * Calls $call with a `char **` out-parameter and returns the owned string it wrote, released
     * with zweck_string_free() whatever happens.
     *
     * @param callable(\FFI\CData): int $call
     */
    private function text(callable $call): string
    {
        $out = $this->ffi->new('char*');
        try {
            $this->zweck->check($call(\FFI::addr($out)));
            return \FFI::string($out);
        } finally {
            $this->ffi->zweck_string_free($out);
        }
    }

    /**
     * As text(), decoded from JSON.
     *
     * @param callable(\FFI\CData): int $call
     * @return array<mixed>
     */
    private function json(callable $call): array
    {
        return $this->zweck->decodeJson($this->text($call));
    }

    /**
     * Calls a single-token function with a buffer that always fits (64 bytes; tokens are at most 44).
     *
     * @param callable(\FFI\CData, int, \FFI\CData): int $call
     */
    private function token(callable $call): string
    {
        $out = $this->ffi->new('char[64]');
        $written = $this->ffi->new('size_t');
        $this->zweck->check($call($out, 64, \FFI::addr($written)));
        return \FFI::string($out, $written->cdata);
    }

    /**
     * Calls a batch function with an output buffer for $count tokens and returns what it wrote.
     * A key rotation between sizing and the call can make tokens longer: then size again.
     *
     * @param callable(\FFI\CData, int, \FFI\CData): int $call
     */
    private function tokens(int $count, callable $call): string
    {
        $written = $this->ffi->new('size_t');
        for ($attempt = 1; ; $attempt++) {
            $size = $count * ($this->pseudonymLength() + 1);
            $out = $this->ffi->new("char[{$size}]");
            $status = $call($out, $size, \FFI::addr($written));
            if ($status !== ZweckException::BUFFER_TOO_SMALL || $attempt === 3) {
                $this->zweck->check($status);
                return \FFI::string($out, $written->cdata);
            }
        }
    }

    /** $value checked to fit a uint32_t parameter (FFI would wrap a negative value silently). */
    private function u32(int $value, string $name): int
    {
        if ($value < 0 || $value > 0xFFFFFFFF) {
            throw $this->zweck->invalid(
                ZweckException::INVALID_ARGUMENT,
                "`{$name}` is {$value}; it must be between 0 and 4294967295",
            );
        }
        return $value;
    }
}
