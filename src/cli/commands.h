#pragma once
// Each subcommand registers itself on the root app; the CLI stays thin:
// parse flags, call the library, print results.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "bcemb/compat/strategy.h"

namespace bcemb::cli {

void register_data(CLI::App& app);
void register_train(CLI::App& app);
void register_transform(CLI::App& app);
void register_bench(CLI::App& app);
void register_compare(CLI::App& app);
void register_experiment(CLI::App& app);
void register_consumer(CLI::App& app);
void register_registry(CLI::App& app);  // registry, export, serve
void register_launch(CLI::App& app);

// "a,b,c" -> specs; empty -> the paper's eight strategies.
std::vector<StrategySpec> strategy_list(const std::string& csv);

}  // namespace bcemb::cli
