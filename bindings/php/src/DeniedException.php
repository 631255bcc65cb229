<?php

declare(strict_types=1);

namespace Zweck;

/**
 * The operation is not permitted (DENIED), e.g. reidentify() for a purpose the policy does not mark
 * "reidentify": true, on an engine without the vault, or for a token the vault does not know.
 */
class DeniedException extends ZweckException
{
}
