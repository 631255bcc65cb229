<?php

declare(strict_types=1);

namespace Zweck;

/**
 * The zweck library, loaded through PHP's FFI extension (PHP 8.1+).
 *
 * Most code never touches this class: `new Engine(...)` uses Zweck::instance(). Create one yourself
 * to load the library from a particular path:
 *
 *     $zweck = new \Zweck\Zweck('/opt/zweck/lib/libzweck.so', '/opt/zweck/include/zweck_php.h');
 *     $engine = \Zweck\Engine::fromPolicyFile('/etc/shop/policy.json', $key, 1, zweck: $zweck);
 *
 * On the CLI, FFI needs `ffi.enable=1` (or the default "preload", which allows FFI on the CLI).
 * Under php-fpm, preload the header (`ffi.preload`) and these classes (`opcache.preload`) and keep
 * `ffi.enable=preload`; see examples/php/fpm/README.md.
 *
 * Methods marked @internal are for Engine; they are public only because PHP has no friend classes.
 */
final class Zweck
{
    /** The header in a source checkout (bindings/php/src/ -> include/). */
    private const DEFAULT_HEADER = __DIR__ . '/../../../include/zweck_php.h';

    /** The process-wide instance behind instance(). */
    private static ?self $shared = null;

    private readonly \FFI $ffi;

    /**
     * Loads the library by parsing the header with FFI::cdef(). This parses about 1200 lines of
     * declarations, so do it once per process (instance() does), not once per request.
     *
     * @param string|null $library path of libzweck.so; default: the ZWECK_LIB environment variable,
     *                             else "libzweck.so" as found by the dynamic linker
     * @param string|null $header  path of zweck_php.h; default: the ZWECK_HEADER environment variable,
     *                             else include/zweck_php.h of this source checkout
     * @throws \RuntimeException if the header cannot be read
     * @throws \FFI\Exception    if the library cannot be loaded
     */
    public function __construct(?string $library = null, ?string $header = null)
    {
        $library ??= self::env('ZWECK_LIB') ?? 'libzweck.so';
        $header ??= self::env('ZWECK_HEADER') ?? self::DEFAULT_HEADER;
        $declarations = @file_get_contents($header);
        if ($declarations === false) {
            throw new \RuntimeException(
                "cannot read the zweck PHP header {$header}; pass its path as the second argument or set ZWECK_HEADER"
            );
        }
        $this->ffi = \FFI::cdef($declarations, $library);
    }

    /**
     * The library as preloaded by `ffi.preload=/path/to/zweck_php.h` (or FFI::load() in an
     * opcache.preload script): the header's `#define FFI_SCOPE "zweck"` names the scope and
     * `#define FFI_LIB "libzweck.so"` the library, so nothing is parsed per request.
     *
     * @throws \FFI\Exception if no header was preloaded under $scope
     */
    public static function preloaded(string $scope = 'zweck'): self
    {
        $self = (new \ReflectionClass(self::class))->newInstanceWithoutConstructor();
        $self->ffi = \FFI::scope($scope);
        return $self;
    }

    /**
     * One Zweck per process, shared by every Engine that is not given another: the preloaded scope
     * "zweck" when there is one (php-fpm), else the library loaded by `new Zweck()`.
     */
    public static function instance(): self
    {
        if (self::$shared === null) {
            try {
                self::$shared = self::preloaded();
            } catch (\FFI\Exception) {
                self::$shared = new self();
            }
        }
        return self::$shared;
    }

    /** The version of the loaded library, e.g. "0.1.0". */
    public function version(): string
    {
        return $this->ffi->zweck_version();
    }

    /**
     * Decodes a TC string (IAB TCF v2) from a consent banner without recording anything; needs no
     * engine. Keys: version, created, last_updated (RFC 3339 UTC), cmp_id, cmp_version,
     * consent_screen, consent_language, vendor_list_version, policy_version, is_service_specific,
     * use_non_standard_texts, special_feature_opt_ins, purpose_consents,
     * purpose_legitimate_interests, purpose_one_treatment, publisher_country_code, vendor_consents,
     * vendor_legitimate_interests, publisher_restrictions, disclosed_vendors,
     * publisher_purpose_consents, publisher_purpose_legitimate_interests, custom_purpose_consents,
     * custom_purpose_legitimate_interests (id sets are sorted int lists; absent segments are null).
     *
     * @return array<string, mixed>
     * @throws TcfException             if the string cannot be decoded (the message names segment, field and bit)
     * @throws InvalidArgumentException for a NUL byte or invalid UTF-8
     */
    public function decodeTcf(string $tcString): array
    {
        $out = $this->ffi->new('char*');
        try {
            $this->check($this->ffi->zweck_tcf_decode($this->cString($tcString, 'tcString'), \FFI::addr($out)));
            return $this->decodeJson(\FFI::string($out));
        } finally {
            $this->ffi->zweck_string_free($out);
        }
    }

