#include "bcemb/data/loaders.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "bcemb/util/error.h"
#include "test_util.h"

namespace bcemb {
namespace {

Dataset load(const std::string& format, const std::string& path, bool skip = false, LoadReport* report = nullptr,
             CsvOptions csv = {}) {
  LoadOptions o;
  o.format = format;
  o.path = path;
  o.skip_bad_lines = skip;
  o.csv = csv;
  return load_dataset(o, report);
}

TEST(MovieLens, CountsOnTheRealFiles) {
  REQUIRE_SHARED("movielens-100k/u.data");
  const Dataset ds = load("movielens", test::shared_data("movielens-100k"));
  EXPECT_EQ(ds.num_users(), 943);
  EXPECT_EQ(ds.num_items(), 1682);
  EXPECT_EQ(ds.interactions.size(), 100000u);
  for (size_t e = 1; e < ds.interactions.size(); ++e) ASSERT_LE(ds.interactions[e - 1].time, ds.interactions[e].time);
  const ItemAttribute* genre = ds.item_attribute("genre");
  ASSERT_NE(genre, nullptr);
  EXPECT_EQ(genre->values.size(), 19u);
  ASSERT_NE(ds.item_attribute("year"), nullptr);
  const UserAttribute* gender = ds.user_attribute("gender");
  ASSERT_NE(gender, nullptr);
  EXPECT_EQ(gender->values.size(), 2u);
  ASSERT_NE(ds.user_attribute("occupation"), nullptr);
  EXPECT_EQ(ds.user_attribute("occupation")->values.size(), 21u);
  // Ids follow first appearance in time.
  EXPECT_EQ(ds.interactions.front().user, 0);
  EXPECT_EQ(ds.interactions.front().item, 0);
}

TEST(Amazon, MagazineCountsAndPaperPreprocessing) {
  REQUIRE_SHARED("amazon2018-magazine-subscriptions/Magazine_Subscriptions_5.json.gz");
  LoadReport report;
  const Dataset ds = load("amazon", test::shared_data("amazon2018-magazine-subscriptions"), false, &report);
  ASSERT_FALSE(report.notes.empty());
  EXPECT_NE(report.notes[0].find("2375 reviews read"), std::string::npos) << report.notes[0];
  EXPECT_NE(report.notes[0].find("1065 duplicate meta"), std::string::npos) << report.notes[0];
  EXPECT_LT(ds.interactions.size(), 2375u);  // reviews of items without meta are dropped
  EXPECT_GT(ds.interactions.size(), 2000u);
  for (const auto& a : ds.item_attributes) {
    for (const auto& v : a.values) EXPECT_EQ(v.find("</span>"), std::string::npos);
    std::vector<int> count(a.values.size(), 0);
    for (const int32_t v : a.value_ids) ++count[v];
    for (const int c : count) EXPECT_GE(c, 5) << a.kind;  // rare values dropped
  }
}

TEST(Amazon, BrokenJsonNamesFileAndLine) {
  try {
    load("amazon", test::test_data("amazon_broken"));
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(e.file().find("Foo_5.json"), std::string::npos);
    EXPECT_EQ(e.line(), 2);
    EXPECT_NE(std::string(e.what()).find("broken JSON"), std::string::npos);
  }
}

TEST(Amazon, SkipModeReportsAndKeepsGoodLines) {
  LoadReport report;
  const Dataset ds = load("amazon", test::test_data("amazon_broken"), true, &report);
  EXPECT_EQ(report.skipped, 1);
  EXPECT_EQ(ds.interactions.size(), 2u);  // U1-A1, U3-A2; A9 has no meta
  EXPECT_EQ(ds.item_ids[0], "A1");
  EXPECT_EQ(ds.interactions[0].time, 1000);
  // reviewTime "03 6, 2004" -> 2004-03-06 00:00 UTC
  EXPECT_EQ(ds.interactions[1].time, 1078531200);
}

TEST(Csv, ParsesTimesHeaderAndMultiValuedColumn) {
  CsvOptions o;
  o.attr_columns = {"genres"};
  const Dataset ds = load("csv", test::test_data("csv/good.csv"), false, nullptr, o);
  ASSERT_EQ(ds.interactions.size(), 4u);
  EXPECT_EQ(ds.interactions[0].time, 1577836800);  // 2020-01-01
  EXPECT_EQ(ds.interactions[1].time, 1577959200);  // 2020-01-02T10:00:00Z and the unix twin (stable order)
  EXPECT_EQ(ds.interactions[2].time, 1577959200);
  EXPECT_EQ(ds.interactions[1].user, 1);          // bob appears first at that time
  EXPECT_EQ(ds.interactions[3].time, 1578036600);  // 08:30 at +01:00
  const ItemAttribute* g = ds.item_attribute("genres");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->values, (std::vector<std::string>{"Action", "Comedy", "Drama"}));
  EXPECT_EQ(g->count(0), 2);
}

TEST(Csv, TsvWithColumnsChosenByFlagsAndLongAttributeFile) {
  CsvOptions o;
  o.user_col = "uid";
  o.item_col = "iid";
  o.rating_col = "stars";
  o.time_col = "ts";
  o.item_attr_path = test::test_data("csv/item_attrs.tsv");  // its item column is called "item"
  const Dataset ds = load("csv", test::test_data("csv/interactions.tsv"), false, nullptr, o);
  ASSERT_EQ(ds.interactions.size(), 3u);
  EXPECT_EQ(ds.num_users(), 2);
  EXPECT_FLOAT_EQ(ds.interactions[1].rating, 5.0f);
  ASSERT_NE(ds.item_attribute("genre"), nullptr);
  EXPECT_EQ(ds.item_attribute("genre")->count(0), 2);
  o.time_col = "when";
  EXPECT_THROW(load("csv", test::test_data("csv/interactions.tsv"), false, nullptr, o), InputError);
}

TEST(Csv, LongFormAttributes) {
  test::TempDir dir;
  CsvOptions o;
  o.item_attr_path = test::test_data("csv/item_attrs.tsv");
  o.user_col = "user";
  std::ofstream(dir / "i.tsv") << "user\titem\trating\ttime\nu1\ti1\t4\t100\nu2\ti2\t5\t200\nu1\ti3\t1\t300\n";
  const Dataset ds = load("csv", dir / "i.tsv", false, nullptr, o);
  ASSERT_NE(ds.item_attribute("genre"), nullptr);
  ASSERT_NE(ds.item_attribute("brand"), nullptr);
  EXPECT_EQ(ds.item_attribute("genre")->count(0), 2);
  EXPECT_EQ(ds.item_attribute("brand")->count(2), 1);
}

TEST(Csv, GzipIsReadTransparently) {
  const Dataset ds = load("csv", test::test_data("csv/compressed.csv.gz"));
  EXPECT_EQ(ds.interactions.size(), 2u);
}

struct BadCase {
  const char* file;
  int64_t line;
  const char* field;
  const char* message;
};

class CsvBadLines : public ::testing::TestWithParam<BadCase> {};

TEST_P(CsvBadLines, ErrorNamesFileLineAndField) {
  const BadCase c = GetParam();
  try {
    load("csv", test::test_data(c.file));
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(e.file().find(c.file), std::string::npos);
    EXPECT_EQ(e.line(), c.line);
    EXPECT_EQ(e.field(), c.field);
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CsvBadLines,
                         ::testing::Values(BadCase{"csv/bad_fields.csv", 3, "", "expected 4 fields, found 3"},
                                           BadCase{"csv/bad_rating.csv", 3, "rating", "not a number"},
                                           BadCase{"csv/bad_time.csv", 3, "time", "not a unix time"},
                                           BadCase{"csv/empty_id.csv", 3, "user", "empty id"}));

TEST(Csv, SkipBadLinesCountsReasons) {
  LoadReport report;
  const Dataset ds = load("csv", test::test_data("csv/bad_rating.csv"), true, &report);
  EXPECT_EQ(ds.interactions.size(), 1u);
  EXPECT_EQ(report.skipped, 2);  // "three" and "nan"
  EXPECT_EQ(report.reasons.size(), 1u);
  EXPECT_NE(report.summary().find("bad_rating.csv:3"), std::string::npos);
}

TEST(MovieLens, BadLineNamesField) {
  try {
    load("movielens", test::test_data("movielens_bad"));
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.field(), "rating");
  }
}

TEST(Loaders, MissingFileAndUnknownFormat) {
  EXPECT_THROW(load("csv", "/nonexistent/file.csv"), Error);
  EXPECT_THROW(load("movielens", "/nonexistent"), Error);
  EXPECT_THROW(load("amazon", "/nonexistent"), Error);
  EXPECT_THROW(load("parquet", "x"), Error);
}

TEST(ParseTime, Iso8601AndUnix) {
  int64_t t;
  ASSERT_TRUE(parse_time("1577836800", t));
  EXPECT_EQ(t, 1577836800);
  ASSERT_TRUE(parse_time("1970-01-02", t));
  EXPECT_EQ(t, 86400);
  ASSERT_TRUE(parse_time("2000-03-01T00:00:00Z", t));
  EXPECT_EQ(t, 951868800);
  ASSERT_TRUE(parse_time("2000-03-01T01:30-01:00", t));
  EXPECT_EQ(t, 951868800 + 9000);
  EXPECT_FALSE(parse_time("2000-13-01", t));
  EXPECT_FALSE(parse_time("soon", t));
  EXPECT_FALSE(parse_time("", t));
}

}  // namespace
}  // namespace bcemb
