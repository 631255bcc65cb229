<?php

declare(strict_types=1);

namespace Zweck;

/**
 * A field name the policy does not declare (UNKNOWN_FIELD), from decide() or
 * pseudonymiseField(); the message suggests the closest declared field. (view() does not throw for
 * undeclared record fields: it withholds them with the reason "unknown_field".)
 */
class UnknownFieldException extends InvalidArgumentException
{
}
