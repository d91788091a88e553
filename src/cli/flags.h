#pragma once
// Flag groups shared by the subcommands (CLI11).
#include <CLI/CLI.hpp>
#include <string>

#include "bcemb/data/loaders.h"
#include "bcemb/dist/process_group.h"
#include "bcemb/train/train_config.h"
#include "bcemb/versions/time_slices.h"

namespace bcemb::cli {

struct DataFlags {
  LoadOptions load;
  std::string delimiter;
  bool no_header = false;
  std::string value_sep = "|";
  std::string cuts = "0.5,0.6,0.7,0.8,0.9,1.0";
  std::string cut_times;
  void add(CLI::App* app);
  SliceSpec slices() const;
  Dataset load_dataset(LoadReport* report = nullptr) const;  // prints the report's notes on stderr
};

// --world-size --rank --rendezvous --dist-timeout: one rank of a data-parallel job.
struct DistFlags {
  dist::DistOptions options;
  void add(CLI::App* app);
  void join() const;  // connects (dist::set_current) when --world-size > 1
};

struct TrainFlags {
  TrainConfig config;
  DistFlags dist;
  std::string dims = "256,320,384,448,512";
  std::string layers = "2,2,3,3,3";
  std::string fanout = "10";
  std::string train_seeds;
  int threads = 0;
  void add(CLI::App* app);
  void add_seeds(CLI::App* app);  // --train-seeds, for the commands that compare strategies
  TrainConfig resolve() const;    // also applies --threads and joins the data-parallel job
  // Where a command writes: `out`, except on ranks > 0 of a data-parallel
  // job, which work in a private scratch folder removed at exit (their
  // later phases read back what they trained; rank 0 writes the results).
  static std::string output_dir(const std::string& out);
  std::vector<uint64_t> seeds() const;  // --train-seeds, else --seed
};

// Results on stdout: from rank 0 only in a data-parallel job.
void print_result(const std::string& text);

void add_threads_flag(CLI::App* app, int& threads);
void apply_threads(int threads);  // 0 = default

std::vector<double> parse_double_list(const std::string& s, const std::string& flag);
std::vector<int64_t> parse_int_list(const std::string& s, const std::string& flag);

}  // namespace bcemb::cli
