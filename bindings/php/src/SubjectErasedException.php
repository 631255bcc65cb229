<?php

declare(strict_types=1);

namespace Zweck;

/**
 * The subject was erased with forgetSubject() and its id cannot be used again (SUBJECT_ERASED); give
 * the customer a new id.
 */
class SubjectErasedException extends ZweckException
{
}
