#pragma once
// Each subcommand registers itself on the root app; the CLI stays thin:
// parse flags, call the library, print results.
#include <CLI/CLI.hpp>

namespace bcemb::cli {

void register_data(CLI::App& app);
void register_train(CLI::App& app);
void register_transform(CLI::App& app);
void register_bench(CLI::App& app);

}  // namespace bcemb::cli
