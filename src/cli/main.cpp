// bcemb: backward compatible embeddings.
#include <CLI/CLI.hpp>
#include <iostream>

#include "bcemb/util/block_cache.h"
#include "bcemb/util/error.h"
#include "bcemb/util/progress.h"
#include "bcemb/util/runtime.h"
#include "commands.h"

int main(int argc, char** argv) {
  bcemb::prepare_runtime();
  bcemb::install_tensor_block_cache();
  CLI::App app{"bcemb: train embedding models with backward transforms, so every old consumer keeps working"};
  app.require_subcommand(1);
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "no progress on stderr");
  app.parse_complete_callback([&] { bcemb::Progress::set_quiet(quiet); });
  bcemb::cli::register_data(app);
  bcemb::cli::register_train(app);
  bcemb::cli::register_transform(app);
  bcemb::cli::register_bench(app);
  bcemb::cli::register_compare(app);
  bcemb::cli::register_experiment(app);
  bcemb::cli::register_consumer(app);
  bcemb::cli::register_registry(app);
  bcemb::cli::register_launch(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const bcemb::Error& e) {
    std::cerr << "bcemb: error: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "bcemb: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
