<?php

declare(strict_types=1);

namespace Zweck;

/**
 * The policy document is malformed or inconsistent (POLICY_INVALID); the message gives the path
 * inside the document, or line and column. Also thrown when a feature needs a policy section that
 * is missing, e.g. recordTcf() without a "tcf" mapping.
 */
class PolicyException extends ZweckException
{
}
