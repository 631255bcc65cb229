<?php

declare(strict_types=1);

namespace Zweck;

/**
 * A failed zweck call.
 *
 * The exception code is the `zweck_status` value the C function returned; the constants below name
 * every status (`ZweckException::UNKNOWN_PURPOSE === 5`), so code can branch on
 * `$e->getCode() === ZweckException::SUBJECT_ERASED` or catch one of the subclasses. The message is
 * "<status text>: <detail>", where the detail is zweck's last error message: it names the argument
 * at fault and, where there is one, the fix (e.g. the closest declared purpose). Branch on the
 * status, never on the message text.
 *
 * Subclasses by status:
 *  - InvalidArgumentException: INVALID_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_VALUE,
 *    MALFORMED_TOKEN, BUFFER_TOO_SMALL
 *  - PolicyException: POLICY_INVALID; UnknownPurposeException; UnknownFieldException
 *  - KeyException: KEY_INVALID, UNKNOWN_KEY_VERSION
 *  - StorageException: IO, CORRUPT; LockedException: LOCKED
 *  - DeniedException, TcfException, SubjectErasedException, AuditBrokenException
 *  - InternalErrorException: PANIC (a bug inside zweck, caught before it reached PHP)
 * A status this binding does not know yet (from a newer library) arrives as a plain ZweckException.
 */
class ZweckException extends \RuntimeException
{
    public const INVALID_ARGUMENT = 1;
    public const INVALID_UTF8 = 2;
    public const INVALID_JSON = 3;
    public const POLICY_INVALID = 4;
    public const UNKNOWN_PURPOSE = 5;
    public const UNKNOWN_FIELD = 6;
    public const KEY_INVALID = 7;
    public const UNKNOWN_KEY_VERSION = 8;
    public const MALFORMED_TOKEN = 9;
    public const BUFFER_TOO_SMALL = 10;
    public const INVALID_VALUE = 11;
    public const IO = 12;
    public const CORRUPT = 13;
    public const LOCKED = 14;
    public const DENIED = 15;
    public const TCF_INVALID = 16;
    public const PANIC = 17;
    public const SUBJECT_ERASED = 18;
    public const AUDIT_BROKEN = 19;

    /** Which subclass each status is thrown as. */
    private const CLASSES = [
        self::INVALID_ARGUMENT => InvalidArgumentException::class,
        self::INVALID_UTF8 => InvalidArgumentException::class,
        self::INVALID_JSON => InvalidArgumentException::class,
        self::POLICY_INVALID => PolicyException::class,
        self::UNKNOWN_PURPOSE => UnknownPurposeException::class,
        self::UNKNOWN_FIELD => UnknownFieldException::class,
        self::KEY_INVALID => KeyException::class,
        self::UNKNOWN_KEY_VERSION => KeyException::class,
        self::MALFORMED_TOKEN => InvalidArgumentException::class,
        self::BUFFER_TOO_SMALL => InvalidArgumentException::class,
        self::INVALID_VALUE => InvalidArgumentException::class,
        self::IO => StorageException::class,
        self::CORRUPT => StorageException::class,
        self::LOCKED => LockedException::class,
        self::DENIED => DeniedException::class,
        self::TCF_INVALID => TcfException::class,
        self::PANIC => InternalErrorException::class,
        self::SUBJECT_ERASED => SubjectErasedException::class,
        self::AUDIT_BROKEN => AuditBrokenException::class,
    ];

    /**
     * @param int         $status     the zweck_status value
     * @param string      $statusText zweck_status_str() of it, e.g. "unknown purpose"
     * @param string      $detail     zweck_last_error_message() right after the failure
     */
    final public function __construct(
        int $status,
        private readonly string $statusText,
        private readonly string $detail,
        ?\Throwable $previous = null,
    ) {
        parent::__construct($detail === '' ? $statusText : "{$statusText}: {$detail}", $status, $previous);
    }

    /**
     * The exception for a non-zero status, as the subclass that status maps to.
     *
     * @internal used by Zweck and Engine; application code catches, it does not construct
     */
    public static function fromStatus(int $status, string $statusText, string $detail, ?\Throwable $previous = null): self
    {
        $class = self::CLASSES[$status] ?? self::class;
        return new $class($status, $statusText, $detail, $previous);
    }

    /** The zweck_status value, e.g. 5 (the same as getCode()). */
    public function status(): int
    {
        return $this->getCode();
    }

    /**
     * The name of the status constant, e.g. "UNKNOWN_PURPOSE" (`ZweckException::UNKNOWN_PURPOSE`),
     * or "UNKNOWN" for a status newer than this binding.
     */
    public function statusName(): string
    {
        static $names = null;
        $names ??= array_flip(array_filter((new \ReflectionClass(self::class))->getConstants(), 'is_int'));
        return $names[$this->getCode()] ?? 'UNKNOWN';
    }

    /** The short status text from zweck_status_str(), e.g. "unknown purpose". */
    public function statusText(): string
    {
        return $this->statusText;
    }

    /** zweck's last error message: which argument was at fault and how to fix it. */
    public function detail(): string
    {
        return $this->detail;
    }
}
