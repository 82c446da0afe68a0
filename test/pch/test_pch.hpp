// Precompiled for every test file: Catch2, nlohmann::json (configs) and the kerasxx umbrella
// header are the slow parts.
#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>
#include <nlohmann/json.hpp>
