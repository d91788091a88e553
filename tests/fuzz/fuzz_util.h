#pragma once
// Shared by the libFuzzer targets: inputs become files in a private folder
// (in memory where /dev/shm exists), and bcemb::Error is the expected way for
// bad input to end; anything else (another exception, a crash, a sanitizer
// report) is a finding.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace bcemb::fuzz {

inline const std::string& scratch() {
  static const std::string dir = [] {
    const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    const auto d = base / ("bcemb_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d.string();
  }();
  return dir;
}

inline std::string write(const std::string& name, std::string_view bytes) {
  const std::string path = scratch() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// The input cut into `n` parts at the separator line "\n@@\n" (missing parts are empty).
inline std::vector<std::string_view> parts(const uint8_t* data, size_t size, size_t n) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> out;
  for (size_t i = 0; i + 1 < n; ++i) {
    const size_t at = in.find("\n@@\n");
    if (at == std::string_view::npos) break;
    out.push_back(in.substr(0, at));
    in.remove_prefix(at + 4);
  }
  out.push_back(in);
  out.resize(n);
  return out;
}

}  // namespace bcemb::fuzz
