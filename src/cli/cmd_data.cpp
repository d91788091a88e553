// bcemb data inspect: totals and per-version statistics of a dataset.
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bcemb/util/error.h"

#include "bcemb/versions/time_slices.h"
#include "commands.h"
#include "flags.h"

namespace bcemb::cli {

namespace {

// Bytes a load reads: the file, or the regular files of the folder.
int64_t input_bytes(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty()) return 0;
  if (fs::is_regular_file(path, ec)) return static_cast<int64_t>(fs::file_size(path, ec));
  int64_t total = 0;
  for (const auto& e : fs::directory_iterator(path, ec))
    if (e.is_regular_file(ec)) total += static_cast<int64_t>(e.file_size(ec));
  return total;
}

nlohmann::json totals(const Dataset& ds) {
  nlohmann::json j;
  j["name"] = ds.name;
  j["users"] = ds.num_users();
  j["items"] = ds.num_items();
  j["interactions"] = ds.interactions.size();
  if (!ds.interactions.empty()) {
    j["first_time"] = ds.interactions.front().time;
    j["last_time"] = ds.interactions.back().time;
  }
  j["item_attributes"] = nlohmann::json::object();
  for (const auto& a : ds.item_attributes) {
    int64_t with = 0;
    for (int32_t i = 0; i < ds.num_items(); ++i) with += a.count(i) > 0;
    j["item_attributes"][a.kind] = {{"values", a.values.size()}, {"items_with_value", with}};
  }
  j["user_attributes"] = nlohmann::json::object();
  for (const auto& a : ds.user_attributes) {
    int64_t with = 0;
    for (const int32_t v : a.value_of_user) with += v >= 0;
    j["user_attributes"][a.kind] = {{"values", a.values.size()}, {"users_with_value", with}};
  }
  return j;
}

nlohmann::json versions_json(const std::vector<Version>& versions) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& v : versions)
    j.push_back({{"version", v.index},
                             {"users", v.num_users},
                             {"items", v.num_items},
                             {"train_edges", v.train.size()},
                             {"val_edges", v.val.size()},
                             {"new_users", v.new_users()},
                             {"new_items", v.new_items()}});
  return j;
}

void print_totals(const nlohmann::json& j) {
  std::cout << "dataset       " << j["name"].get<std::string>() << "\n"
            << "users         " << j["users"] << "\n"
            << "items         " << j["items"] << "\n"
            << "interactions  " << j["interactions"] << "\n";
  const auto& load = j["load"];
  std::cout << "loaded in     " << std::fixed << std::setprecision(2) << load["seconds"].get<double>() << " s";
  if (load.contains("mb_per_s"))
    std::cout << " (" << std::setprecision(1) << load["mb_per_s"].get<double>() << " MB/s of "
              << std::setprecision(1) << load["bytes"].get<double>() / 1e6 << " MB)";
  std::cout << std::defaultfloat << "\n";
  for (const auto& [kind, a] : j["item_attributes"].items())
    std::cout << "item attribute " << kind << ": " << a["values"] << " values, on " << a["items_with_value"] << " items\n";
  for (const auto& [kind, a] : j["user_attributes"].items())
    std::cout << "user attribute " << kind << ": " << a["values"] << " values, on " << a["users_with_value"] << " users\n";
  for (const auto& kind : j["excluded_item_attributes"])
    std::cout << "item attribute " << kind.get<std::string>()
              << ": left out, identifier-like (--keep-attrs " << kind.get<std::string>() << " keeps it)\n";
}

void print_versions(const nlohmann::json& versions) {
  std::cout << "\nversion  users  items  train_edges  val_edges  new_users  new_items\n";
  for (const auto& v : versions) {
    auto col = [&](const char* key, int width) { std::cout << std::setw(width) << v[key].get<int64_t>(); };
    col("version", 7);
    col("users", 7);
    col("items", 7);
    col("train_edges", 13);
    col("val_edges", 11);
    col("new_users", 11);
    col("new_items", 11);
    std::cout << "\n";
  }
}

}  // namespace

void register_data(CLI::App& app) {
  auto* data = app.add_subcommand("data", "inspect datasets");
  data->require_subcommand(1);
  auto* cmd = data->add_subcommand("inspect", "totals and per-version statistics");
  auto flags = std::make_shared<DataFlags>();
  auto json = std::make_shared<bool>(false);
  flags->add(cmd);
  cmd->add_flag("--json", *json, "print JSON instead of text");
  cmd->callback([flags, json] {
    const auto t0 = std::chrono::steady_clock::now();
    LoadReport report;
    const Dataset ds = flags->load_dataset(&report);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json j = totals(ds);
    j["load"] = {{"seconds", seconds}};
    j["excluded_item_attributes"] = report.excluded_attributes;
    if (const int64_t bytes = input_bytes(flags->load.path); bytes > 0 && seconds > 0) {
      j["load"]["bytes"] = bytes;
      j["load"]["mb_per_s"] = static_cast<double>(bytes) / 1e6 / seconds;
    }
    // The totals stand even when the data cannot be cut into versions.
    std::string why;
    try {
      j["versions"] = versions_json(make_versions(ds, flags->slices()));
    } catch (const Error& e) {
      why = e.what();
      j["versions"] = nlohmann::json::array();
      j["versions_error"] = why;
    }
    if (*json) {
      std::cout << j.dump(2) << "\n";
    } else {
      print_totals(j);
      if (why.empty()) print_versions(j["versions"]);
    }
    if (!why.empty()) throw Error("no versions could be cut: " + why);
  });
}

}  // namespace bcemb::cli
