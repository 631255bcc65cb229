<?php

declare(strict_types=1);

namespace Zweck;

/**
 * The journal file cannot be read or written (IO) or failed its integrity check (CORRUPT; the file
 * is then left untouched).
 */
class StorageException extends ZweckException
{
}
