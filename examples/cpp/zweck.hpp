// A small C++17 wrapper around zweck.h: an engine with unique ownership, exceptions that carry the
// status and the last error, and std::string results. Header-only; link with -lzweck as for C.
//
//   zweck::engine shop(policy_json, key, 1);
//   shop.grant("c-1042", "marketing", {now, "cookie banner v3"});
//   if (shop.decide("c-1042", "marketing.email", "email", now).allowed()) { ... }
//
// An engine may be used from many threads at once (zweck synchronises internally); it is moved, never
// copied, and freed when its owner goes away. Every failure throws zweck::error.
#ifndef ZWECK_HPP
#define ZWECK_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "zweck.h"

namespace zweck {

/// A failed zweck call: status() is the zweck_status, what() "<status name>: <last error>".
class error : public std::runtime_error {
  public:
    error(zweck_status status, const std::string &message) : std::runtime_error(message), status_(status) {}

    zweck_status status() const noexcept { return status_; }

  private:
    zweck_status status_;
};

namespace detail {

/// Throws zweck::error for a non-zero status, with the calling thread's last error.
inline void check(zweck_status status) {
    if (status != ZWECK_STATUS_OK) {
        throw error(status, std::string(zweck_status_str(static_cast<std::int32_t>(status))) + ": " +
                                zweck_last_error_message());
    }
}

struct string_deleter {
    void operator()(char *text) const noexcept { zweck_string_free(text); }
};

/// Copies a string zweck returned into a std::string and releases it, exception-safe.
inline std::string take(char *text) {
    std::unique_ptr<char, string_deleter> owned(text);
    return owned ? std::string(owned.get()) : std::string();
}

inline const std::uint8_t *bytes(std::string_view text) noexcept {
    return reinterpret_cast<const std::uint8_t *>(text.data());
}

}  // namespace detail

/// The details of a consent action: when (Unix seconds), where, and optionally which notice version
/// (0 = the purpose's current one), until when (0 = no expiry) and whether it was explicit.
struct consent {
    std::int64_t at;
    std::string source;
    std::uint32_t notice_version = 0;
    std::int64_t expires = 0;
    bool explicit_consent = false;
};

/// The answer of engine::decide.
struct decision {
    zweck_effect effect;
    zweck_treatment treatment;
    zweck_reason reason;

    bool allowed() const noexcept { return effect == ZWECK_EFFECT_ALLOW; }
    const char *treatment_name() const noexcept { return zweck_treatment_str(static_cast<std::int32_t>(treatment)); }
    const char *reason_name() const noexcept { return zweck_reason_str(static_cast<std::int32_t>(reason)); }
    const char *explain() const noexcept { return zweck_reason_explain(static_cast<std::int32_t>(reason)); }
};

/// A zweck engine. Owns its handle; movable, not copyable.
class engine {
  public:
    /// State in memory. `key` is the master secret (32 to 64 bytes), `key_version` its number.
    engine(const std::string &policy_json, std::string_view key, std::uint32_t key_version) {
        zweck_engine *raw = nullptr;
        detail::check(zweck_engine_new(policy_json.c_str(), detail::bytes(key), key.size(), key_version, &raw));
        handle_.reset(raw);
    }

    /// State in the journal file at `journal_path` (created if missing).
    static engine open(const std::string &policy_json, std::string_view key, std::uint32_t key_version,
                       const std::string &journal_path) {
        zweck_engine *raw = nullptr;
        detail::check(zweck_engine_open(policy_json.c_str(), detail::bytes(key), key.size(), key_version,
                                        journal_path.c_str(), &raw));
        return engine(raw);
    }

    /// The handle, for calling zweck.h functions this wrapper does not cover. Still owned here.
    const zweck_engine *get() const noexcept { return handle_.get(); }

    std::uint32_t key_version() const {
        std::uint32_t version = 0;
        detail::check(zweck_key_version(get(), &version));
        return version;
    }

    void grant(const std::string &subject, const std::string &purpose, const consent &c) {
        detail::check(zweck_consent_grant(get(), subject.c_str(), purpose.c_str(), c.at, c.notice_version,
                                          c.source.c_str(), c.expires, c.explicit_consent ? 1 : 0));
    }

