#include "bcemb/registry/registry.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>

#include "bcemb/util/error.h"
#include "fake_run.h"
#include "test_util.h"

namespace bcemb {
namespace {

void publish_all(Registry& r, const std::string& run, int n) {
  for (int k = 0; k < n; ++k) r.publish_run(run, k);
}

TEST(Registry, PublishListAndChainEqualsRunChain) {
  test::TempDir dir;
  test::write_fake_run(dir / "run", {4, 6, 8});
  Registry::init(dir / "reg");
  EXPECT_THROW(Registry::init(dir / "reg"), Error);
  Registry r(dir / "reg");
  EXPECT_EQ(r.latest(), -1);
  EXPECT_THROW(r.publish_run(dir / "run", 1), Error);  // out of order
  publish_all(r, dir / "run", 3);
  EXPECT_EQ(r.latest(), 2);
  EXPECT_THROW(r.publish_run(dir / "run", 2), Error);  // already there
  const auto versions = r.list();
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[2].dim, 8);
  EXPECT_EQ(versions[2].parent, 1);
  EXPECT_EQ(versions[1].files.count("transform"), 1u);
  // composed from the registry == step-by-step chain of the run
  const RunDir rd(dir / "run");
  const Matrix z = rd.embeddings(2, "items");
  const Matrix a = r.chain().apply(r.table(versions[2], "items"), 2, 0);
  const Matrix b = rd.chain().apply_chain(z, 2, 0);
  ASSERT_EQ(a.data.size(), b.data.size());
  for (size_t i = 0; i < a.data.size(); ++i) EXPECT_NEAR(a.data[i], b.data[i], 1e-3);
  EXPECT_TRUE(r.verify().ok());
}

TEST(Registry, GcKeepsEveryVersionServable) {
  test::TempDir dir;
  test::write_fake_run(dir / "run", {4, 6, 8});
  Registry::init(dir / "reg");
  Registry r(dir / "reg");
  publish_all(r, dir / "run", 3);
  const GcReport rep = r.gc();
  EXPECT_EQ(rep.versions_trimmed, 2);
  EXPECT_GE(rep.objects_removed, 8);  // two versions' tables, ids and checkpoints
  const auto versions = r.list();
  EXPECT_FALSE(versions[0].has_tables());
  EXPECT_TRUE(versions[2].has_tables());
  EXPECT_THROW(r.table(versions[0], "items"), Error);
  const Matrix v0 = r.chain().apply(r.table(versions[2], "items"), 2, 0);
  EXPECT_EQ(v0.cols, 4);
  EXPECT_TRUE(r.verify().ok()) << r.verify().problems.front();
}

// A run of a strategy with a gauge has G.npy beside B.npy: published with
// the version (checked for shape first, nothing stored when it is wrong),
// verified, and dropped by gc with the older versions' checkpoints.
TEST(Registry, GaugeIsPublishedCheckedAndTrimmed) {
  test::TempDir dir;
  test::write_fake_run(dir / "run", {4, 6, 8});
  write_matrix_npy(dir / "run/v1/G.npy", test::random_matrix(6, 6, 7));
  write_matrix_npy(dir / "run/v2/G.npy", test::random_matrix(6, 8, 8));  // wrong shape
  Registry::init(dir / "reg");
  Registry r(dir / "reg");
  publish_all(r, dir / "run", 2);
  EXPECT_EQ(r.list()[0].files.count("gauge"), 0u);
  EXPECT_EQ(r.list()[1].files.count("gauge"), 1u);
  try {
    r.publish_run(dir / "run", 2);
    FAIL() << "a 6x8 gauge of an 8-wide version was published";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("G.npy: shape 6x8, expected 8x8"), std::string::npos) << e.what();
  }
  EXPECT_EQ(r.latest(), 1);
  write_matrix_npy(dir / "run/v2/G.npy", test::random_matrix(8, 8, 8));
  r.publish_run(dir / "run", 2);
  EXPECT_TRUE(r.verify().ok()) << r.verify().problems.front();
  r.gc();
  EXPECT_EQ(r.list()[1].files.count("gauge"), 0u);
  EXPECT_EQ(r.list()[2].files.count("gauge"), 1u);
  EXPECT_TRUE(r.verify().ok()) << r.verify().problems.front();
}

