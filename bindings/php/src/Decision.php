<?php

declare(strict_types=1);

namespace Zweck;

/**
 * The answer to "may this purpose see this field of this customer now, and in what form?", from
 * Engine::decide(). The strings are the snake_case names zweck uses in its JSON output, so a
 * Decision compares directly with an entry of view()'s "decisions".
 */
final class Decision implements \JsonSerializable
{
    /**
     * @param string $effect      "allow" or "deny"
     * @param string $treatment   "withheld" (every denial), "plain", "pseudonymised", "masked" or "generalised"
     * @param string $reason      why, e.g. "consent_given", "consent_withdrawn", "field_not_tagged"
     * @param string $explanation the reason as an English sentence for support staff and customers
     */
    public function __construct(
        public readonly string $effect,
        public readonly string $treatment,
        public readonly string $reason,
        public readonly string $explanation,
    ) {
    }

    /** Whether the field is released (in $treatment). */
    public function allowed(): bool
    {
        return $this->effect === 'allow';
    }

    /**
     * The decision as view() reports one, without the field name.
     *
     * @return array{effect: string, treatment: string, reason: string}
     */
    public function jsonSerialize(): array
    {
        return ['effect' => $this->effect, 'treatment' => $this->treatment, 'reason' => $this->reason];
    }
}
