#pragma once
// Helpers shared by the tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "bcemb/data/synthetic.h"

namespace bcemb::test {

inline std::string shared_data(const std::string& rel) { return std::string(BCEMB_SHARED_DATA) + "/" + rel; }
inline std::string test_data(const std::string& rel) { return std::string(BCEMB_TEST_DATA) + "/" + rel; }

inline SyntheticConfig synthetic_size(int32_t users, int32_t items, int64_t interactions) {
  SyntheticConfig c;
  c.users = users;
  c.items = items;
  c.interactions = interactions;
  return c;
}

// A fresh empty folder under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("bcemb_test_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace bcemb::test

// Skips (visibly) when a shared dataset is absent, as ../shared/data/README asks.
#define REQUIRE_SHARED(rel)                                                                    \
  do {                                                                                         \
    if (!std::filesystem::exists(bcemb::test::shared_data(rel)))                               \
      GTEST_SKIP() << "shared dataset " << bcemb::test::shared_data(rel) << " is not present"; \
  } while (0)
