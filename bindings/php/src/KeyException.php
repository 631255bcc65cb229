<?php

declare(strict_types=1);

namespace Zweck;

/**
 * A master key that cannot be used: not 32 to 64 bytes, a version already in use (KEY_INVALID), or
 * a journal or token that needs a key version the engine was not given (UNKNOWN_KEY_VERSION). The
 * message never contains key material, and the binding marks key parameters #[\SensitiveParameter]
 * so that stack traces do not carry them either.
 */
class KeyException extends ZweckException
{
}
