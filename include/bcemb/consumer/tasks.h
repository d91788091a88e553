#pragma once
// Unintended tasks: what consumer teams predict from the embeddings. Each task
// is binary (ROC-AUC) and takes edges (user ++ item embedding), users or items.
//
//   edge-rating             version 0's training edges / each version's validation
//                           edges; label rating >= 4
//   user-activity           every user known at t_{k+1}; label: >= 1 validation
//                           edge in version k's window
//   user-positive-activity  same users; label: max validation rating >= 4 (0 if none)
//   item-rating-avg         items with >= 10 ratings (version 0: in its training
//                           edges; version k: in its training + validation edges);
//                           label: mean rating >= the median over version 0's items
//   item-rating-std         same items; label: sample std of the ratings >= 1
//   user-<kind>=<v> / user-<kind>>=<t>, item-<kind>=<v> / item-<kind>>=<t>
//                           from attributes, when the data has them: the most
//                           frequent value one-vs-rest, or >= the median for numeric
//                           kinds; trained on a fixed 80% of version 0's nodes,
//                           selected on the rest, evaluated on nodes not trained on.
// Consumers train on version 0 and select hyper-parameters on version 0's
// examples, except the activity tasks: their version-0 labels are the training
// labels, so they select on version 1 and are evaluated from version 2 on.
#include <cstdint>
#include <string>
#include <vector>

#include "bcemb/data/dataset.h"
#include "bcemb/versions/time_slices.h"

namespace bcemb {

enum class TaskInput { Edge, User, Item };

struct TaskExamples {
  std::vector<int32_t> nodes;  // users (Edge, User) or items (Item)
  std::vector<int32_t> items;  // Edge only
  std::vector<float> labels;   // 0 or 1
  size_t size() const { return labels.size(); }
  double positive_rate() const;
};

// At most max_examples of ex (0: all), a fixed random subset drawn from
// `seed`, in their original order. A consumer's quality saturates long before
// a large graph's edge count (1M interactions: 509k edge examples), while its
// training cost grows with it; selection and evaluation keep every example.
TaskExamples sample_examples(const TaskExamples& ex, size_t max_examples, uint64_t seed);

struct TaskDef {
  std::string name;
  TaskInput input = TaskInput::User;
  int selection_version = 0;
  int first_eval_version = 1;
};

class TaskSet {
 public:
  TaskSet(const Dataset& ds, const std::vector<Version>& versions);
  const std::vector<TaskDef>& tasks() const { return tasks_; }
  const TaskDef& task(const std::string& name) const;  // throws Error on an unknown name
  TaskExamples train(const std::string& name) const;
  // Examples at version k (for selection or evaluation).
  TaskExamples at(const std::string& name, int version) const;

 private:
  struct AttributeTask {
    TaskInput input;
    int kind;           // index into the dataset's user or item attributes
    int32_t value = -1; // one-vs-rest value, or -1 for a numeric threshold
    double threshold = 0;
  };
  TaskExamples activity(int version, bool positive) const;
  TaskExamples item_rating(int version, bool std_task, bool training_only) const;
  TaskExamples edges(int version, bool train_edges) const;
  TaskExamples attribute(const AttributeTask& t, int version, int part) const;  // part: 0 train, 1 select, 2 eval
  float attribute_label(const AttributeTask& t, int32_t node) const;
  bool attribute_known(const AttributeTask& t, int32_t node) const;

  const Dataset& ds_;
  const std::vector<Version>& versions_;
  std::vector<TaskDef> tasks_;
  std::vector<AttributeTask> attribute_tasks_;  // parallel to the attribute entries of tasks_
  double avg_threshold_ = 0;
};

}  // namespace bcemb
