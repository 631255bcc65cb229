<?php

declare(strict_types=1);

namespace Zweck;

/**
 * The audit chain failed verification or cannot be continued (AUDIT_BROKEN): an entry was changed,
 * removed or reordered, it was written under another audit key, or the engine keeps no audit log.
 */
class AuditBrokenException extends ZweckException
{
}
