// Synthetic long comments (train/long_comments.h): harmless parts around exactly one
// toxic part of the same split, masks intersected, targets the worst part's.
#include "train/long_comments.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace comity {
namespace {

constexpr std::uint8_t kTox = 1u << index_of(Attribute::kToxicity);
constexpr std::uint8_t kInsult = 1u << index_of(Attribute::kInsult);
constexpr std::uint8_t kThreat = 1u << index_of(Attribute::kThreat);

LabelledText text(const std::string& t, Split split, float toxicity, std::uint8_t mask,
                  std::uint8_t soft, float insult = 0.f, float threat = 0.f) {
  LabelledText ex;
  ex.text = t;
  ex.split = split;
  ex.dataset = 0;
  ex.mask = mask;
  ex.soft = soft;
  ex.target[index_of(Attribute::kToxicity)] = toxicity;
  ex.target[index_of(Attribute::kInsult)] = insult;
  ex.target[index_of(Attribute::kThreat)] = threat;
  return ex;
}

// One-word texts, so a comment's words are its parts.
std::vector<LabelledText> examples() {
  std::vector<LabelledText> v;
  for (int i = 0; i < 12; ++i) {
    // Harmless, some also scored for INSULT (and a few with a THREAT label).
    const std::uint8_t mask = i % 3 == 0 ? kTox : (i % 3 == 1 ? kTox | kInsult : kTox | kThreat);
    v.push_back(text("calm" + std::to_string(i), Split::kTrain, 0.01f * static_cast<float>(i % 9),
                     mask, mask & static_cast<std::uint8_t>(~kThreat), 0.05f * (i % 4), 0.f));
  }
  for (int i = 0; i < 5; ++i) {
    v.push_back(text("angry" + std::to_string(i), Split::kTrain, 0.7f + 0.05f * i, kTox | kInsult,
                     kTox | kInsult, 0.6f + 0.05f * i));
  }
  v.push_back(text("meh", Split::kTrain, 0.4f, kTox, kTox));       // neither
  v.push_back(text("edgecalm", Split::kTrain, 0.1f, kTox, kTox));  // not below 0.1
  v.push_back(text("hardbad", Split::kTrain, 1.f, kTox, 0));       // a human label
  v.push_back(text("devcalm", Split::kDev, 0.02f, kTox, kTox));
  v.push_back(text("devangry", Split::kDev, 0.9f, kTox, kTox));
  v.push_back(text("testangry", Split::kTest, 0.9f, kTox, kTox));
  return v;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(LongComments, EachCommentHasExactlyOneToxicPartAndIntersectsTheLabels) {
  const std::vector<LabelledText> ex = examples();
  std::map<std::string, const LabelledText*> by_text;
  for (const LabelledText& e : ex) by_text[e.text] = &e;
  LongCommentSpec spec;
  spec.min_parts = 2;
  spec.max_parts = 6;
  const auto built = build_long_comments(ex, Split::kTrain, spec, 200, 42, 7);
  ASSERT_EQ(built.size(), 200u);  // every part labels TOXICITY, so no mask is ever empty
  std::map<std::size_t, int> part_counts;
  for (const LabelledText& c : built) {
    EXPECT_EQ(c.split, Split::kTrain);
    EXPECT_EQ(c.dataset, 7u);
    const auto parts = words(c.text);
    ++part_counts[parts.size()];
    // min_parts..max_parts harmless parts around the one toxic part.
    EXPECT_GE(parts.size(), 3u) << c.text;
    EXPECT_LE(parts.size(), 7u) << c.text;
    int toxic = 0;
    std::uint8_t mask = 0xff, soft = 0xff;
    std::array<float, kNumAttributes> target{};
    for (const std::string& p : parts) {
      ASSERT_TRUE(by_text.count(p)) << p;
      const LabelledText& part = *by_text.at(p);
      EXPECT_EQ(part.split, Split::kTrain) << p;
      const float t = part.target[index_of(Attribute::kToxicity)];
      EXPECT_TRUE(t < spec.harmless_below || t >= spec.toxic_from) << p;
      EXPECT_NE(part.soft & kTox, 0) << p;
      toxic += t >= spec.toxic_from;
      mask &= part.mask;
      soft &= part.soft;
      for (std::size_t a = 0; a < kNumAttributes; ++a)
        target[a] = std::max(target[a], part.target[a]);
    }
    EXPECT_EQ(toxic, 1) << c.text;
    EXPECT_EQ(c.mask, mask) << c.text;
    EXPECT_EQ(c.soft, soft) << c.text;
    EXPECT_EQ(c.target, target) << c.text;
    EXPECT_NE(c.mask & kTox, 0);
  }
  // Every length in the range turns up in 200 draws.
  for (std::size_t n = 3; n <= 7; ++n) EXPECT_GT(part_counts[n], 0) << n;
}

TEST(LongComments, DeterministicInTheSeed) {
  const std::vector<LabelledText> ex = examples();
  const LongCommentSpec spec;
  const auto a = build_long_comments(ex, Split::kTrain, spec, 50, 9, 0);
  const auto b = build_long_comments(ex, Split::kTrain, spec, 50, 9, 0);
  const auto c = build_long_comments(ex, Split::kTrain, spec, 50, 10, 0);
  ASSERT_EQ(a.size(), b.size());
  bool all_same_as_c = a.size() == c.size();
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].text, b[i].text);
    EXPECT_EQ(a[i].mask, b[i].mask);
    EXPECT_EQ(a[i].target, b[i].target);
    if (all_same_as_c) all_same_as_c = a[i].text == c[i].text;
  }
  EXPECT_FALSE(all_same_as_c) << "another seed builds other comments";
}

TEST(LongComments, RespectsTheSplit) {
  const std::vector<LabelledText> ex = examples();
  LongCommentSpec spec;
  spec.min_parts = 1;
  spec.max_parts = 3;
  const auto dev = build_long_comments(ex, Split::kDev, spec, 20, 1, 0);
  ASSERT_EQ(dev.size(), 20u);
  for (const LabelledText& c : dev) {
    EXPECT_EQ(c.split, Split::kDev);
    for (const std::string& p : words(c.text)) {
      EXPECT_TRUE(p == "devcalm" || p == "devangry") << c.text;
    }
    const auto parts = words(c.text);
    EXPECT_EQ(std::count(parts.begin(), parts.end(), "devangry"), 1) << c.text;
  }
  // No harmless texts in the test split: nothing to build.
  EXPECT_TRUE(build_long_comments(ex, Split::kTest, spec, 20, 1, 0).empty());
}

TEST(LongComments, FixedPartCountAndDegenerateSpecs) {
  const std::vector<LabelledText> ex = examples();
  LongCommentSpec spec;
  spec.min_parts = spec.max_parts = 4;
  for (const LabelledText& c : build_long_comments(ex, Split::kTrain, spec, 30, 3, 0)) {
    EXPECT_EQ(words(c.text).size(), 5u) << c.text;
  }
  spec.min_parts = 5;
  spec.max_parts = 4;
  EXPECT_TRUE(build_long_comments(ex, Split::kTrain, spec, 30, 3, 0).empty());
  EXPECT_TRUE(build_long_comments({}, Split::kTrain, LongCommentSpec{}, 30, 3, 0).empty());
  EXPECT_TRUE(build_long_comments(ex, Split::kTrain, LongCommentSpec{}, 0, 3, 0).empty());
}

}  // namespace
}  // namespace comity
