#include "bcemb/io/scratch_dir.h"

#include <cstdlib>
#include <filesystem>

#include "bcemb/util/error.h"

namespace bcemb {

ScratchDir::ScratchDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) throw Error("cannot create a scratch folder " + tmpl);
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace bcemb
