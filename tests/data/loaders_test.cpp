#include "bcemb/data/loaders.h"

#include <gtest/gtest.h>

#include <zlib.h>

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

// Found by fuzzing: a number JSON cannot hold is a bad line, not a crash.
TEST(Amazon, NumberOutOfRangeIsABadLine) {
  test::TempDir dir;
  std::ofstream(dir / "Foo_5.json") << "{\"overall\": 5.0, \"reviewerID\": \"U1\", \"asin\": \"A1\", \"unixReviewTime\": 1000}\n"
                                    << "{\"overall\": 999e999, \"reviewerID\": \"U2\", \"asin\": \"A1\"}\n";
  std::ofstream(dir / "meta_Foo.json") << "{\"asin\": \"A1\", \"category\": [\"Books\"]}\n";
  try {
    load("amazon", dir.str());
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_NE(std::string(e.what()).find("broken JSON"), std::string::npos) << e.what();
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

// Writes `text` gzip-compressed to path; returns the compressed size.
size_t write_gzip(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  return static_cast<size_t>(std::filesystem::file_size(path));
}

std::string many_lines(int n) {
  std::string text = "user,item,rating,time\n";
  for (int i = 0; i < n; ++i)
    text += "u" + std::to_string(i % 97) + ",i" + std::to_string((i * 7919) % 1013) + ",4," + std::to_string(1000 + i) + "\n";
  return text;
}

TEST(Csv, TruncatedGzipIsAnErrorWithOrWithoutSkipping) {
  test::TempDir dir;
  const size_t size = write_gzip(dir / "full.csv.gz", many_lines(20000));
  std::string bytes(size, '\0');
  std::ifstream(dir / "full.csv.gz", std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
  std::ofstream(dir / "cut.csv.gz", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(size / 2));
  EXPECT_EQ(load("csv", dir / "full.csv.gz").interactions.size(), 20000u);
  for (const bool skip : {false, true}) {
    try {
      load("csv", dir / "cut.csv.gz", skip);
      FAIL() << "a truncated stream loaded (skip=" << skip << ")";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("cut.csv.gz: damaged compressed data"), std::string::npos) << what;
      EXPECT_NE(what.find("truncated"), std::string::npos) << what;
    }
  }
}

TEST(Csv, CorruptGzipBlamesTheStreamNotALine) {
  test::TempDir dir;
  const size_t size = write_gzip(dir / "full.csv.gz", many_lines(20000));
  std::string bytes(size, '\0');
  std::ifstream(dir / "full.csv.gz", std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
  for (size_t i = size / 3; i < size / 3 + 8; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  std::ofstream(dir / "bad.csv.gz", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(size));
  for (const bool skip : {false, true}) {
    try {
      load("csv", dir / "bad.csv.gz", skip);
      FAIL() << "a corrupt stream loaded (skip=" << skip << ")";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("bad.csv.gz: damaged compressed data"), std::string::npos) << e.what();
    }
  }
}

TEST(Csv, HeaderlessFileWithNamedColumnsAndIsoDates) {
  test::TempDir dir;
  // CiaoDVD's layout: userID,movieID,genreID,reviewID,movieRating,date; no header, no final newline.
  std::ofstream(dir / "ratings.txt") << "1,10,3,100,4,2003-05-01\n2,11,3,101,5,2003-05-02\n1,11,7,102,2,2003-04-30";
  CsvOptions o;
  o.header = false;  // and the delimiter is found from the first line: a comma, though the name says .txt
  o.columns = {"user", "item", "genre", "review", "rating", "time"};
  o.attr_columns = {"genre"};
  const Dataset ds = load("csv", dir / "ratings.txt", false, nullptr, o);
  ASSERT_EQ(ds.interactions.size(), 3u);  // the first line is data
  EXPECT_EQ(ds.interactions[0].time, days_from_civil(2003, 4, 30) * 86400);
  EXPECT_EQ(ds.user_ids[ds.interactions[0].user], "1");
  EXPECT_EQ(ds.item_ids[ds.interactions[0].item], "11");
  EXPECT_FLOAT_EQ(ds.interactions[0].rating, 2.0f);
  ASSERT_NE(ds.item_attribute("genre"), nullptr);
  EXPECT_EQ(ds.item_attribute("genre")->values.size(), 2u);
  o.columns.clear();
  EXPECT_THROW(load("csv", dir / "ratings.txt", false, nullptr, o), Error);  // no names for the columns
  o.columns = {"user", "item", "rating", "time"};
  try {
    load("csv", dir / "ratings.txt", false, nullptr, o);
    FAIL() << "expected a field-count error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 1);
  }
}

TEST(Csv, QuotedFieldsWithDelimitersAndEscapedQuotes) {
  test::TempDir dir;
  std::ofstream(dir / "q.csv") << "user,item,rating,time\n\"a,b\",\"say \"\"hi\"\"\",3,10\nc,\"\",3,11\n";
  LoadReport report;
  const Dataset ds = load("csv", dir / "q.csv", true, &report);
  ASSERT_EQ(ds.interactions.size(), 1u);
  EXPECT_EQ(ds.user_ids[0], "a,b");
  EXPECT_EQ(ds.item_ids[0], "say \"hi\"");
  EXPECT_EQ(report.skipped, 1);  // an empty quoted id
}

TEST(Csv, IdentifierLikeAttributesAreLeftOutUnlessKept) {
  test::TempDir dir;
  {
    std::ofstream attrs(dir / "items.csv");
    attrs << "item,title,genres\n";
    for (int i = 0; i < 120; ++i) attrs << "i" << i << ",Title " << i << ",G" << i % 5 << "|G" << i % 3 << "\n";
    std::ofstream inter(dir / "ratings.csv");
    inter << "user,item,rating,time\n";
    for (int e = 0; e < 600; ++e) inter << "u" << e % 40 << ",i" << e % 120 << ",4," << e << "\n";
  }
  CsvOptions o;
  o.item_attr_path = dir / "items.csv";
  LoadOptions lo;
  lo.format = "csv";
  lo.path = dir / "ratings.csv";
  lo.csv = o;
  LoadReport report;
  const Dataset ds = load_dataset(lo, &report);
  EXPECT_EQ(ds.item_attribute("title"), nullptr);
  ASSERT_NE(ds.item_attribute("genres"), nullptr);
  EXPECT_EQ(report.excluded_attributes, (std::vector<std::string>{"title"}));
  ASSERT_FALSE(report.notes.empty());
  EXPECT_NE(report.notes.back().find("--keep-attrs title"), std::string::npos);
  lo.keep_attrs = {"title"};
  EXPECT_NE(load_dataset(lo).item_attribute("title"), nullptr);
  lo.keep_attrs = {"titel"};
  EXPECT_THROW(load_dataset(lo), Error);
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
  ASSERT_TRUE(parse_time(" 12.75 ", t));
  EXPECT_EQ(t, 12);
}

TEST(ParseNumbers, StrictAndSigned) {
  float f;
  int64_t i;
  ASSERT_TRUE(parse_float(" +4.5 ", f));
  EXPECT_FLOAT_EQ(f, 4.5f);
  ASSERT_TRUE(parse_float("-1e-3", f));
  EXPECT_FLOAT_EQ(f, -1e-3f);
  for (const char* bad : {"", "+", "+-1", "++1", "1.5x", "nan", "inf", "1e39", "0x10"})
    EXPECT_FALSE(parse_float(bad, f)) << bad;
  ASSERT_TRUE(parse_int64("+42", i));
  EXPECT_EQ(i, 42);
  for (const char* bad : {"", "4.2", "+-1", "99999999999999999999", "1 2"}) EXPECT_FALSE(parse_int64(bad, i)) << bad;
}

}  // namespace
}  // namespace bcemb
