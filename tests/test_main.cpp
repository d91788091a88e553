#include <gtest/gtest.h>

#include "bcemb/util/progress.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  bcemb::Progress::set_quiet(true);
  return RUN_ALL_TESTS();
}
