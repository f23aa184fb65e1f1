// Evaluation suites: the obfuscated variants, Markdown rendering of results, and
// run_eval over the tiny fixture's suites.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "comity/eval.h"
#include "comity/utf8.h"
#include "tiny_fixture.h"

namespace comity {
namespace {

std::map<std::string, std::string> variants_of(const std::string& word) {
  std::map<std::string, std::string> out;
  for (const auto& [name, v] : obfuscated_variants(word)) {
    EXPECT_TRUE(out.emplace(name, v).second) << "duplicate transform " << name;
  }
  return out;
}

TEST(EvalSuitesObfuscation, VariantsOfIdiot) {
  const auto v = variants_of("idiot");
  const std::map<std::string, std::string> expected = {
      {"mask", "id*ot"},
      {"leet", "1d10t"},
      {"dotted", "i.d.i.o.t"},
      {"spaced", "i d i o t"},
      {"elongated", "idiiiiot"},
      {"accented", "\u00efd\u00ef\u00f6t"},             // ïdïöt
      {"cyrillic", "\u0456d\u0456\u043et"},             // і, о from Cyrillic
      {"fullwidth", "\uff49\uff44\uff49\uff4f\uff54"},  // ｉｄｉｏｔ
      {"zero_width", "i\u200bdiot"},
      {"uppercase", "IDIOT"},
  };
  EXPECT_EQ(v, expected);
}

TEST(EvalSuitesObfuscation, EveryVariantIsValidUtf8AndDiffersFromTheWord) {
  for (const std::string word : {"idiot", "stupid", "clown", "moron", "loser"}) {
    const auto variants = obfuscated_variants(word);
    EXPECT_GE(variants.size(), 9u) << word;
    for (const auto& [name, v] : variants) {
      EXPECT_FALSE(find_invalid_utf8(v).has_value()) << word << " " << name;
      EXPECT_NE(v, word) << word << " " << name;
    }
  }
}

TEST(EvalSuitesObfuscation, MaskAndLeetFollowTheLetters) {
  const auto clown = variants_of("clown");
  EXPECT_EQ(clown.at("mask"), "cl*wn");  // first vowel after the first letter
  EXPECT_EQ(clown.at("leet"), "cl0wn");
  EXPECT_EQ(clown.at("elongated"), "cloooown");
  EXPECT_EQ(clown.at("cyrillic"), "\u0441l\u043ewn");  // с and о are Cyrillic
  const auto sass = variants_of("sass");
  EXPECT_EQ(sass.at("leet"), "$4$$");
  // No vowel after the first letter: nothing to mask or stretch.
  const auto hmm = variants_of("hmm");
  EXPECT_EQ(hmm.count("mask"), 0u);
  EXPECT_EQ(hmm.count("elongated"), 0u);
  EXPECT_EQ(hmm.count("leet"), 0u);
  EXPECT_EQ(hmm.at("spaced"), "h m m");
  // Words shorter than three letters are not obfuscated.
  EXPECT_TRUE(obfuscated_variants("ok").empty());
}

nlohmann::json hand_made_results() {
  return nlohmann::json::parse(R"({
    "model": {"version": "comity-tiny-1", "recipe_sha256": "0123456789abcdef0123456789abcdef"},
    "data_dir": "/data",
    "suites": {
      "ref": {"kind": "reference_scores", "description": "Agreement with reference.",
              "examples": 10, "files": {"a.jsonl": 10},
              "attributes": {"TOXICITY": {"n": 10, "positives": 4, "roc_auc": 0.9,
                                          "pr_auc": 0.85, "spearman": 0.7, "pearson": 0.75,
                                          "ece": 0.05, "f1_at_0.5": null}}},
      "bin": {"kind": "binary", "description": "", "attribute": "TOXICITY", "n": 20,
              "roc_auc": 0.8123, "threshold_source": "fixed",
              "per_transform": {"mask": 0.5}, "per_term": [{"term": "x"}]},
      "gone": {"kind": "spans", "description": "Spans.", "skipped": "absent: /data/x.csv"}
    }
  })");
}

TEST(EvalSuitesMarkdown, RendersOneSectionPerSuite) {
  const std::string md = eval_markdown(hand_made_results());
  EXPECT_NE(md.find("Model `comity-tiny-1` (recipe sha256 `0123456789ab`)"), std::string::npos)
      << md;
  // Reference suites: one row per attribute.
  EXPECT_NE(md.find("### ref\n\nAgreement with reference.\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| attribute | n | positives | ROC-AUC |"), std::string::npos);
  EXPECT_NE(md.find("| TOXICITY | 10 | 4 | 0.9000 | 0.8500 | 0.7000 | 0.7500 | 0.0500 | n/a |"),
            std::string::npos)
      << md;
  // Other suites: metric/value rows, nested objects flattened, lists left out.
  EXPECT_NE(md.find("### bin\n\n| metric | value |\n|---|---|\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| roc_auc | 0.8123 |"), std::string::npos);
  EXPECT_NE(md.find("| n | 20 |"), std::string::npos);
  EXPECT_NE(md.find("| threshold_source | fixed |"), std::string::npos);
  EXPECT_NE(md.find("| per_transform.mask | 0.5000 |"), std::string::npos);
  EXPECT_EQ(md.find("per_term"), std::string::npos);
  EXPECT_EQ(md.find("| kind |"), std::string::npos);
  // Skipped suites say why.
  EXPECT_NE(md.find("### gone\n\nSpans.\n\nSkipped: absent: /data/x.csv"), std::string::npos) << md;
}

TEST(EvalSuitesRun, RunsTheFixtureSuites) {
  const Scorer scorer(tiny::trained().model);
  EvalOptions options;
  options.suites_file = tiny::fixture_path("suites.toml");
  options.data_dir = tiny::fixture_dir();
  const nlohmann::json r = run_eval(scorer, options);
  EXPECT_EQ(r["model"]["version"], "comity-tiny-1");
  const auto& suites = r["suites"];
  ASSERT_EQ(suites.size(), 4u);
  for (const auto& [name, s] : suites.items()) EXPECT_FALSE(s.contains("skipped")) << name;

  const auto& ref = suites["tiny-reference"];
  EXPECT_EQ(ref["kind"], "reference_scores");
  EXPECT_EQ(ref["examples"], tiny::trained().result.report["datasets"]["comments"]["train"]);
  EXPECT_GT(ref["attributes"]["TOXICITY"]["roc_auc"].get<double>(), 0.9);
  EXPECT_TRUE(ref["attributes"].contains("INSULT"));
  EXPECT_FALSE(ref["attributes"].contains("THREAT"));  // no reference scores for it

  // 24 rude + 22 fine verdicts; "unsure", bad UTF-8 and empty rows are left out.
  const auto& verdicts = suites["tiny-verdicts"];
  EXPECT_EQ(verdicts["n"], 46);
  EXPECT_EQ(verdicts["positives"], 24);
  EXPECT_EQ(verdicts["threshold_source"], "fixed");

  EXPECT_EQ(suites["tiny-spans"]["posts"], 34);
  EXPECT_GE(suites["tiny-spans"]["span_f1"].get<double>(), 0.0);

  const auto& obf = suites["tiny-obfuscation"];
  const std::size_t per_text = obfuscated_variants("idiot").size();
  EXPECT_EQ(obf["base_texts"], 3);
  EXPECT_EQ(obf["variants"], 3 * per_text);
  EXPECT_EQ(obf["per_transform"].size(), per_text);

  // --suite filtering and the limit.
  options.only = {"tiny-verdicts"};
  options.limit = 5;
  const nlohmann::json one = run_eval(scorer, options);
  ASSERT_EQ(one["suites"].size(), 1u);
  EXPECT_EQ(one["suites"]["tiny-verdicts"]["n"], 5);
}

TEST(EvalSuitesRun, AbsentDataIsSkippedWithAReason) {
  const Scorer scorer(tiny::trained().model);
  EvalOptions options;
  options.suites_file = tiny::fixture_path("suites.toml");
  options.data_dir = tiny::scratch("no-data-here");
  const nlohmann::json r = run_eval(scorer, options);
  ASSERT_EQ(r["suites"].size(), 4u);
  for (const auto& [name, s] : r["suites"].items()) {
    ASSERT_TRUE(s.contains("skipped")) << name << ": " << s.dump();
    EXPECT_FALSE(s["skipped"].get<std::string>().empty());
  }
  const std::string md = eval_markdown(r);
  EXPECT_NE(md.find("Skipped: "), std::string::npos);
}

TEST(EvalSuitesRun, MissingSuitesFileThrows) {
  const Scorer scorer(tiny::trained().model);
  EvalOptions options;
  options.suites_file = tiny::scratch("absent-suites.toml");
  EXPECT_THROW(run_eval(scorer, options), std::runtime_error);
}

}  // namespace
}  // namespace comity
