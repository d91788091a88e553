#include "bcemb/consumer/tasks.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "bcemb/data/loaders.h"
#include "bcemb/util/error.h"
#include "bcemb/util/hash.h"
#include "bcemb/util/rng.h"

namespace bcemb {

double TaskExamples::positive_rate() const {
  if (labels.empty()) return 0.0;
  double p = 0;
  for (const float l : labels) p += l;
  return p / static_cast<double>(labels.size());
}

TaskExamples sample_examples(const TaskExamples& ex, size_t max_examples, uint64_t seed) {
  const size_t n = ex.size();
  if (max_examples == 0 || n <= max_examples) return ex;
  // A partial Fisher-Yates shuffle picks the subset; sorting keeps the order.
  std::vector<size_t> pick(n);
  for (size_t i = 0; i < n; ++i) pick[i] = i;
  Rng rng(seed);
  for (size_t i = 0; i < max_examples; ++i) std::swap(pick[i], pick[i + rng.below(n - i)]);
  pick.resize(max_examples);
  std::sort(pick.begin(), pick.end());
  TaskExamples out;
  const bool edges = !ex.items.empty();
  out.nodes.reserve(max_examples);
  out.labels.reserve(max_examples);
  if (edges) out.items.reserve(max_examples);
  for (const size_t i : pick) {
    out.nodes.push_back(ex.nodes[i]);
    out.labels.push_back(ex.labels[i]);
    if (edges) out.items.push_back(ex.items[i]);
  }
  return out;
}

namespace {

constexpr int kMinItemRatings = 10;

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// A fixed 80/20 split of nodes by their original id (stable across runs and versions).
bool in_training_part(const std::string& id) { return fnv1a64(id) % 5 != 0; }

bool numeric_values(const std::vector<std::string>& values, std::vector<double>& out) {
  out.clear();
  for (const auto& v : values) {
    float f;
    if (!parse_float(v, f)) return false;
    out.push_back(f);
  }
  return !values.empty();
}

std::string number_name(double t) {
  const double r = std::round(t);
  return std::abs(r - t) < 1e-9 ? std::to_string(static_cast<int64_t>(r)) : std::to_string(t);
}

}  // namespace

TaskSet::TaskSet(const Dataset& ds, const std::vector<Version>& versions) : ds_(ds), versions_(versions) {
  if (versions.empty()) throw Error("tasks need at least one version");
  tasks_ = {{"edge-rating", TaskInput::Edge, 0, 1},
            {"user-activity", TaskInput::User, 1, 2},
            {"user-positive-activity", TaskInput::User, 1, 2},
            {"item-rating-avg", TaskInput::Item, 0, 1},
            {"item-rating-std", TaskInput::Item, 0, 1}};
  // The item-rating-avg threshold: the median item mean over version 0's training items.
  {
    std::map<int32_t, std::pair<double, int>> acc;
    for (const int64_t e : versions[0].train) {
      auto& a = acc[ds.interactions[e].item];
      a.first += ds.interactions[e].rating;
      ++a.second;
    }
    std::vector<double> means;
    for (const auto& [item, a] : acc)
      if (a.second >= kMinItemRatings) means.push_back(a.first / a.second);
    avg_threshold_ = median(means);
  }
  // Attribute tasks: the most frequent value (one-vs-rest), or the median of a numeric kind.
  const Version& v0 = versions[0];
  auto add_attribute = [&](TaskInput input, int kind, const std::string& kind_name, bool numeric,
                           const std::vector<std::string>& vocab, const std::vector<int32_t>& value_per_node) {
    std::vector<double> numbers;
    AttributeTask t{input, kind};
    std::string name = std::string(input == TaskInput::User ? "user-" : "item-") + kind_name;
    if (numeric && numeric_values(vocab, numbers)) {
      std::vector<double> train_values;
      for (size_t n = 0; n < value_per_node.size(); ++n) {
        const std::string& id = input == TaskInput::User ? ds.user_ids[n] : ds.item_ids[n];
        if (value_per_node[n] >= 0 && in_training_part(id)) train_values.push_back(numbers[value_per_node[n]]);
      }
      t.threshold = median(train_values);
      name += ">=" + number_name(t.threshold);
    } else {
      std::vector<int64_t> count(vocab.size(), 0);
      for (const int32_t v : value_per_node)
        if (v >= 0) ++count[v];
      t.value = static_cast<int32_t>(std::max_element(count.begin(), count.end()) - count.begin());
      name += "=" + vocab[t.value];
    }
    tasks_.push_back({name, input, 0, 1});
    attribute_tasks_.push_back(t);
  };
  for (size_t k = 0; k < ds.user_attributes.size(); ++k) {
    const auto& a = ds.user_attributes[k];
    std::vector<int32_t> first(a.value_of_user.begin(), a.value_of_user.begin() + v0.num_users);
    add_attribute(TaskInput::User, static_cast<int>(k), a.kind, a.numeric, a.values, first);
  }
  for (size_t k = 0; k < ds.item_attributes.size(); ++k) {
    const auto& a = ds.item_attributes[k];
    std::vector<int32_t> first(static_cast<size_t>(v0.num_items), -1);  // first value of each version-0 item
    std::vector<int64_t> count(a.values.size(), 0);
    for (int32_t i = 0; i < v0.num_items; ++i) {
      if (a.count(i) > 0) first[i] = a.value_ids[a.offsets[i]];
      for (int64_t p = a.offsets[i]; p < a.offsets[i + 1]; ++p) ++count[a.value_ids[p]];
    }
    if (a.numeric) {
      add_attribute(TaskInput::Item, static_cast<int>(k), a.kind, true, a.values, first);
    } else {
      // multi-valued: one-vs-rest on the value most items carry
      AttributeTask t{TaskInput::Item, static_cast<int>(k)};
      t.value = static_cast<int32_t>(std::max_element(count.begin(), count.end()) - count.begin());
      tasks_.push_back({"item-" + a.kind + "=" + a.values[t.value], TaskInput::Item, 0, 1});
      attribute_tasks_.push_back(t);
    }
  }
}

const TaskDef& TaskSet::task(const std::string& name) const {
  for (const auto& t : tasks_)
    if (t.name == name) return t;
  std::string known;
  for (const auto& t : tasks_) known += " " + t.name;
  throw Error("unknown task '" + name + "'; this data has:" + known);
}

TaskExamples TaskSet::edges(int version, bool train_edges) const {
  TaskExamples ex;
  const Version& v = versions_[version];
  for (const int64_t e : train_edges ? v.train : v.val) {
    const Interaction& it = ds_.interactions[e];
    ex.nodes.push_back(it.user);
    ex.items.push_back(it.item);
    ex.labels.push_back(it.rating >= 4.0f ? 1.0f : 0.0f);
  }
  return ex;
}

TaskExamples TaskSet::activity(int version, bool positive) const {
  const Version& v = versions_[version];
  std::vector<float> max_rating(static_cast<size_t>(v.num_users), -1.0f);
  for (const int64_t e : v.val) {
    const Interaction& it = ds_.interactions[e];
    max_rating[it.user] = std::max(max_rating[it.user], it.rating);
  }
  TaskExamples ex;
  for (int32_t u = 0; u < v.num_users; ++u) {
    ex.nodes.push_back(u);
    ex.labels.push_back(positive ? (max_rating[u] >= 4.0f ? 1.0f : 0.0f) : (max_rating[u] >= 0.0f ? 1.0f : 0.0f));
  }
  return ex;
}

TaskExamples TaskSet::item_rating(int version, bool std_task, bool training_only) const {
  const Version& v = versions_[version];
  std::vector<std::vector<float>> ratings(static_cast<size_t>(v.num_items));
  for (const int64_t e : v.train) ratings[ds_.interactions[e].item].push_back(ds_.interactions[e].rating);
  if (!training_only)
    for (const int64_t e : v.val) ratings[ds_.interactions[e].item].push_back(ds_.interactions[e].rating);
  TaskExamples ex;
  for (int32_t i = 0; i < v.num_items; ++i) {
    const auto& r = ratings[i];
    if (static_cast<int>(r.size()) < kMinItemRatings) continue;
    double mean = 0;
    for (const float x : r) mean += x;
    mean /= static_cast<double>(r.size());
    double var = 0;
    for (const float x : r) var += (x - mean) * (x - mean);
    const double sample_std = std::sqrt(var / static_cast<double>(r.size() - 1));
    ex.nodes.push_back(i);
    ex.labels.push_back(std_task ? (sample_std >= 1.0 ? 1.0f : 0.0f) : (mean >= avg_threshold_ ? 1.0f : 0.0f));
  }
  return ex;
}

bool TaskSet::attribute_known(const AttributeTask& t, int32_t node) const {
  if (t.input == TaskInput::User) return ds_.user_attributes[t.kind].value_of_user[node] >= 0;
  return ds_.item_attributes[t.kind].count(node) > 0;
}

float TaskSet::attribute_label(const AttributeTask& t, int32_t node) const {
  if (t.input == TaskInput::User) {
    const auto& a = ds_.user_attributes[t.kind];
    const int32_t v = a.value_of_user[node];
    if (t.value >= 0) return v == t.value ? 1.0f : 0.0f;
    float f = 0;
    parse_float(a.values[v], f);
    return f >= t.threshold ? 1.0f : 0.0f;
  }
  const auto& a = ds_.item_attributes[t.kind];
  if (t.value >= 0) {
    for (int64_t p = a.offsets[node]; p < a.offsets[node + 1]; ++p)
      if (a.value_ids[p] == t.value) return 1.0f;
    return 0.0f;
  }
  float f = 0;
  parse_float(a.values[a.value_ids[a.offsets[node]]], f);
  return f >= t.threshold ? 1.0f : 0.0f;
}

TaskExamples TaskSet::attribute(const AttributeTask& t, int version, int part) const {
  const Version& v = versions_[version];
  const int32_t n = t.input == TaskInput::User ? v.num_users : v.num_items;
  TaskExamples ex;
  for (int32_t node = 0; node < n; ++node) {
    if (!attribute_known(t, node)) continue;
    const bool trained = in_training_part(t.input == TaskInput::User ? ds_.user_ids[node] : ds_.item_ids[node]);
    if ((part == 0) != trained) continue;
    ex.nodes.push_back(node);
    ex.labels.push_back(attribute_label(t, node));
  }
  return ex;
}

TaskExamples TaskSet::train(const std::string& name) const {
  const TaskDef& t = task(name);
  if (name == "edge-rating") return edges(0, true);
  if (name == "user-activity") return activity(0, false);
  if (name == "user-positive-activity") return activity(0, true);
  if (name == "item-rating-avg") return item_rating(0, false, true);
  if (name == "item-rating-std") return item_rating(0, true, true);
  const size_t a = static_cast<size_t>(&t - tasks_.data()) - 5;
  return attribute(attribute_tasks_[a], 0, 0);
}

TaskExamples TaskSet::at(const std::string& name, int version) const {
  const TaskDef& t = task(name);
  if (version < 0 || version >= static_cast<int>(versions_.size()))
    throw Error("task " + name + ": version " + std::to_string(version) + " does not exist");
  if (name == "edge-rating") return edges(version, false);
  if (name == "user-activity") return activity(version, false);
  if (name == "user-positive-activity") return activity(version, true);
  if (name == "item-rating-avg") return item_rating(version, false, false);
  if (name == "item-rating-std") return item_rating(version, true, false);
  const size_t a = static_cast<size_t>(&t - tasks_.data()) - 5;
  return attribute(attribute_tasks_[a], version, version == 0 ? 1 : 2);
}

}  // namespace bcemb
