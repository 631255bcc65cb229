<?php

declare(strict_types=1);

namespace Zweck;

/**
 * The journal is already open in another engine, in this or another process (LOCKED). Under
 * php-fpm, where every worker is a process, only one worker can open a given journal: see
 * examples/php/fpm/README.md for the deployments that work.
 */
class LockedException extends StorageException
{
}
