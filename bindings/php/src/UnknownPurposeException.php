<?php

declare(strict_types=1);

namespace Zweck;

/**
 * A purpose key the policy does not declare (UNKNOWN_PURPOSE). The message suggests the closest
 * declared key, so a typo such as "marketing.emial" reads "did you mean marketing.email".
 */
class UnknownPurposeException extends InvalidArgumentException
{
}
