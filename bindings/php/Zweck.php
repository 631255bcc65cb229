<?php

declare(strict_types=1);

namespace Zweck;

/**
 * A failed zweck call: the exception code is the zweck_status value (see ZWECK_STATUS_* in
 * include/zweck_php.h), the message is "<status name>: <detail from zweck_last_error_message()>".
 */
final class ZweckException extends \RuntimeException
{
    public function __construct(int $status, private readonly string $statusName, private readonly string $detail)
    {
        parent::__construct($detail === '' ? $statusName : "{$statusName}: {$detail}", $status);
    }

    /** The zweck_status value, e.g. 5 for ZWECK_STATUS_UNKNOWN_PURPOSE. */
    public function status(): int
    {
        return $this->getCode();
    }

    /** The short status name from zweck_status_str(), e.g. "unknown purpose". */
    public function statusName(): string
    {
        return $this->statusName;
    }

    /** The detail from zweck_last_error_message(): which argument was at fault and how to fix it. */
    public function detail(): string
    {
        return $this->detail;
    }
}

/**
 * The zweck library, loaded through PHP's FFI extension (PHP 8.1+, `ffi.enable=1` on the CLI, or
 * `ffi.enable=preload` with opcache.preload under php-fpm).
 *
 *     $zweck = new \Zweck\Zweck();            // libzweck.so from $ZWECK_LIB or the linker path
 *     echo $zweck->version();
 *
 * One instance may be shared by all code in a request or worker. Every method that calls a fallible
 * zweck function throws ZweckException when it fails.
 */
final class Zweck
{
    /** The header next to this file in a source checkout; pass another path when installed elsewhere. */
    private const DEFAULT_HEADER = __DIR__ . '/../../include/zweck_php.h';

    private readonly \FFI $ffi;

    /**
     * @param string|null $library path of libzweck.so; default: the ZWECK_LIB environment variable,
     *                             else "libzweck.so" as found by the dynamic linker
     * @param string|null $header  path of zweck_php.h; default: include/zweck_php.h of this checkout
     */
    public function __construct(?string $library = null, ?string $header = null)
    {
        $env = getenv('ZWECK_LIB');
        $library ??= ($env !== false && $env !== '') ? $env : 'libzweck.so';
        $header ??= self::DEFAULT_HEADER;
        $declarations = @file_get_contents($header);
        if ($declarations === false) {
            throw new \RuntimeException("cannot read the zweck PHP header {$header}; pass its path as the second argument");
        }
        $this->ffi = \FFI::cdef($declarations, $library);
    }

    /**
     * For php-fpm: set `ffi.enable=preload` and `ffi.preload=/usr/include/zweck_php.h` in php.ini
     * (the header's FFI_SCOPE and FFI_LIB lines name the scope "zweck" and the library), then use
     * `Zweck::preloaded()` in each request: the header is parsed once per worker, not per request.
     */
    public static function preloaded(): self
    {
        $self = (new \ReflectionClass(self::class))->newInstanceWithoutConstructor();
        $self->ffi = \FFI::scope('zweck');
        return $self;
    }

    /** The version of the loaded library, e.g. "0.1.0". */
    public function version(): string
    {
        return $this->ffi->zweck_version();
    }

    /**
     * Throws ZweckException for a non-zero zweck_status, with the name and the calling thread's last
     * error message. Call it right after the zweck function whose status it checks.
     *
     * @throws ZweckException
     */
    private function check(int $status): void
    {
        if ($status !== 0) {
            throw new ZweckException(
                $status,
                $this->ffi->zweck_status_str($status),
                $this->ffi->zweck_last_error_message(),
            );
        }
    }

    /**
     * Copies an owned `char *` that zweck wrote into an out-parameter into a PHP string and releases
     * it with zweck_string_free(), so no caller ever frees it by hand.
     */
    private function takeString(\FFI\CData $owned): string
    {
        try {
            return \FFI::string($owned);
        } finally {
            $this->ffi->zweck_string_free($owned);
        }
    }
}
