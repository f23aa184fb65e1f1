// Thread importers: the fixtures in tests/fixtures/threads, the example page dump,
// and hostile or malformed input that must fail naming the place.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "comity/thread.h"

namespace comity {
namespace {

std::string fixture(const std::string& name) {
  return std::string(COMITY_SOURCE_DIR) + "/tests/fixtures/threads/" + name;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const Comment& by_id(const Thread& t, const std::string& id) {
  for (const Comment& c : t.comments) {
    if (c.id == id) return c;
  }
  throw std::runtime_error("no comment " + id);
}

std::size_t depth_of(const Thread& t, const std::string& id) {
  const ReplyTree tree = build_reply_tree(t);
  for (std::size_t i = 0; i < t.comments.size(); ++i) {
    if (t.comments[i].id == id) return tree.depth[i];
  }
  throw std::runtime_error("no comment " + id);
}

// Runs `f` and returns the ThreadImportError it throws.
template <typename F>
ThreadImportError import_error(F f) {
  try {
    f();
  } catch (const ThreadImportError& e) {
    return e;
  }
  ADD_FAILURE() << "no ThreadImportError";
  return ThreadImportError("", "");
}

TEST(ThreadImport, JsonlKeepsArticleIdsParentsAuthorsAndTimes) {
  const Thread t = import_thread_file(fixture("library.jsonl"));
  EXPECT_EQ(t.article.title, "Library to open on Sundays");
  EXPECT_EQ(t.article.url, "https://town.example.net/library-hours");
  ASSERT_EQ(t.comments.size(), 5u);
  EXPECT_FALSE(by_id(t, "c1").parent.has_value());
  EXPECT_EQ(by_id(t, "c3").parent.value(), "c2");
  EXPECT_EQ(by_id(t, "c3").author, "amara");
  EXPECT_EQ(by_id(t, "c2").time.value(), "2024-02-01T10:05:00Z");
  EXPECT_FALSE(by_id(t, "c4").time.has_value());
  EXPECT_EQ(by_id(t, "5").parent.value(), "c4");  // integer ids become strings
  EXPECT_EQ(depth_of(t, "c3"), 2u);
  EXPECT_EQ(depth_of(t, "5"), 1u);
}

TEST(ThreadImport, JsonlErrorsNameTheLine) {
  const std::string bad = "{\"id\":\"a\",\"text\":\"fine\"}\n\n{\"id\":\"b\",\"text\": oops}\n";
  const auto e = import_error([&] { import_thread_jsonl(bad, "t.jsonl"); });
  EXPECT_EQ(e.where(), "t.jsonl:3");
  const auto dup = import_error([] {
    import_thread_jsonl("{\"id\":1,\"text\":\"x\"}\n{\"id\":\"1\",\"text\":\"y\"}\n", "d.jsonl");
  });
  EXPECT_EQ(dup.where(), "d.jsonl:2");
  EXPECT_NE(std::string(dup.what()).find("duplicate"), std::string::npos);
  const auto missing = import_error([] { import_thread_jsonl("{\"id\":1}\n", "m.jsonl"); });
  EXPECT_NE(std::string(missing.what()).find("\"text\""), std::string::npos);
  const auto utf8 =
      import_error([] { import_thread_jsonl("{\"id\":1,\"text\":\"\xC3\"}\n", "u.jsonl"); });
  EXPECT_EQ(utf8.where(), "u.jsonl:1");
}

TEST(ThreadImport, JsonlSyntaxErrorsSayWhatWasExpectedWhere) {
  const auto e = import_error([] {
    import_thread_jsonl("{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\" \"text\":\"x\"}\n",
                        "t.jsonl");
  });
  EXPECT_EQ(e.where(), "t.jsonl:2");
  EXPECT_STREQ(e.what(), "t.jsonl:2: bad JSON at column 11: Expected , or } after key:value pair.");
  // Thread files are JSON Lines: strict JSON, without the lenient syntax of API bodies.
  const auto bare = import_error([] { import_thread_jsonl("{id: 1, text: 'x'}\n", "b.jsonl"); });
  EXPECT_NE(std::string(bare.what()).find("Object keys must be strings in double quotes."),
            std::string::npos)
      << bare.what();
  EXPECT_EQ(std::string(e.what()).find("json.exception"), std::string::npos);
}

TEST(ThreadImport, DeeplyNestedJsonlIsRefusedNotACrash) {
  // 150,000 levels inside one field: a recursive parser, dump() or destructor would
  // overflow the stack here.
  std::string line = "{\"id\": \"c1\", \"text\": \"x\", \"extra\": ";
  const std::size_t column = line.size() + 100;  // the 101st level, counting the line's {
  for (int i = 0; i < 150000; ++i) line += "[";
  const auto e = import_error([&] { import_thread_jsonl(line + "\n", "deep.jsonl"); });
  EXPECT_EQ(e.where(), "deep.jsonl:1");
  EXPECT_EQ(std::string(e.what()), "deep.jsonl:1: bad JSON at column " + std::to_string(column) +
                                       ": Objects and arrays nest deeper than 100 levels.");
  std::string objects;
  for (int i = 0; i < 150000; ++i) objects += "{\"id\": ";
  EXPECT_THROW(import_thread_jsonl(objects, "objects.jsonl"), ThreadImportError);
}

TEST(ThreadImport, XmlNestedFarBeyondTheLimitIsRefusedWithoutRecursion) {
  // The XML tree is built from expat's callbacks onto an explicit stack, so 150,000
  // open elements cost no stack; the depth limit refuses them at the 257th.
  std::string wxr = "<rss>";
  std::string disqus = "<disqus>";
  for (int i = 0; i < 150000; ++i) {
    wxr += "<a>";
    disqus += "<post>";
  }
  const auto w = import_error([&] { import_thread_wxr(wxr, "deep.xml"); });
  EXPECT_NE(std::string(w.what()).find("nested deeper than 256"), std::string::npos) << w.what();
  const auto d = import_error([&] { import_thread_disqus(disqus, "deep-disqus.xml"); });
  EXPECT_NE(std::string(d.what()).find("nested deeper than 256"), std::string::npos) << d.what();
  // The error names the open path, which is bounded by the same limit.
  EXPECT_LT(w.where().size(), 256u * 4 + 64);
  // Exactly at the limit is read (and then refused for not being a WXR export).
  std::string at_limit = "<rss>";
  for (int i = 0; i < 255; ++i) at_limit += "<a>";
  for (int i = 0; i < 255; ++i) at_limit += "</a>";
  at_limit += "</rss>";
  const auto shallow = import_error([&] { import_thread_wxr(at_limit, "ok.xml"); });
  EXPECT_EQ(std::string(shallow.what()).find("nested deeper"), std::string::npos) << shallow.what();
}

TEST(ThreadImport, WxrTakesThePostWithCommentsAndSkipsPingbacks) {
  const Thread t = import_thread_file(fixture("blog.wxr"));
  EXPECT_EQ(t.article.title, "Should the allotments ban leaf blowers?");
  EXPECT_EQ(t.article.url, "https://gardening.example.org/2024/05/leaf-blowers");
  EXPECT_NE(t.article.body.find("Marguerite Okafor"), std::string::npos);
  EXPECT_EQ(t.article.body.find("<p>"), std::string::npos);
  ASSERT_EQ(t.comments.size(), 4u);  // the pingback is not a reader comment
  EXPECT_FALSE(by_id(t, "101").parent.has_value());
  EXPECT_EQ(by_id(t, "102").parent.value(), "101");
  EXPECT_EQ(by_id(t, "103").parent.value(), "102");
  EXPECT_EQ(depth_of(t, "103"), 2u);
  EXPECT_EQ(by_id(t, "102").author, "Priya & Sam");
  EXPECT_EQ(by_id(t, "101").time.value(), "2024-05-02 08:14:00");  // GMT preferred
  EXPECT_EQ(by_id(t, "101").text, "Finally! The noise on Sunday mornings is unbearable.");
  EXPECT_EQ(by_id(t, "102").text,
            "I use mine for ten minutes a week.\nRakes are slower & harder on my back.");
}

TEST(ThreadImport, DisqusTakesTheBusiestThreadAndResolvesParents) {
  const Thread t = import_thread_file(fixture("forum.disqus.xml"));
  EXPECT_EQ(
      detect_thread_format(fixture("forum.disqus.xml"), read_all(fixture("forum.disqus.xml"))),
      ThreadFormat::kDisqus);
  EXPECT_EQ(t.article.title, "Winter ferry timetable cuts two sailings");
  EXPECT_EQ(t.article.url, "https://harbourtown.example.com/news/ferry-timetable");
  ASSERT_EQ(t.comments.size(), 4u);
  EXPECT_EQ(by_id(t, "5001").author, "Harbour Bakery");
  EXPECT_EQ(by_id(t, "5002").author, "nurse_kai");  // empty name falls back to the username
  EXPECT_EQ(by_id(t, "5002").parent.value(), "5001");
  EXPECT_EQ(by_id(t, "5004").parent.value(), "5003");
  EXPECT_FALSE(by_id(t, "5003").parent.has_value());
  EXPECT_EQ(by_id(t, "5003").time.value(), "2023-10-01T10:05:00Z");
  EXPECT_EQ(by_id(t, "5004").text, "They said no in 2019 \xE2\x80\x94 worth asking again.");
  EXPECT_FALSE(t.warnings.empty());  // the other thread is reported, not merged
}

// Imports read HTML the way analyze's comment.type HTML does: one implementation.
TEST(ThreadImport, CommentHtmlBecomesTheTextAnalyzeWouldScore) {
  const std::string html =
      "<p>Fine &amp; dandy &ldquo;quote&rdquo;</p><script>alert('x')</script>"
      "<style>p{color:red}</style><!-- hidden --><p>Second<br>line</p>";
  const std::string wxr =
      R"(<?xml version="1.0" encoding="UTF-8"?><rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>)"
      R"(<title>T</title><wp:post_id>1</wp:post_id><wp:comment><wp:comment_id>7</wp:comment_id>)"
      "<wp:comment_content><![CDATA[" +
      html + "]]></wp:comment_content></wp:comment></item></channel></rss>";
  const Thread t = import_thread(wxr, "body", ThreadFormat::kWxr);
  ASSERT_EQ(t.comments.size(), 1u);
  const std::string& text = t.comments[0].text;
  EXPECT_EQ(text.find("alert"), std::string::npos) << text;
  EXPECT_EQ(text.find("color"), std::string::npos) << text;
  EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
  EXPECT_NE(text.find("Fine & dandy \u201Cquote\u201D"), std::string::npos) << text;
  EXPECT_NE(text.find("Second\nline"), std::string::npos) << text;
}

TEST(ThreadImport, TextDumpRebuildsTheTreeWithAuthorsAndTimes) {
  const Thread t = import_thread_file(fixture("corner-shop.txt"));
  EXPECT_EQ(t.article.title, "Corner shop to close after 40 years");
  EXPECT_NE(t.article.body.find("petition"), std::string::npos);
  ASSERT_EQ(t.comments.size(), 6u);
  const Comment& first = by_id(t, "1");
  EXPECT_EQ(first.author, "Gwen Harlow");
  EXPECT_EQ(first.time.value(), "12 January 2024 at 8:15 am");
  EXPECT_EQ(first.text,
            "Sad to see it go. They always had fresh bread.\n\nBest of luck to them both.");
  EXPECT_EQ(by_id(t, "1.1").author, "Pete");
  EXPECT_EQ(by_id(t, "1.1").time.value(), "2 hours ago");
  EXPECT_EQ(by_id(t, "1.1.1").parent.value(), "1.1");
  EXPECT_EQ(by_id(t, "1.1.1").author, "Gwen Harlow");
  EXPECT_EQ(by_id(t, "1.1.1").text, "Stamps! I had forgotten that.");
  EXPECT_EQ(by_id(t, "2").author, "");
  // A reply indented past a missing level still belongs to the comment above it.
  EXPECT_EQ(by_id(t, "2.1").parent.value(), "2");
  EXPECT_EQ(by_id(t, "2.1").author, "");
  EXPECT_EQ(by_id(t, "2.2").parent.value(), "2");
  EXPECT_EQ(depth_of(t, "2.2"), 1u);
}

TEST(ThreadImport, ExamplePageDump) {
  const std::string path =
      std::string(COMITY_SHARED_DATA) + "/../examples/news-article-with-comments.txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "example page dump not found at " << path;
  const Thread t = import_thread_file(path);
  EXPECT_EQ(t.article.title, "Russia recalls envoy after Biden remarks about Putin");
  EXPECT_NE(t.article.body.find("(c) BBC"), std::string::npos);
  // 5 numbered comments; under 2 a chain of 5 replies, under 3 one reply with 2 replies.
  ASSERT_EQ(t.comments.size(), 13u);
  std::size_t top = 0;
  for (const Comment& c : t.comments) top += !c.parent.has_value();
  EXPECT_EQ(top, 5u);
  auto starts = [&](const std::string& prefix) -> const Comment& {
    for (const Comment& c : t.comments) {
      if (c.text.rfind(prefix, 0) == 0) return c;
    }
    throw std::runtime_error("no comment starting " + prefix);
  };
  const Comment& hope = starts("Let\xE2\x80\x99s hope");
  const Comment& dm = starts("The DM ran this story");
  const Comment& scandinavia = starts("\xE2\x80\x9CThanks to people like Tucker Carlson");
  const Comment& illness = starts("I don\xE2\x80\x99t suffer from that illness");
  EXPECT_EQ(hope.parent.value(), starts("The putinazis").id);
  EXPECT_EQ(dm.parent.value(), hope.id);
  EXPECT_EQ(starts("The intelligence report linked").parent.value(), dm.id);
  EXPECT_EQ(scandinavia.parent.value(), dm.id);
  EXPECT_EQ(illness.parent.value(), scandinavia.id);
  EXPECT_EQ(depth_of(t, illness.id), 4u);
  // Continuation paragraphs stay with their comment.
  EXPECT_NE(scandinavia.text.find("You need to get out of Scandinavia."), std::string::npos);
  EXPECT_NE(illness.text.find("You are one nasty"), std::string::npos);
  EXPECT_NE(starts("The putinazis").text.find("Unless Joe brings in"), std::string::npos);
  // Comment 3's replies skip indentation levels; they attach to the nearest comment above.
  const Comment& sanction = starts("Sanctioning for what?");
  EXPECT_EQ(sanction.parent.value(), starts("Whoever is running the show").id);
  EXPECT_EQ(depth_of(t, sanction.id), 1u);
  EXPECT_EQ(starts("I don\xE2\x80\x99t need to talk to a wall").parent.value(), sanction.id);
  EXPECT_EQ(starts("As was known then").parent.value(), sanction.id);
  EXPECT_FALSE(starts("It would be nice").parent.has_value());
}

TEST(ThreadImport, FormatDetection) {
  EXPECT_EQ(detect_thread_format("x.txt", "{\"id\": 1}"), ThreadFormat::kJsonl);
  EXPECT_EQ(detect_thread_format("x.xml", "<?xml version=\"1.0\"?><rss>"), ThreadFormat::kWxr);
  EXPECT_EQ(
      detect_thread_format("x.xml", "<disqus xmlns:dsq=\"http://disqus.com/disqus-internals\">"),
      ThreadFormat::kDisqus);
  EXPECT_EQ(detect_thread_format("page.txt", "Title\n\n  1. hi"), ThreadFormat::kText);
  EXPECT_EQ(detect_thread_format("t.jsonl", ""), ThreadFormat::kJsonl);
  EXPECT_EQ(parse_thread_format("disqus"), ThreadFormat::kDisqus);
  EXPECT_FALSE(parse_thread_format("csv").has_value());
  // An override wins over detection.
  const Thread t = import_thread("{\"id\": 1}", "x.jsonl", ThreadFormat::kText);
  EXPECT_TRUE(t.comments.empty());
  EXPECT_EQ(t.article.title, "{\"id\": 1}");
}

TEST(ThreadImport, TruncatedXmlNamesTheOpenElements) {
  std::string wxr = read_all(fixture("blog.wxr"));
  wxr.resize(wxr.find("<wp:comment_id>102"));
  const auto e = import_error([&] { import_thread_wxr(wxr, "cut.wxr"); });
  EXPECT_EQ(e.where().rfind("cut.wxr:", 0), 0u);
  EXPECT_NE(e.where().find("rss/channel/item/wp:comment"), std::string::npos) << e.where();
}

TEST(ThreadImport, DoctypeAndEntitiesAreRefused) {
  const std::string laughs =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\n"
      "<rss><channel><item><title>&lol2;</title></item></channel></rss>";
  const auto e = import_error([&] { import_thread_wxr(laughs, "lol.xml"); });
  EXPECT_NE(std::string(e.what()).find("DOCTYPE"), std::string::npos) << e.what();
  const std::string external =
      "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><disqus><post>&x;</post></disqus>";
  EXPECT_THROW(import_thread_disqus(external, "ext.xml"), ThreadImportError);
}

TEST(ThreadImport, DeepNestingAndHugeFieldsAreRefused) {
  std::string deep = "<rss>";
  for (int i = 0; i < 1000; ++i) deep += "<a>";
  const auto e = import_error([&] { import_thread_wxr(deep, "deep.xml"); });
  EXPECT_NE(std::string(e.what()).find("nested deeper than 256"), std::string::npos) << e.what();
  ThreadImportLimits small;
  small.max_field_bytes = 100;
  const std::string big =
      "<rss><channel><item><title>" + std::string(500, 'x') + "</title></item></channel></rss>";
  EXPECT_THROW(import_thread_wxr(big, "big.xml", small), ThreadImportError);
  // Deep reply indentation in a text dump is capped too.
  std::string dump = "Title\n\n  1. top\n";
  for (int i = 0; i < 300; ++i)
    dump += std::string(static_cast<std::size_t>(4 + 2 * i), ' ') + "\xE2\x80\xA2 r\n";
  EXPECT_THROW(import_thread_text(dump, "deep.txt"), ThreadImportError);
}

TEST(ThreadImport, InvalidUtf8NamesThePlace) {
  const std::string xml =
      "<rss><channel><item><title>ok</title>\n<link>\xFF</link></item></channel></rss>";
  const auto e = import_error([&] { import_thread_wxr(xml, "bad.xml"); });
  EXPECT_EQ(e.where().rfind("bad.xml:2:", 0), 0u) << e.where();
  const auto t =
      import_error([] { import_thread_text("Title\n  1. fine\n  2. caf\xC3", "bad.txt"); });
  EXPECT_EQ(t.where().rfind("bad.txt:3:", 0), 0u) << t.where();
}

TEST(ThreadImport, ReplyTreeSurvivesOrphansAndCycles) {
  Thread t;
  t.comments = {{"a", "b", "", {}, "x"},
                {"b", "a", "", {}, "y"},
                {"c", "zzz", "", {}, "z"},
                {"d", "c", "", {}, "w"}};
  const ReplyTree tree = build_reply_tree(t);
  ASSERT_EQ(tree.order.size(), 4u);
  EXPECT_EQ(tree.roots.size(), 2u);  // one comment of the cycle, and the orphan
  EXPECT_EQ(tree.depth[3], 1u);
  EXPECT_GE(tree.warnings.size(), 2u);
  // Replies come after their parent in thread order.
  std::vector<std::size_t> pos(4);
  for (std::size_t k = 0; k < 4; ++k) pos[tree.order[k]] = k;
  for (std::size_t i = 0; i < 4; ++i) {
    if (tree.parent[i]) {
      EXPECT_LT(pos[*tree.parent[i]], pos[i]);
    }
  }
}

TEST(ThreadImport, ParsesTimes) {
  EXPECT_EQ(parse_thread_time("1970-01-01 00:01:00"), 60);
  EXPECT_EQ(parse_thread_time("2021-03-17T10:00:00Z"),
            parse_thread_time("2021-03-17T11:00:00+01:00"));
  EXPECT_FALSE(parse_thread_time("2 hours ago").has_value());
  EXPECT_FALSE(parse_thread_time("2021-13-01").has_value());
}

}  // namespace
}  // namespace comity