TEST(Registry, VerifyDetectsAFlippedByteAndAMissingFile) {
  test::TempDir dir;
  test::write_fake_run(dir / "run", {4, 6});
  Registry::init(dir / "reg");
  Registry r(dir / "reg");
  publish_all(r, dir / "run", 2);
  const RegistryVersion v1 = *r.get(1);
  const std::string path = r.object_path(v1.files.at("item_emb"));
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    char c;
    f.read(&c, 1);
    f.seekp(200);
    c ^= 0x10;
    f.write(&c, 1);
  }
  const VerifyReport rep = r.verify();
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.problems[0].find("version 1 item_emb"), std::string::npos) << rep.problems[0];
  EXPECT_NE(rep.problems[0].find(path), std::string::npos);
  EXPECT_NE(rep.problems[0].find("checksum"), std::string::npos);
  EXPECT_THROW(r.table(v1, "items"), Error);
  std::remove(r.object_path(v1.files.at("transform")).c_str());
  const VerifyReport rep2 = r.verify();
  EXPECT_EQ(rep2.problems.size(), 2u);
  EXPECT_NE(rep2.problems[1].find("missing"), std::string::npos);
}

TEST(Registry, RunsOfDifferentLineageDoNotMix) {
  test::TempDir dir;
  test::write_fake_run(dir / "a", {4, 6}, 1, "run-a");
  test::write_fake_run(dir / "b", {4, 6}, 2, "run-b");
  Registry::init(dir / "reg");
  Registry r(dir / "reg");
  r.publish_run(dir / "a", 0);
  EXPECT_THROW(r.publish_run(dir / "b", 1), Error);
  EXPECT_EQ(r.latest(), 0);
}

TEST(Registry, PublishExternalFitsAMapToThePreviousVersion) {
  test::TempDir dir;
  test::write_fake_run(dir / "run", {4});
  Registry::init(dir / "reg");
  Registry r(dir / "reg");
  r.publish_run(dir / "run", 0);
  const RegistryVersion v0 = *r.get(0);
  const Matrix prev = r.table(v0, "items");
  // new model: a 6-d embedding whose first 4 dims are a rotation of the old space, rows shuffled
  const Matrix rot = test::random_matrix(4, 6, 9);  // z_new = z_prev @ rot (+ noise): lstsq recovers a B
  Matrix z(prev.rows, 6);
  std::vector<std::string> ids;
  for (int64_t i = 0; i < prev.rows; ++i) {
    const int64_t src = prev.rows - 1 - i;
    for (int64_t c = 0; c < 6; ++c) {
      float s = 0;
      for (int64_t k = 0; k < 4; ++k) s += prev.at(src, k) * rot.at(k, c);
      z.at(i, c) = s;
    }
    ids.push_back("i" + std::to_string(src));
  }
  ids.push_back("brand-new");
  Matrix z2(z.rows + 1, 6);
  std::copy(z.data.begin(), z.data.end(), z2.data.begin());
  write_matrix_npy(dir / "new.npy", z2);
  {
    std::ofstream f(dir / "ids.txt");
    for (const auto& id : ids) f << id << "\n";
  }
  ExternalPublish req;
  req.item_embeddings = dir / "new.npy";
  req.item_ids = dir / "ids.txt";
  req.previous_version = 0;
  const ExternalReport rep = r.publish_external(req);
  EXPECT_EQ(rep.version, 1);
  EXPECT_EQ(rep.matched, prev.rows);
  EXPECT_LT(rep.alignment_error, 1e-3);
  const RegistryVersion v1 = *r.get(1);
  EXPECT_EQ(v1.items, prev.rows + 1);
  const Matrix back = r.chain().apply(r.table(v1, "items"), 1, 0);
  EXPECT_NEAR(back.at(0, 2), prev.at(prev.rows - 1, 2), 1e-3);
  req.previous_version = 1;
  req.fit = "procrustes";  // 6 -> 6 would work, but the new table is 6 wide and version 1 is 6: fine
  EXPECT_NO_THROW(r.publish_external(req));
  req.previous_version = 0;  // not the latest
  EXPECT_THROW(r.publish_external(req), Error);
  EXPECT_TRUE(r.verify().ok());
}