    /** The short text zweck gives a status code, e.g. "unknown purpose" for 5. */
    public function statusText(int $status): string
    {
        return $this->ffi->zweck_status_str($status);
    }

    /** The English sentence explaining a reason name from a decision, e.g. "consent_withdrawn". */
    public function explainReason(string $reason): string
    {
        static $codes = null;
        if ($codes === null) {
            $codes = [];
            for ($code = 0; ($name = $this->ffi->zweck_reason_str($code)) !== 'unknown reason'; $code++) {
                $codes[$name] = $code;
            }
        }
        return $this->ffi->zweck_reason_explain($codes[$reason] ?? -1);
    }

    // --- for Engine -----------------------------------------------------------------------------

    /**
     * The FFI object, for Engine and for callers who need a C function directly.
     *
     * @internal
     */
    public function ffi(): \FFI
    {
        return $this->ffi;
    }

    /**
     * Throws the ZweckException subclass for a non-zero status, with the calling thread's last error
     * message. Call it right after the zweck function whose status it checks.
     *
     * @internal
     * @throws ZweckException
     */
    public function check(int $status): void
    {
        if ($status !== 0) {
            throw ZweckException::fromStatus(
                $status,
                $this->ffi->zweck_status_str($status),
                $this->ffi->zweck_last_error_message(),
            );
        }
    }

    /**
     * An InvalidArgumentException raised on the PHP side, before any C call, with zweck's status text.
     *
     * @internal
     */
    public function invalid(int $status, string $detail, ?\Throwable $previous = null): ZweckException
    {
        return ZweckException::fromStatus($status, $this->ffi->zweck_status_str($status), $detail, $previous);
    }

    /**
     * $value, checked for NUL bytes: PHP strings may contain them, C strings end at the first one,
     * so "c-1\0x" would silently reach zweck as "c-1". Invalid UTF-8 is left for zweck to report.
     *
     * @internal
     * @throws InvalidArgumentException
     */
    public function cString(string $value, string $name): string
    {
        $nul = strpos($value, "\0");
        if ($nul !== false) {
            throw $this->invalid(
                ZweckException::INVALID_ARGUMENT,
                "`{$name}` contains a NUL byte at offset {$nul}; zweck takes NUL-terminated strings, so remove it",
            );
        }
        return $value;
    }

    /**
     * A C copy of $bytes for a `(const uint8_t *, size_t)` parameter (PHP strings are only passed
     * as `char *`). Owned by PHP: released when the returned CData is.
     *
     * @internal
     */
    public function bytes(#[\SensitiveParameter] string $bytes): \FFI\CData
    {
        $length = \strlen($bytes);
        $buffer = $this->ffi->new('uint8_t[' . max(1, $length) . ']');
        if ($length > 0) {
            \FFI::memcpy($buffer, $bytes, $length);
        }
        return $buffer;
    }

    /**
     * Zeroes a buffer from bytes() that held key material, so it does not linger in freed memory.
     *
     * @internal
     */
    public function wipe(\FFI\CData $buffer): void
    {
        \FFI::memset($buffer, 0, \FFI::sizeof($buffer));
    }

    /**
     * A record for zweck: a JSON string as is, an array encoded as a JSON object (an empty array
     * becomes `{}`, which json_encode would write as `[]`).
     *
     * @internal
     * @param array<string, mixed>|string $record
     * @throws InvalidArgumentException if the array cannot be encoded (e.g. invalid UTF-8 in a value)
     */
    public function recordJson(array|string $record, string $name): string
    {
        if (\is_string($record)) {
            return $this->cString($record, $name);
        }
        if ($record === []) {
            return '{}';
        }
        try {
            return json_encode(
                $record,
                JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION,
            );
        } catch (\JsonException $e) {
            $status = $e->getCode() === JSON_ERROR_UTF8 ? ZweckException::INVALID_UTF8 : ZweckException::INVALID_JSON;
            throw $this->invalid($status, "`{$name}` cannot be encoded as JSON: {$e->getMessage()}", $e);
        }
    }

    /**
     * A JSON text zweck wrote, as PHP arrays.
     *
     * @internal
     * @return array<mixed>
     */
    public function decodeJson(string $json): array
    {
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
    }

    /**
     * Unix seconds from an int or a date.
     *
     * @internal
     */
    public static function seconds(int|\DateTimeInterface $time): int
    {
        return \is_int($time) ? $time : $time->getTimestamp();
    }

    private static function env(string $name): ?string
    {
        $value = getenv($name);
        return $value === false || $value === '' ? null : $value;
    }
}
