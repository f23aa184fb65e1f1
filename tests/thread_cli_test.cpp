// `comity thread report` through the real binary: the JSON contract other tools
// script against, and HTML that never lets comment text become markup.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

std::string bundled_model() {
  return std::string(COMITY_SOURCE_DIR) + "/models/comity-en-1.cmodel";
}

std::string scratch(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("comity-thread-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Outcome {
  int exit_code = -1;
  std::string out, err;
};

Outcome comity(const std::string& args, const std::string& tag) {
  const std::string out = scratch(tag + ".out"), err = scratch(tag + ".err");
  const std::string cmd =
      std::string("'") + COMITY_BINARY + "' " + args + " > '" + out + "' 2> '" + err + "'";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_all(out), read_all(err)};
}

std::string fixture(const std::string& name) {
  return std::string(COMITY_SOURCE_DIR) + "/tests/fixtures/threads/" + name;
}

class ThreadCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(bundled_model()))
      GTEST_SKIP() << "bundled model absent: " << bundled_model();
  }
};

TEST_F(ThreadCli, JsonContract) {
  for (const std::string name :
       {"blog.wxr", "forum.disqus.xml", "library.jsonl", "corner-shop.txt"}) {
    SCOPED_TRACE(name);
    const Outcome r = comity(
        "thread report --format json --model '" + bundled_model() + "' '" + fixture(name) + "'",
        "contract");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    for (const char* key : {"headline", "escalations", "author_pairs", "authors", "duplicates"}) {
      EXPECT_TRUE(j.contains(key)) << key;
    }
    ASSERT_TRUE(j["comments"].is_array());
    ASSERT_FALSE(j["comments"].empty());
    std::map<std::string, int> depth_of;
    for (const auto& c : j["comments"]) {
      ASSERT_TRUE(c["id"].is_string());
      ASSERT_TRUE(c["text"].is_string());
      ASSERT_EQ(c["scores"].size(), 8u);
      EXPECT_TRUE(c["scores"].contains("TOXICITY"));
      EXPECT_TRUE(c["scores"].contains("FLIRTATION"));
      const int depth = c["depth"].get<int>();
      if (c["parent"].is_null()) {
        EXPECT_EQ(depth, 0);
      } else {
        // Thread order: the parent was already listed, one level up.
        const std::string parent = c["parent"].get<std::string>();
        ASSERT_TRUE(depth_of.count(parent)) << "reply before its parent: " << c["id"];
        EXPECT_EQ(depth, depth_of[parent] + 1);
      }
      depth_of[c["id"].get<std::string>()] = depth;
    }
    EXPECT_EQ(j["headline"]["comments"].get<std::size_t>(), j["comments"].size());
  }
}

TEST_F(ThreadCli, DisqusThreadOrderPutsRepliesAfterTheirParent) {
  const Outcome r =
      comity("thread report --format json '" + fixture("forum.disqus.xml") + "'", "order");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> ids;
  for (const auto& c : j["comments"]) ids.push_back(c["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"5001", "5002", "5003", "5004"}));
}

TEST_F(ThreadCli, HtmlEscapesCommentText) {
  const std::string input = scratch("xss.jsonl");
  std::ofstream(input)
      << R"J({"article": {"title": "<script>alert('t')</script>", "url": "javascript:alert(3)"}})J"
      << "\n"
      << R"J({"id": "<img src=x onerror=alert(4)>", "author": "<script>x</script>", )J"
      << R"J("text": "<script>alert(1)</script> and <img src=x onerror=alert(2)>"})J"
      << "\n"
      << R"J({"id": "2", "parent": "<img src=x onerror=alert(4)>", )J"
      << R"J("text": "You <b>fool</b>, \"quoted\" & 'single' <IMG SRC=y>"})J"
      << "\n";
  const std::string out = scratch("xss.html");
  const Outcome r = comity("thread report --format html -o '" + out + "' '" + input + "'", "html");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = read_all(out);
  ASSERT_FALSE(html.empty());
  std::string lower = html;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(lower.find("<script"), std::string::npos);
  EXPECT_EQ(lower.find("<img"), std::string::npos);
  EXPECT_EQ(lower.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // Self-contained: no external fetches.
  EXPECT_EQ(lower.find("src="), lower.find("src=x"));  // only inside escaped text
  EXPECT_EQ(lower.find("http://"), std::string::npos);
  EXPECT_EQ(lower.find("https://"), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
}

TEST_F(ThreadCli, TableAndErrors) {
  const Outcome table = comity("thread report '" + fixture("library.jsonl") + "'", "table");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Library to open on Sundays"), std::string::npos);
  EXPECT_NE(table.out.find("  c2 ben"), std::string::npos);  // replies indented under parents
  const std::string bad = scratch("bad.jsonl");
  std::ofstream(bad) << "{\"id\": 1, \"text\": \"ok\"}\n{\"id\": 2, \"text\": \n";
  const Outcome err = comity("thread report '" + bad + "'", "bad");
  EXPECT_NE(err.exit_code, 0);
  EXPECT_NE(err.err.find("bad.jsonl:2"), std::string::npos) << err.err;
  const Outcome forced =
      comity("thread report --format json --input-format text '" + fixture("library.jsonl") + "'",
             "forced");
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_TRUE(nlohmann::json::parse(forced.out)["comments"].empty());
}

}  // namespace
