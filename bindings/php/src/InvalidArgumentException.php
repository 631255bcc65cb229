<?php

declare(strict_types=1);

namespace Zweck;

/**
 * An argument zweck cannot use: a NULL-ish or empty value, text that is not UTF-8 (INVALID_UTF8)
 * or contains a NUL byte, JSON that is malformed or not an object (INVALID_JSON), a value its rule
 * cannot treat (INVALID_VALUE), a string that is not a zweck token (MALFORMED_TOKEN). A mistake in
 * the calling code or in the data passed in: fix the input, do not retry.
 */
class InvalidArgumentException extends ZweckException
{
}
