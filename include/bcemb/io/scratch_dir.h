#pragma once
// A fresh private folder under the system temp dir (mkdtemp), removed with
// everything in it when the object goes away.
#include <string>

namespace bcemb {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix);  // throws Error if it cannot be made
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace bcemb