    void withdraw(const std::string &subject, const std::string &purpose, const consent &c) {
        detail::check(zweck_consent_withdraw(get(), subject.c_str(), purpose.c_str(), c.at, c.notice_version,
                                             c.source.c_str()));
    }

    void object(const std::string &subject, const std::string &purpose, const consent &c) {
        detail::check(zweck_consent_object(get(), subject.c_str(), purpose.c_str(), c.at, c.notice_version,
                                           c.source.c_str()));
    }

    /// The subject's consent events as a JSON array.
    std::string consent_history(const std::string &subject) const {
        char *text = nullptr;
        detail::check(zweck_consent_history(get(), subject.c_str(), &text));
        return detail::take(text);
    }

    decision decide(const std::string &subject, const std::string &purpose, const std::string &field,
                    std::int64_t at) const {
        zweck_decision d{};
        detail::check(zweck_decide(get(), subject.c_str(), purpose.c_str(), field.c_str(), at, &d));
        return decision{d.effect, d.treatment, d.reason};
    }

    /// The record (a JSON object) minimised for `purpose`, with a decision per field, as JSON.
    std::string view(const std::string &record_json, const std::string &subject, const std::string &purpose,
                     std::int64_t at) const {
        char *text = nullptr;
        detail::check(zweck_view(get(), record_json.c_str(), subject.c_str(), purpose.c_str(), at, &text));
        return detail::take(text);
    }

    /// The pseudonym of `value` (bytes as given) in `domain`.
    std::string pseudonymise(const std::string &domain, std::string_view value) const {
        char out[64];
        std::size_t written = 0;
        detail::check(zweck_pseudonymise(get(), domain.c_str(), detail::bytes(value), value.size(), out, sizeof out,
                                         &written));
        return std::string(out, written);
    }

    /// The pseudonyms of many values in `domain`, in one call.
    std::vector<std::string> pseudonymise_batch(const std::string &domain, const std::vector<std::string> &values) const {
        std::vector<const std::uint8_t *> pointers;
        std::vector<std::size_t> lens;
        pointers.reserve(values.size());
        lens.reserve(values.size());
        for (const std::string &value : values) {
            pointers.push_back(detail::bytes(value));
            lens.push_back(value.size());
        }
        std::size_t token_len = 0;
        detail::check(zweck_pseudonym_len(get(), &token_len));
        std::string lines(values.size() * (token_len + 1), '\0');
        std::size_t written = 0;
        detail::check(zweck_pseudonymise_batch(get(), domain.c_str(), pointers.data(), lens.data(), values.size(),
                                               lines.data(), lines.size(), &written));
        std::vector<std::string> tokens;
        tokens.reserve(values.size());
        for (std::size_t start = 0; start < written; start += token_len + 1) {
            tokens.push_back(lines.substr(start, token_len));
        }
        return tokens;
    }

    /// Everything zweck holds about `subject` as JSON, with the customer's record if given.
    std::string export_subject(const std::string &subject, const std::optional<std::string> &record_json,
                               std::int64_t at) const {
        char *text = nullptr;
        detail::check(zweck_subject_export(get(), subject.c_str(), record_json ? record_json->c_str() : nullptr, at,
                                           &text));
        return detail::take(text);
    }

    /// Erases `subject`; returns the receipt as JSON.
    std::string forget(const std::string &subject, const std::string &reason, std::int64_t at) {
        char *text = nullptr;
        detail::check(zweck_subject_forget(get(), subject.c_str(), reason.c_str(), at, &text));
        return detail::take(text);
    }

    /// The privacy notice as Markdown.
    std::string notice() const {
        char *text = nullptr;
        detail::check(zweck_notice(get(), &text));
        return detail::take(text);
    }

    /// Verifies the audit chain; returns the report as JSON.
    std::string audit_verify() const {
        char *text = nullptr;
        detail::check(zweck_audit_verify(get(), nullptr, &text));
        return detail::take(text);
    }

  private:
    struct deleter {
        void operator()(zweck_engine *handle) const noexcept { zweck_engine_free(handle); }
    };

    explicit engine(zweck_engine *raw) : handle_(raw) {}

    std::unique_ptr<zweck_engine, deleter> handle_;
};

}  // namespace zweck

#endif  // ZWECK_HPP
