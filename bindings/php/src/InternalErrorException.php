<?php

declare(strict_types=1);

namespace Zweck;

/**
 * zweck hit an internal bug and caught it before it could reach PHP (PANIC). The PHP process keeps
 * running and the engine stays usable, but the state the failed call touched should be considered
 * unknown. Please report it with the message.
 */
class InternalErrorException extends ZweckException
{
}
