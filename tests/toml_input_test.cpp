// check_toml_nesting() runs before toml++ on every recipe, suite file, policy and
// config: it must refuse the depth that crashes toml++ (dotted keys and headers
// have no limit there at all), count only real structure, and never refuse the
// TOML the project actually ships.
#include <gtest/gtest.h>

#include <toml++/toml.h>

#include <string>

#include "comity/recipe.h"
#include "comity/toml_input.h"
#include "tiny_fixture.h"

namespace comity {
namespace {

std::string dotted(std::size_t segments, std::string_view name = "a") {
  std::string key;
  for (std::size_t i = 0; i < segments; ++i) {
    if (i > 0) key += '.';
    key += name;
  }
  return key;
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(TomlNesting, TheProjectsOwnFilesPass) {
  for (const char* file :
       {"recipes/comity-en-1.toml", "recipes/eval-suites.toml", "policies/default.toml",
        "tests/fixtures/tiny/recipe.toml", "tests/fixtures/tiny/suites.toml"}) {
    const std::string text = tiny::read_bytes(std::string(COMITY_SOURCE_DIR) + "/" + file);
    ASSERT_FALSE(text.empty()) << file;
    EXPECT_FALSE(check_toml_nesting(text)) << file;
    EXPECT_FALSE(check_toml_nesting(text, 6)) << file;  // the deepest shipped nesting is 6
  }
}

TEST(TomlNesting, DeepKeysAndHeadersAreRefused) {
  // All of these crash toml++ 3.3 at this depth; the first two have no limit there.
  const std::size_t deep = 150000;
  const std::string cases[] = {
      "name = 'x'\n" + dotted(deep) + " = 1\n",
      "name = 'x'\n\n[" + dotted(deep) + "]\nk = 1\n",
      "name = 'x'\n\n[[" + dotted(deep) + "]]\n",
      "name = 'x'\nv = " + std::string(deep, '[') + std::string(deep, ']') + "\n",
      "name = 'x'\nv = " + repeat("{a = ", deep) + "1" + std::string(deep, '}') + "\n",
      "name = 'x'\nv = " + repeat("[{a.b = ", deep) + "\n",  // unclosed, mixed
  };
  for (const std::string& text : cases) {
    const auto error = check_toml_nesting(text);
    ASSERT_TRUE(error) << text.substr(0, 40);
    EXPECT_EQ(error->line, text.find("\n\n") == std::string::npos ? 2u : 3u) << text.substr(0, 40);
    EXPECT_EQ(error->message, "tables and arrays nest deeper than 64 levels");
  }
}

TEST(TomlNesting, ExactlyAtTheLimitPassesAndTomlParsesIt) {
  // Depth counts from the root: `k = [[1]]` puts arrays at depths 1 and 2.
  const std::string keys = dotted(64) + " = 1\n";
  EXPECT_FALSE(check_toml_nesting(keys));
  EXPECT_TRUE(check_toml_nesting(dotted(65) + " = 1\n"));
  EXPECT_NO_THROW((void)toml::parse(keys));
  EXPECT_FALSE(check_toml_nesting("[" + dotted(63) + "]\nk = 1\n"));
  EXPECT_TRUE(check_toml_nesting("[" + dotted(64) + "]\nk = 1\n"));
  EXPECT_FALSE(check_toml_nesting("[[" + dotted(63) + "]]\n"));
  EXPECT_TRUE(check_toml_nesting("[[" + dotted(64) + "]]\n"));
  const std::string arrays = "k = " + std::string(64, '[') + std::string(64, ']') + "\n";
  EXPECT_FALSE(check_toml_nesting(arrays));
  EXPECT_NO_THROW((void)toml::parse(arrays));
  EXPECT_TRUE(check_toml_nesting("k = " + std::string(65, '[') + std::string(65, ']')));
  // Everything adds up: the header's table is at 2, x.y's inline table at 4, z's array at 5.
  const std::string mixed = "[t.u]\nx.y = {z = [1]}\n";
  EXPECT_FALSE(check_toml_nesting(mixed, 5));
  EXPECT_TRUE(check_toml_nesting(mixed, 4));
  // Siblings do not add up.
  EXPECT_FALSE(check_toml_nesting("k = [[1], [2], [[3]], {a = [4]}]\n", 3));
  EXPECT_TRUE(check_toml_nesting("k = [[1], [2], [[[3]]]]\n", 3));
  // A new header starts over from the root.
  EXPECT_FALSE(check_toml_nesting("[a.b.c]\nx = 1\n[d]\ne.f = 1\n", 4));
}

TEST(TomlNesting, OnlyStructureCounts) {
  const std::size_t n = 1000;
  const std::string brackets = std::string(n, '[') + std::string(n, '{');
  const std::string texts[] = {
      "s = \"" + brackets + dotted(n) + "\"\n",
      "s = '" + brackets + "'\n",
      "s = \"\"\"\n" + brackets + "\n" + dotted(n) + "\n\"\"\"\nt = 1\n",
      "s = '''" + brackets + "\n''''' \nt = 1\n",
      "s = \"escaped \\\" " + brackets + "\"\n",
      "# " + brackets + "\nk = 1 # " + dotted(n) + "\n",
      "\"" + dotted(n) + "\" = 1\n",
      "['" + dotted(n) + "']\nk = 1\n",
      "k = 1." + std::string(20, '5') + "\n",
      "k = [\n  1, # " + brackets + "\n  2,\n]\n",
  };
  for (const std::string& text : texts) {
    EXPECT_FALSE(check_toml_nesting(text)) << text.substr(0, 60);
    EXPECT_NO_THROW((void)toml::parse(text)) << text.substr(0, 60);
  }
  // ...but a deep key after a multi-line string is still seen, on its own line.
  const auto after = check_toml_nesting("s = '''\n[[[\n'''\n" + dotted(n) + " = 1\n");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->line, 4u);
}

TEST(TomlNesting, NonAsciiOutsideStringsAndCommentsIsRefused) {
  // toml++ 3.3 has undefined behaviour on this header (found by fuzz_toml_input).
  const auto header = check_toml_nesting("a = 1\n[a\xd2\x95.c]\n");
  ASSERT_TRUE(header);
  EXPECT_EQ(header->line, 2u);
  EXPECT_EQ(header->message, "non-ASCII characters outside strings and comments");
  EXPECT_TRUE(check_toml_nesting("x = \xc3\xa9\n"));
  EXPECT_TRUE(check_toml_nesting("k\xc3\xa9y = 1\n"));
  // Strings, quoted keys and comments may hold any UTF-8.
  EXPECT_FALSE(
      check_toml_nesting("name = \"caf\xc3\xa9\" # \xc3\xbc\n\"k\xc3\xa9\" = 'x'\n"
                         "[t] # \xc3\xa9\nm = \"\"\"\n\xc3\xa9\n\"\"\"\n"));
}

TEST(TomlNesting, MalformedInputIsLeftToToml) {
  for (const char* text : {"", "=", "[", "[[", "]]]", "k = \"unterminated\n", "k = '''open", "{{{",
                           "k = {a = 1,", "a.", ". = 1", "k = [1,,,]"}) {
    EXPECT_FALSE(check_toml_nesting(text)) << text;
  }
}

TEST(TomlNesting, RecipesAreCheckedBeforeTomlSeesThem) {
  const std::string text = "name = \"deep\"\nversion = \"1\"\n" + dotted(150000) + " = 1\n";
  try {
    (void)parse_recipe(text, "deep.toml");
    ADD_FAILURE() << "accepted";
  } catch (const RecipeError& e) {
    EXPECT_STREQ(e.what(), "deep.toml: line 3: tables and arrays nest deeper than 64 levels");
  }
}

}  // namespace
}  // namespace comity
