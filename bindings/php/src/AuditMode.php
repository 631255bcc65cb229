<?php

declare(strict_types=1);

namespace Zweck;

/**
 * What an engine's audit trail records (zweck_audit_mode). The values are the C enum's.
 */
enum AuditMode: int
{
    /** Nothing; verifyAudit() then throws AuditBrokenException. */
    case Off = 0;
    /** Every change: consent events, erasures, exports, re-identifications, key rotations, compactions. */
    case Changes = 1;
    /** Every change and every access decision (decide(), view()). The default. */
    case Full = 2;
}
