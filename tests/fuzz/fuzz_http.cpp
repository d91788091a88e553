// The HTTP server on raw request bytes (request line, headers, path, query,
// JSON and octet-stream batch bodies), over loopback to a server on a small
// registry. Any answer is fine but a 5xx (an unhandled failure) or no answer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "../fake_run.h"
#include "bcemb/registry/registry.h"
#include "bcemb/serve/server.h"
#include "fuzz_util.h"

namespace {

int g_port = 0;

void start_server() {
  const std::string run = bcemb::fuzz::scratch() + "/run", reg = bcemb::fuzz::scratch() + "/reg";
  bcemb::test::write_fake_run(run, {4, 6});
  bcemb::Registry::init(reg);
  bcemb::Registry r(reg);
  r.publish_run(run, 0);
  r.publish_run(run, 1);
  bcemb::ServeOptions o;
  o.port = 0;
  o.max_batch = 50;
  o.max_body = 4096;
  // Never destroyed: its event loops run until the process exits.
  static auto* const server = new bcemb::EmbeddingServer(reg, o);
  g_port = server->bind();
  std::thread([] { server->run(); }).detach();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  start_server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(g_port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno == ECONNREFUSED) __builtin_trap();  // the server died
    ::close(fd);  // out of local ports or buffers: not the server's fault
    return 0;
  }
  const linger reset{1, 0};  // close with RST: thousands of inputs a second must not pile up TIME_WAIT ports
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (size_t sent = 0; sent < size;) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early on a bad request
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<size_t>(n));
  ::close(fd);
  // Every response in the answer: an unhandled failure is a 500 (505, 501
  // and 503 are deliberate answers to unsupported protocol and load).
  for (size_t at = answer.find("HTTP/1.1 "); at != std::string::npos; at = answer.find("HTTP/1.1 ", at + 1))
    if (answer.compare(at + 9, 3, "500") == 0) __builtin_trap();
  return 0;
}
