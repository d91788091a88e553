#pragma once
// ROC-AUC of scores against binary labels (Mann-Whitney U with average ranks,
// so tied scores count one half).
#include <vector>

namespace bcemb {

// labels are 0 or 1; throws Error if either class is absent or sizes differ.
double roc_auc(const std::vector<float>& scores, const std::vector<float>& labels);

}  // namespace bcemb
