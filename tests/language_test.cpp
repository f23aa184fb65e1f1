// Languages: tags, detection, the profiles normalisation takes, the recipe fields
// that build multilingual data, and the model set that routes by language.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "comity/language_detection.h"
#include "comity/language_profile.h"
#include "comity/linear_model.h"
#include "comity/model_set.h"
#include "comity/recipe.h"
#include "comity/text.h"
#include "comity/trainer.h"
#include "tiny_fixture.h"

namespace comity {
namespace {

TEST(LanguageTagTest, CanonicalisesCaseRegionScriptAndAliases) {
  const std::pair<const char*, const char*> cases[] = {
      {"de", "de"},           {"DE-at", "de"},      {"pt_BR", "pt"},
      {"zh-Hant", "zh"},      {"zh-Hans-CN", "zh"}, {"hi-Latn", "hi-Latn"},
      {"HI-latn", "hi-Latn"}, {"en-Latn", "en"},  // Latin is English's own script
      {"iw", "he"},           {"NO-NB", "no"},      {"nb", "no"}};
  for (const auto& [tag, code] : cases) EXPECT_EQ(canonical_language(tag), code) << tag;
  for (const char* bad : {"", "e", "english", "d3", "de-", "de--at", "de-toolongsubtag", "é"}) {
    EXPECT_EQ(canonical_language(bad), "") << bad;
  }
}

std::string first_language(std::string_view text) {
  return detect_language(text).languages.front();
}

TEST(LanguageDetectionTest, ShortTextsInOtherLanguagesAreNotEnglish) {
  // The failures the issue names: German scored as English, Russian undetected.
  const std::pair<const char*, const char*> cases[] = {
      {"Ich weiß, wo du wohnst, und ich bringe dich um.", "de"},
      {"ты идиот", "ru"},
      {"Eres un idiota de mierda", "es"},
      {"sei proprio uno stronzo, non capisci niente", "it"},
      {"너 진짜 바보야", "ko"},
      {"お前は本当にバカだな", "ja"},
      {"你这个白痴", "zh"},
      {"אתה אידיוט", "he"},
      {"أنت غبي جدا", "ar"},
      {"คุณมันโง่", "th"}};
  for (const auto& [text, code] : cases) EXPECT_EQ(first_language(text), code) << text;
}

TEST(LanguageDetectionTest, ShortTextsCLD2IsUnsureOf) {
  const std::pair<const char*, const char*> cases[] = {
      // A tie of shared words ("do") goes to CLD2 when it is sure.
      {"garoto burro do caralho", "pt"},
      // Profanity is evidence: CLD2 names nothing here.
      {"porra que sono gostoso mano", "pt"},
      // Handles, links and "rt" are not language: CLD2 reads this as English whole.
      {"rt @user acordando mais um dia sem saber dançar igual a taina costa "
       "https://t.co/ykiwygwfw9",
       "pt"},
      {"Minulla on helvetti sanottavaa ja sinä olet paska", "fi"},
      {"Ez egy nagyon rossz ötlet, te hülye", "hu"},
      {"Wewe ni mjinga sana", "sw"},
      {"Sen çok aptal birisin", "tr"},
      // CLD2 says Serbian; Serbian has no "й".
      {"Иди на хуй, мудак", "ru"},
      {"Клянусь Богом, я брошу тебя на", "ru"}};
  for (const auto& [text, code] : cases) EXPECT_EQ(first_language(text), code) << text;
  // English words Danish shares ("her") count for English too.
  EXPECT_EQ(first_language("Claire put her sister on her back"), "en");
  EXPECT_EQ(first_language("kys"), "en");
  EXPECT_EQ(first_language("stfu loser"), "en");
  // Serbian stays Serbian.
  EXPECT_EQ(first_language("Ово је веома лоша идеја, ти си будала и лажов."), "sr");
}

TEST(LanguageDetectionTest, EnglishAndTextsWithoutEvidence) {
  EXPECT_EQ(first_language("you are an idiot"), "en");
  EXPECT_EQ(first_language("Thank you for the article, it was a good read."), "en");
  // One short word shared by several languages ("a") is not evidence for any of them.
  EXPECT_EQ(first_language("a"), "en");
  const LanguageGuess emoji = detect_language("\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
  EXPECT_EQ(emoji.languages, std::vector<std::string>{"en"});
  EXPECT_FALSE(emoji.reliable);
  EXPECT_FALSE(detect_language("zzz qqq").reliable);
}

TEST(LanguageDetectionTest, MixedCommentsGoToTheDominantLanguage) {
  const LanguageGuess g = detect_language(
      "Das ist wirklich eine sehr schlechte Idee, und ich verstehe nicht, warum die Regierung "
      "das macht. lol ok");
  EXPECT_EQ(g.languages.front(), "de");
  EXPECT_TRUE(g.reliable);
  // Mostly English with a German phrase stays English.
  EXPECT_EQ(first_language("Ça va? Das ist gut. Everything is fine here, friend."), "en");
}

std::vector<std::string> norms(std::string_view text, std::string_view language) {
  std::vector<std::string> out;
  for (const Token& t : normalize(text, language_profile(language)).tokens) out.push_back(t.norm);
  return out;
}

TEST(LanguageProfileTest, ProfilesSwitchLexiconLeetspeakAndLookalikes) {
  // A Latin "o" inside a Russian word is folded to Cyrillic in Russian ...
  const auto ru = normalize("ты идиoт", language_profile("ru"));
  ASSERT_EQ(ru.tokens.size(), 2u);
  EXPECT_EQ(ru.tokens[1].norm, "идиот");
  EXPECT_TRUE(ru.tokens[1].obfuscated);
  // ... a mask resolves to the Russian lexicon word, counted in letters, not bytes ...
  EXPECT_EQ(norms("ты с*ка", "ru"), (std::vector<std::string>{"ты", "сука"}));
  // ... and a digit in a Russian word stays a digit (no Latin leetspeak).
  EXPECT_EQ(norms("д3бил", "ru"), std::vector<std::string>{"д3бил"});
  // German masks resolve to German words; English ones still resolve in German text.
  EXPECT_EQ(norms("du sch**sse", "de"), (std::vector<std::string>{"du", "scheisse"}));
  EXPECT_EQ(norms("du sch**sse", "en"), (std::vector<std::string>{"du", "sch**sse"}));
  EXPECT_EQ(norms("sh*t", "de"), std::vector<std::string>{"shit"});
  // A mask two lexicons both fit ("fuck", German "fick") is left as written.
  EXPECT_EQ(norms("f*ck", "de"), std::vector<std::string>{"f*ck"});
  // English is unchanged by the default overload.
  EXPECT_EQ(normalize("f*ck y0u").tokens.size(),
            normalize("f*ck y0u", language_profile("en")).tokens.size());
  EXPECT_EQ(language_profile("xx").code, "und");
  EXPECT_EQ(language_profile("de").fingerprint(), "de/1");
}

TEST(LanguageRecipeTest, ParsesLanguageFieldsAndRejectsBadTags) {
  const Recipe r = parse_recipe(R"(
name = "n"
version = "v"
languages = ["en", "DE-at"]
[attribute_languages]
THREAT = ["en"]
[[datasets]]
name = "d"
path = "d.jsonl"
language = "pt-BR"
language_field = "locale"
split_key = "index"
carry = { paths = ["s.jsonl"], text = "text", group = "index", pivot = { locale = "EN" } }
soft_labels = { TOXICITY = "carried.perspective.TOXICITY" }
[[datasets.labels]]
column = "rating.Toxicity"
ranges = [ { min = 3.0, max = 5.0, targets = { TOXICITY = 1.0 } } ]
[[datasets.labels]]
column = "label"
values = { "0" = { TOXICITY = 0.0 } }
other = { TOXICITY = 1.0 }
)",
                                "test");
  EXPECT_EQ(r.languages, (std::vector<std::string>{"en", "de"}));
  EXPECT_EQ(r.attribute_languages.at(Attribute::kThreat), std::vector<std::string>{"en"});
  const DatasetSpec& d = r.datasets.at(0);
  EXPECT_EQ(d.language, "pt");
  EXPECT_EQ(d.language_field, "locale");
  EXPECT_EQ(d.split_key, "index");
  ASSERT_TRUE(d.carry);
  EXPECT_EQ(d.carry->pivot_field, "locale");
  EXPECT_EQ(d.carry->pivot_value, "EN");
  ASSERT_EQ(d.labels.size(), 2u);
  EXPECT_EQ(d.labels[0].ranges.size(), 1u);
  EXPECT_TRUE(d.labels[1].other);
  EXPECT_THROW(parse_recipe(std::string(tiny::kMinimalRecipe) + "language = \"english\"\n", "t"),
               RecipeError);
  // An attribute may only be served in languages the model lists.
  EXPECT_THROW(parse_recipe(R"(
name = "n"
version = "v"
languages = ["en"]
[attribute_languages]
THREAT = ["de"]
[[datasets]]
name = "d"
path = "d.jsonl"
soft_labels = { TOXICITY = "perspective.TOXICITY" }
)",
                            "t"),
               RecipeError);
}

// A translated set: every locale of an index gets the English original's scores,
// all of one index land in one split, and each row is in its own language.
TEST(LanguageRecipeTest, CarryLanguageFieldAndSplitKeyShapeTheExamples) {
  const std::string dir = tiny::scratch("carry");
  std::filesystem::create_directories(dir);
  {
    std::ofstream scores(dir + "/scores.jsonl");
    std::ofstream prompts(dir + "/prompts.jsonl");
    for (int i = 0; i < 40; ++i) {
      const bool rude = i % 2 == 0;
      const std::string en =
          (rude ? "you stupid fool number " : "have a nice day number ") + std::to_string(i);
      scores
          << nlohmann::json{{"text", en}, {"perspective", {{"TOXICITY", rude ? 0.9 : 0.1}}}}.dump()
          << '\n';
      prompts
          << nlohmann::json{{"index", i}, {"locale", "EN"}, {"prompt", en}, {"rating", 3}}.dump()
          << '\n';
      prompts << nlohmann::json{{"index", i},
                                {"locale", "DE"},
                                {"prompt",
                                 (rude ? "du dummer Narr Nummer " : "schönen Tag Nummer ") +
                                     std::to_string(i)},
                                {"rating", rude ? 4 : 1}}
                     .dump()
              << '\n';
    }
    // A row whose locale is not a language tag is left out, not trained as English.
    prompts << R"({"index": 0, "locale": "BCMS", "prompt": "bcms text", "rating": 5})" << '\n';
    // A row whose English original has no scores gets nothing carried.
    prompts << R"({"index": 99, "locale": "DE", "prompt": "ohne Original", "rating": 5})" << '\n';
  }
  Recipe recipe = parse_recipe(R"(
name = "n"
version = "v"
languages = ["en", "de"]
[features]
hash_bits = 10
[training]
epochs = 1
span_epochs = 1
calibration_knots = 4
[[datasets]]
name = "prompts"
path = "prompts.jsonl"
text = "prompt"
language_field = "locale"
split_key = "index"
carry = { paths = ["scores.jsonl"], text = "text", group = "index", pivot = { locale = "EN" } }
soft_labels = { TOXICITY = "carried.perspective.TOXICITY" }
calibrate = true
)",
                               "test");
  TrainOptions options;
  options.data_dir = dir;
  options.dump_examples = dir + "/dump.jsonl";
  const TrainResult result = train(recipe, options);
  EXPECT_EQ(result.weights.info.languages, (std::vector<std::string>{"en", "de"}));
  EXPECT_EQ(result.weights.info.text_profiles, (std::vector<std::string>{"en/1", "de/1"}));

