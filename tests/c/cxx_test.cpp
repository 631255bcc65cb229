// The header used from C++17: extern "C" linkage, the enum as a C++ type, strings into std::string.
#include <cstdint>
#include <cstring>
#include <string>

#include "zweck.h"
#include "check.h"

int main() {
    const std::string version = zweck_version();
    CHECK(version == ZWECK_EXPECTED_VERSION, "zweck_version from C++");

    zweck_status status = ZWECK_STATUS_UNKNOWN_FIELD;
    CHECK(std::string(zweck_status_str(static_cast<std::int32_t>(status))) == "unknown field",
          "status names from C++");
    CHECK(std::strcmp(zweck_last_error_message(), "") == 0, "no last error yet");
    zweck_string_free(nullptr);

    return REPORT();
}