// Crash safety: a publish killed (SIGKILL) at every step of its way leaves the
// registry readable, every earlier version intact, and no half-visible version.
TEST(Registry, PublishKilledAtAnyStepIsAtomic) {
  test::TempDir dir;
  const int versions = 20;
  std::vector<int64_t> dims(versions, 3);
  test::write_fake_run(dir / "run", dims);
  Registry::init(dir / "reg");
  int trials = 0, killed = 0;
  int next = 0;
  for (int step = 1; next < versions; ++step) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      Registry::set_crash_point(step % 16 + 1);
      Registry r(dir / "reg");
      r.publish_run(dir / "run", r.latest() + 1);
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ++trials;
    const bool was_killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    killed += was_killed;
    ASSERT_TRUE(was_killed || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
    const Registry r(dir / "reg");
    const VerifyReport rep = r.verify();
    ASSERT_TRUE(rep.ok()) << "after trial " << trials << ": " << rep.problems.front();
    const int latest = r.latest();
    ASSERT_TRUE(latest == next - 1 || latest == next) << "latest " << latest << " expected " << next;
    if (latest == next) {
      ASSERT_TRUE(r.get(latest)->has_tables());
      ++next;
    }
    ASSERT_LT(trials, 400);
  }
  EXPECT_GE(trials, 50);
  EXPECT_GE(killed, 40);
}

// The same with a real kill -9 from outside at unpredictable moments: the
// child announces each publish on a pipe and the parent kills it right away.
TEST(Registry, PublishUnderRandomKillNineStaysConsistent) {
  test::TempDir dir;
  const int versions = 30;
  std::vector<int64_t> dims(versions, 3);
  test::write_fake_run(dir / "run", dims);
  Registry::init(dir / "reg");
  Rng rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      Registry r(dir / "reg");
      for (int k = r.latest() + 1; k < versions; ++k) {
        const char c = 'p';
        if (write(fds[1], &c, 1) != 1) _exit(2);
        r.publish_run(dir / "run", k);
      }
      _exit(0);
    }
    close(fds[1]);
    const int wait_for = 1 + static_cast<int>(rng.below(3));
    char c;
    for (int i = 0; i < wait_for && read(fds[0], &c, 1) == 1; ++i) {
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(fds[0]);
    const Registry r(dir / "reg");
    const VerifyReport rep = r.verify();
    ASSERT_TRUE(rep.ok()) << "after kill " << trial << ": " << rep.problems.front();
  }
  const Registry r(dir / "reg");
  EXPECT_GE(r.latest(), 0);
}

