<?php

declare(strict_types=1);

namespace Zweck;

/**
 * A TC string (IAB TCF v2) that cannot be decoded, is dated in the future, or is invalid under
 * current TCF policy (TCF_INVALID); the message names segment, field and bit.
 */
class TcfException extends ZweckException
{
}