  std::ifstream dump(options.dump_examples);
  std::map<int, std::set<std::string>> splits_of_index;
  std::size_t rows = 0, german = 0;
  for (std::string line; std::getline(dump, line);) {
    const auto row = nlohmann::json::parse(line);
    ++rows;
    const std::string text = row["text"];
    if (row["language"] == "de") ++german;
    EXPECT_NE(text, "ohne Original");  // nothing carried, so unlabelled
    EXPECT_NE(text, "bcms text");
    const double y = row["targets"]["TOXICITY"];
    EXPECT_EQ(y > 0.5,
              text.find("dumm") != std::string::npos || text.find("stupid") != std::string::npos)
        << text;
    const int index = std::stoi(text.substr(text.rfind(' ') + 1));
    splits_of_index[index].insert(row["split"].get<std::string>());
  }
  EXPECT_EQ(rows, 80u);
  EXPECT_EQ(german, 40u);
  for (const auto& [index, splits] : splits_of_index) EXPECT_EQ(splits.size(), 1u) << index;
}

// Two models: English, and one for German and Russian that serves THREAT only in German.
TEST(ModelSetTest, RoutesByLanguageAndReportsServedAttributes) {
  const auto& fixture = tiny::trained();
  ModelWeights multi = fixture.result.weights;
  multi.info.version = "tiny-multi";
  multi.info.languages = {"de", "ru"};
  multi.info.attribute_languages[Attribute::kThreat] = {"de"};
  const std::string path = tiny::scratch("tiny-multi.cmodel");
  LinearModel::save(multi, path);
  const ModelSet set = load_model_set({fixture.model_path, path});

  EXPECT_EQ(set.languages(), (std::vector<std::string>{"de", "en", "ru"}));
  EXPECT_EQ(set.languages(Attribute::kThreat), (std::vector<std::string>{"de", "en"}));
  EXPECT_TRUE(set.serves(Attribute::kToxicity, "ru"));
  EXPECT_FALSE(set.serves(Attribute::kThreat, "ru"));
  EXPECT_FALSE(set.serves(Attribute::kToxicity, "fr"));

  const LanguageRoute de = set.route("Ich weiß, wo du wohnst, und ich bringe dich um.");
  EXPECT_EQ(de.language, "de");
  EXPECT_FALSE(de.requested);
  ASSERT_NE(de.member, nullptr);
  EXPECT_EQ(de.member->model->info().version, "tiny-multi");
  // CLD2's Malay for Indonesian goes to a model that serves Indonesian, not the fallback.
  ModelWeights indonesian = fixture.result.weights;
  indonesian.info.version = "tiny-id";
  indonesian.info.languages = {"id"};
  const std::string id_path = tiny::scratch("tiny-id.cmodel");
  LinearModel::save(indonesian, id_path);
  const std::string malay = "Ada sesuatu yang ingin kukatakan dan kamu benar-benar brengsek";
  ASSERT_EQ(detect_language(malay).languages.front(), "ms");
  const ModelSet with_indonesian = load_model_set({fixture.model_path, id_path});
  const LanguageRoute id = with_indonesian.route(malay);
  EXPECT_EQ(id.language, "id");
  ASSERT_NE(id.member, nullptr);
  EXPECT_EQ(id.member->model->info().version, "tiny-id");
  // A German text is not scored as English because no model serves German, whatever
  // else CLD2 lists.
  const ModelSet english_only = load_model_set({fixture.model_path});
  EXPECT_EQ(english_only.route("Ich weiß, wo du wohnst, und ich bringe dich um.").language, "de");

  const LanguageRoute en = set.route("you are a loser", {"EN-gb"});
  EXPECT_TRUE(en.requested);
  EXPECT_EQ(en.member->model->info().version, fixture.result.weights.info.version);
  // Unsupported: no member, and scoring falls back to the model with most languages.
  const LanguageRoute fr = set.route("x", {"fr"});
  EXPECT_EQ(fr.member, nullptr);
  EXPECT_EQ(&set.fallback(), &set.members()[1]);
  const ScoreResult a = set.score("du Narr", fr);
  const ScoreResult b = set.members()[1].scorer.score("du Narr", language_profile("fr"));
  EXPECT_EQ(a.scores, b.scores);

  const auto loaded = LinearModel::load(path);
  EXPECT_EQ(loaded->info().attribute_languages, multi.info.attribute_languages);
  EXPECT_EQ(split_model_paths("a.cmodel,,b.cmodel"),
            (std::vector<std::string>{"a.cmodel", "b.cmodel"}));
}

}  // namespace
}  // namespace comity