// A child process that waits for `go`, then runs fn: exit 0, or 1 with the
// Error's message on its pipe.
struct Racer {
  pid_t pid = -1;
  int go = -1, message = -1;
  template <typename Fn>
  explicit Racer(Fn fn) {
    int g[2], m[2];
    if (pipe(g) != 0 || pipe(m) != 0) std::abort();
    pid = fork();
    if (pid == 0) {
      close(g[1]);
      close(m[0]);
      char c;
      if (read(g[0], &c, 1) != 1) _exit(3);
      try {
        fn();
        _exit(0);
      } catch (const Error& e) {
        const std::string what = e.what();
        if (write(m[1], what.data(), what.size()) < 0) _exit(4);
        _exit(1);
      }
    }
    close(g[0]);
    close(m[1]);
    go = g[1];
    message = m[0];
  }
  void start() const {
    if (write(go, "g", 1) != 1) std::abort();
  }
  int wait(std::string& text) {
    int status = 0;
    waitpid(pid, &status, 0);
    char buf[512];
    for (ssize_t n; (n = read(message, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    close(go);
    close(message);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

// Two processes publish the same next version at once, 50 times over:
// exactly one wins each time and the other says why.
TEST(Registry, RacingPublishesOfOneVersionHaveOneWinner) {
  test::TempDir dir;
  const int trials = 50;
  test::write_fake_run(dir / "run", std::vector<int64_t>(trials + 1, 3));
  Registry::init(dir / "reg");
  Registry(dir / "reg").publish_run(dir / "run", 0);
  for (int k = 1; k <= trials; ++k) {
    auto publish = [&] { Registry(dir / "reg").publish_run(dir / "run", k); };
    Racer a(publish), b(publish);
    a.start();
    b.start();
    std::string ma, mb;
    const int ra = a.wait(ma), rb = b.wait(mb);
    ASSERT_EQ(ra + rb, 1) << "trial " << k << ": exit codes " << ra << " and " << rb << " (" << ma << mb << ")";
    const std::string& loser = ra == 1 ? ma : mb;
    EXPECT_NE(loser.find("holds versions up to " + std::to_string(k)), std::string::npos) << loser;
    const Registry r(dir / "reg");
    ASSERT_EQ(r.latest(), k);
    const VerifyReport rep = r.verify();
    ASSERT_TRUE(rep.ok()) << rep.problems.front();
  }
}

// gc in another process, over and over, while versions are published: no
// published version loses a file (gc must not delete a publish's objects
// before it commits).
TEST(Registry, GcRacingPublishesNeverLosesAVersion) {
  test::TempDir dir;
  const int versions = 25;
  test::write_fake_run(dir / "run", std::vector<int64_t>(versions, 4));
  Registry::init(dir / "reg");
  Registry(dir / "reg").publish_run(dir / "run", 0);
  Racer collector([&] {
    for (int i = 0; i < 200; ++i) Registry(dir / "reg").gc();
  });
  collector.start();
  for (int k = 1; k < versions; ++k) Registry(dir / "reg").publish_run(dir / "run", k);
  std::string message;
  EXPECT_EQ(collector.wait(message), 0) << message;
  Registry r(dir / "reg");
  r.gc();
  const VerifyReport rep = r.verify();
  ASSERT_TRUE(rep.ok()) << rep.problems.front();
  EXPECT_EQ(r.latest(), versions - 1);
  const Matrix z = r.table(*r.get(versions - 1), "items");
  EXPECT_EQ(r.chain().apply(z, versions - 1, 0).cols, 4);
}

// A full disk (the file size limit of a child process) in the middle of a
// publish: a clear error, no version half there, every earlier one intact.
TEST(Registry, FullDiskDuringPublishLeavesNoHalfVersion) {
  test::TempDir dir;
  test::write_fake_run(dir / "run", {4, 1024});  // version 1's tables are far over the limit below
  Registry::init(dir / "reg");
  Registry(dir / "reg").publish_run(dir / "run", 0);
  Racer publisher([&] {
    std::signal(SIGXFSZ, SIG_IGN);  // an oversized write then fails with EFBIG instead of killing
    rlimit limit{48 << 10, 48 << 10};  // room for the catalog's WAL index, not for the tables
    setrlimit(RLIMIT_FSIZE, &limit);
    Registry(dir / "reg").publish_run(dir / "run", 1);
  });
  publisher.start();
  std::string message;
  ASSERT_EQ(publisher.wait(message), 1);
  EXPECT_NE(message.find("cannot write"), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  const Registry r(dir / "reg");
  EXPECT_EQ(r.latest(), 0);
  const VerifyReport rep = r.verify();
  EXPECT_TRUE(rep.ok()) << rep.problems.front();
  EXPECT_TRUE(r.get(0)->has_tables());
}

TEST(Registry, NotARegistryIsAClearError) {
  test::TempDir dir;
  try {
    Registry r(dir.str());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a registry"), std::string::npos);
  }
}

TEST(Npy, RoundTripsThroughDebianNumpy) {
  if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) GTEST_SKIP() << "python3-numpy is not installed";
  test::TempDir dir;
  const Matrix m = test::random_matrix(5, 3, 4);
  write_matrix_npy(dir / "a.npy", m);
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np; a = np.load('" + (dir / "a.npy") +
                          "'); assert a.dtype == np.float32 and a.shape == (5, 3) and a.flags['C_CONTIGUOUS'];"
                          " np.save('" + (dir / "b.npy") + "', a * 2)\"";
  ASSERT_EQ(system(cmd.c_str()), 0);
  const Matrix b = read_matrix_npy(dir / "b.npy");
  for (size_t i = 0; i < m.data.size(); ++i) EXPECT_FLOAT_EQ(b.data[i], 2 * m.data[i]);
}

}  // namespace
}  // namespace bcemb
