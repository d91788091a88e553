#pragma once
// Crash-safe file writes: data goes to a temporary name in the same folder,
// is fsynced, then renamed over the target (and the folder fsynced), so a
// reader sees either the old file or the complete new one, never a torn one.
#include <cstddef>
#include <string>

namespace bcemb {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t size);
  void write(const std::string& s) { write(s.data(), s.size()); }
  void commit();  // fsync, rename, fsync parent folder
  const std::string& temp_path() const { return temp_; }

 private:
  std::string path_;
  std::string temp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Convenience: atomically replace `path` with `content`.
void write_file_atomic(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);
void fsync_dir(const std::string& dir);
void make_dirs(const std::string& dir);
bool path_exists(const std::string& path);

}  // namespace bcemb
