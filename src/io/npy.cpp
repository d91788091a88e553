#include "bcemb/io/npy.h"

#include <charconv>
#include <cstring>
#include <regex>

#include "bcemb/io/atomic_file.h"
#include "bcemb/util/error.h"

namespace bcemb {

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (const int64_t s : shape) n *= s;
  return n;
}

namespace {

int64_t dtype_size(const std::string& dtype) {
  if (dtype == "<f4") return 4;
  if (dtype == "<i8") return 8;
  return 0;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) s += ",";
    if (i + 1 < shape.size()) s += " ";
  }
  return s + ")";
}

}  // namespace

std::string npy_bytes(const void* data, const std::vector<int64_t>& shape, const std::string& dtype) {
  std::string header = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shape_str(shape) + ", }";
  // Pad so that magic(6)+version(2)+len(2)+header is a multiple of 64, ending in '\n'.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += header;
  int64_t n = 1;
  for (const int64_t s : shape) n *= s;
  out.append(static_cast<const char*>(data), static_cast<size_t>(n * dtype_size(dtype)));
  return out;
}

void write_npy_f32(const std::string& path, const float* data, const std::vector<int64_t>& shape) {
  write_file_atomic(path, npy_bytes(data, shape, "<f4"));
}

void write_npy_i64(const std::string& path, const int64_t* data, const std::vector<int64_t>& shape) {
  write_file_atomic(path, npy_bytes(data, shape, "<i8"));
}

NpyArray parse_npy(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    throw Error(name + ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw Error(name + ": truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw Error(name + ": unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < offset + header_len) throw Error(name + ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  std::smatch m;
  NpyArray a;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")))
    throw Error(name + ": .npy header has no descr");
  a.dtype = m[1];
  if (dtype_size(a.dtype) == 0) throw Error(name + ": unsupported dtype " + a.dtype + " (want <f4 or <i8)");
  if (!std::regex_search(header, m, std::regex("'fortran_order':\\s*(True|False)")))
    throw Error(name + ": .npy header has no fortran_order");
  if (m[1] == "True") throw Error(name + ": Fortran-ordered arrays are not supported (save with C order)");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw Error(name + ": .npy header has no shape");
  const std::string dims = m[1];
  std::regex num("[0-9]+");
  // Sizes are checked before they multiply: a damaged header must not overflow.
  int64_t elements = 1;
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
    const std::string d = it->str();
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), n);
    if (ec != std::errc() || end != d.data() + d.size() || (n > 0 && elements > (int64_t{1} << 40) / n))
      throw Error(name + ": .npy shape (" + dims + ") is too large (corrupt header?)");
    elements *= n;
    a.shape.push_back(n);
  }
  const size_t payload = static_cast<size_t>(a.numel() * dtype_size(a.dtype));
  const size_t start = offset + header_len;
  if (bytes.size() != start + payload)
    throw Error(name + ": payload is " + std::to_string(bytes.size() - start) + " bytes, shape " + shape_str(a.shape) +
                " needs " + std::to_string(payload) + " (truncated or corrupt)");
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(start), bytes.end());
  return a;
}

NpyArray read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

Matrix read_matrix_npy(const std::string& path) {
  NpyArray a = read_npy(path);
  if (a.dtype != "<f4" || a.shape.size() != 2)
    throw Error(path + ": expected a 2-D float32 array, got dtype " + a.dtype + " with " + std::to_string(a.shape.size()) +
                " dimensions");
  Matrix m(a.shape[0], a.shape[1]);
  if (!a.data.empty()) std::memcpy(m.data.data(), a.data.data(), a.data.size());  // an empty array has null buffers
  return m;
}

void write_matrix_npy(const std::string& path, const Matrix& m) { write_npy_f32(path, m.data.data(), {m.rows, m.cols}); }

}  // namespace bcemb
