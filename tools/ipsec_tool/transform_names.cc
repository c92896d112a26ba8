#include "transform_names.h"

#include <array>
#include <utility>

namespace ainet::tools {

namespace {

constexpr std::array<std::pair<std::string_view, sa::Transform>, 9> kNames{{
    {"aes128-gcm", sa::Transform::esp_aes128_gcm},
    {"aes256-gcm", sa::Transform::esp_aes256_gcm},
    {"chacha20-poly1305", sa::Transform::esp_chacha20_poly1305},
    {"aes128-cbc-hmac-sha256", sa::Transform::esp_aes128_cbc_hmac_sha256},
    {"aes256-cbc-hmac-sha256", sa::Transform::esp_aes256_cbc_hmac_sha256},
    {"null-hmac-sha256", sa::Transform::esp_null_hmac_sha256},
    {"ah-hmac-sha256", sa::Transform::ah_hmac_sha256},
    {"ah-aes128-gmac", sa::Transform::ah_aes128_gmac},
    {"ah-aes256-gmac", sa::Transform::ah_aes256_gmac},
}};

}  // namespace

std::optional<sa::Transform> parse_transform_name(std::string_view name) {
  for (const auto& [n, t] : kNames)
    if (n == name) return t;
  return std::nullopt;
}

std::string_view transform_name(sa::Transform t) {
  for (const auto& [n, v] : kNames)
    if (v == t) return n;
  return "?";
}

std::vector<sa::Transform> all_transforms() {
  std::vector<sa::Transform> v;
  for (const auto& [n, t] : kNames) v.push_back(t);
  return v;
}

std::string all_transform_names() {
  std::string s;
  for (const auto& [n, t] : kNames) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

}  // namespace ainet::tools
