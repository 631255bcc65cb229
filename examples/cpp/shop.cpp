// The shop backend of examples/c/shop.c in C++17, through the RAII wrapper in zweck.hpp: the same
// story and the same output, with exceptions instead of status checks.
//
//   c++ -std=c++17 shop.cpp -I include -I examples/cpp -L target/release -lzweck -o shop
//   ./shop examples/shop_policy.json examples/shop_customer.json
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "zweck.hpp"

namespace {

// Unix seconds of the moments in the story (UTC).
constexpr std::int64_t banner = 1772442900;       // 2026-03-02T09:15:00Z
constexpr std::int64_t preferences = 1772736000;  // 2026-03-05T18:40:00Z
constexpr std::int64_t now = 1780315200;          // 2026-06-01T12:00:00Z
constexpr std::int64_t unsubscribe = 1781076600;  // 2026-06-10T07:30:00Z
constexpr std::int64_t later = 1781524800;        // 2026-06-15T12:00:00Z

// A real deployment loads its master secret from a secret store; this demo key is public.
constexpr std::string_view demo_key = "zweck demo key - never use in production!";

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void print_decision(const zweck::engine &shop, const std::string &subject, const std::string &purpose,
                    const std::string &field, std::int64_t at) {
    const zweck::decision d = shop.decide(subject, purpose, field, at);
    std::cout << "decide " << purpose << ' ' << field << ": " << (d.allowed() ? "allow" : "deny") << ' '
              << d.treatment_name() << ' ' << d.reason_name() << '\n';
}

int run(const std::string &policy_path, const std::string &customer_path) {
    const std::string record = read_file(customer_path);
    const std::string customer = "c-1042";
    zweck::engine shop(read_file(policy_path), demo_key, 1);
    std::cout << "zweck " << zweck_version() << ", key version " << shop.key_version() << '\n';

    shop.grant(customer, "marketing", {banner, "cookie banner v3", 3});
    shop.grant(customer, "marketing.personalisation",
               {preferences, "preferences page: dietary needs for recommendations", 3, 0, true});

    for (const char *purpose : {"order.fulfilment", "support", "marketing.email", "analytics"}) {
        std::cout << "view " << purpose << ": " << shop.view(record, customer, purpose, now) << '\n';
    }
    print_decision(shop, customer, "marketing.email", "email", now);
    print_decision(shop, customer, "marketing.personalisation", "dietary_needs", now);
    print_decision(shop, customer, "analytics", "email", now);

    const std::vector<std::string> customers = {"jane.doe@example.com", "max@example.com", "erika@example.com"};
    std::cout << "token analytics " << customers[0] << ": " << shop.pseudonymise("analytics", customers[0]) << '\n';
    const std::vector<std::string> tokens = shop.pseudonymise_batch("analytics", customers);
    for (std::size_t i = 0; i < customers.size(); i++) {
        std::cout << "batch analytics " << customers[i] << ": " << tokens.at(i) << '\n';
    }

    shop.withdraw(customer, "marketing.email", {unsubscribe, "unsubscribe link in newsletter"});
    print_decision(shop, customer, "marketing.email", "email", later);

    std::cout << "history: " << shop.consent_history(customer) << '\n';
    std::cout << "export: " << shop.export_subject(customer, record, later) << '\n';
    std::cout << "forget: " << shop.forget(customer, "customer request via account page", later) << '\n';
    print_decision(shop, customer, "order", "email", later);
    try {
        shop.grant(customer, "marketing", {later, "cookie banner v3"});
        std::cout << "grant after forget: ok\n";
        return 1;
    } catch (const zweck::error &e) {
        std::cout << "grant after forget: " << zweck_status_str(static_cast<std::int32_t>(e.status())) << '\n';
        return e.status() == ZWECK_STATUS_SUBJECT_ERASED ? 0 : 1;
    }
}

}  // namespace

int main(int argc, char **argv) {
    try {
        return run(argc > 1 ? argv[1] : "examples/shop_policy.json",
                   argc > 2 ? argv[2] : "examples/shop_customer.json");
    } catch (const zweck::error &e) {
        std::cerr << "zweck error " << static_cast<int>(e.status()) << ": " << e.what() << '\n';
    } catch (const std::exception &e) {
        std::cerr << "error: " << e.what() << '\n';
    }
    return 1;
}
