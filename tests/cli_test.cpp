// End-to-end runs of the `comity` binary: help, score in every input form, error
// handling, model inspection, deterministic training and evaluation.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fmt/format.h>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tiny_fixture.h"

namespace comity {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string out, err;
};

std::string quote(const std::string& arg) {
  std::string q = "'";
  for (char c : arg) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

// Runs `comity ARGS` through the shell, optionally with `stdin_path` as input.
Outcome comity(const std::vector<std::string>& args, const std::string& stdin_path = "") {
  static int counter = 0;
  const std::string base = tiny::scratch(fmt::format("run{}", ++counter));
  std::string cmd = quote(COMITY_BINARY);
  for (const std::string& a : args) cmd += fmt::format(" {}", quote(a));
  cmd += fmt::format(" < {} > {} 2> {}", quote(stdin_path.empty() ? "/dev/null" : stdin_path),
                     quote(base + ".out"), quote(base + ".err"));
  const int status = std::system(cmd.c_str());
  Outcome r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = tiny::read_bytes(base + ".out");
  r.err = tiny::read_bytes(base + ".err");
  return r;
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// A model trained by `comity train` from the fixture, once per process.
const std::string& cli_model() {
  static const std::string path = [] {
    const std::string out = tiny::scratch("cli.cmodel");
    const Outcome r = comity({"train", "--recipe", tiny::fixture_path("recipe.toml"), "--data-dir",
                              tiny::fixture_dir(), "--output", out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }();
  return path;
}

void expect_all_scores(const nlohmann::json& obj) {
  ASSERT_TRUE(obj.contains("scores")) << obj.dump();
  const auto& s = obj["scores"];
  EXPECT_EQ(s.size(), 8u) << obj.dump();
  for (const char* a : {"TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY",
                        "THREAT", "SEXUALLY_EXPLICIT", "FLIRTATION"}) {
    ASSERT_TRUE(s.contains(a)) << a;
    EXPECT_GE(s[a].get<double>(), 0.0);
    EXPECT_LE(s[a].get<double>(), 1.0);
  }
  EXPECT_EQ(obj["model"], "comity-tiny-1");
}

TEST(CliHelp, EveryCommandExplainsItsOptions) {
  const Outcome top = comity({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* word : {"score", "train", "eval", "model"})
    EXPECT_NE(top.out.find(word), std::string::npos) << word;

  const Outcome score = comity({"score", "--help"});
  EXPECT_EQ(score.exit_code, 0);
  for (const char* opt : {"--text-field", "--format", "--on-error", "--lenient", "--model",
                          "--id-field", "--sentences", "--highlights"})
    EXPECT_NE(score.out.find(opt), std::string::npos) << opt;

  const Outcome train = comity({"train", "--help"});
  EXPECT_EQ(train.exit_code, 0);
  for (const char* opt : {"--recipe", "--data-dir", "--output", "--report"})
    EXPECT_NE(train.out.find(opt), std::string::npos) << opt;

  const Outcome eval = comity({"eval", "--help"});
  EXPECT_EQ(eval.exit_code, 0);
  for (const char* opt : {"--suites", "--data-dir", "--markdown", "--model", "--suite"})
    EXPECT_NE(eval.out.find(opt), std::string::npos) << opt;

  const Outcome none = comity({});
  EXPECT_NE(none.exit_code, 0);
}

// The bundled multilingual model behind comity-2, as docs/api.md opts in: each row goes
// to the model of its detected language and the insult outscores the thanks in each.
TEST(CliScore, TheBundledMultilingualModelScoresOtherLanguages) {
  const std::string models = std::string(COMITY_SOURCE_DIR) + "/models/comity-2.cmodel," +
                             COMITY_SOURCE_DIR + "/models/comity-multi-3.cmodel";
  const Outcome r =
      comity({"score", "-m", models, "-t", "Du bist ein verdammter Idiot und ein Lügner", "-t",
              "Danke für den schönen Artikel über den Garten", "-t", "Eres un idiota de mierda",
              "-t", "Gracias por la información, muy útil", "-t", "you are a clown", "-t",
              "lovely garden, thank you"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  const char* const languages[] = {"de", "de", "es", "es", "en", "en"};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(lines[i]["language"], languages[i]) << lines[i].dump();
    EXPECT_EQ(lines[i]["model"], i < 4 ? "comity-multi-3" : "comity-2") << lines[i].dump();
  }
  for (std::size_t i = 0; i < 6; i += 2) {
    EXPECT_GT(lines[i]["scores"]["TOXICITY"].get<double>(), 0.5) << lines[i].dump();
    EXPECT_LT(lines[i + 1]["scores"]["TOXICITY"].get<double>(), 0.5) << lines[i + 1].dump();
  }
}

TEST(CliScore, JsonlFileKeepsOrderAndEchoesIds) {
  const std::string in = tiny::scratch("in.jsonl");
  tiny::write_bytes(in,
                    "{\"id\": \"first\", \"text\": \"you are an idiot\"}\n"
                    "{\"id\": 2, \"text\": \"thanks for the lovely recipe\"}\n"
                    "{\"text\": \"no id here, what a clown\"}\n"
                    "{\"id\": \"last\", \"text\": \"see you at the meeting\", \"extra\": [1]}\n");
  const Outcome r =
      comity({"score", "--model", cli_model(), "--format", "jsonl", "--text-field", "text", in});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[0]["id"], "first");
  EXPECT_EQ(lines[1]["id"], 2);
  EXPECT_FALSE(lines[2].contains("id"));
  EXPECT_EQ(lines[3]["id"], "last");
  for (const auto& l : lines) expect_all_scores(l);
  EXPECT_GT(lines[0]["scores"]["TOXICITY"].get<double>(),
            lines[1]["scores"]["TOXICITY"].get<double>());
}

TEST(CliScore, CsvColumnAndIdField) {
  const std::string in = tiny::scratch("in.csv");
  tiny::write_bytes(in,
                    "key,body,other\n"
                    "k1,\"you are an idiot, truly\",x\n"
                    "k2,\"a kind \"\"thank you\"\"\",y\n");
  // The file comes first: a list option such as --attributes takes every argument after it.
  const Outcome r = comity({"score", in, "-m", cli_model(), "--text-field", "body", "--id-field",
                            "key", "--attributes", "TOXICITY,INSULT"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0]["id"], "k1");
  EXPECT_EQ(lines[1]["id"], "k2");
  EXPECT_EQ(lines[0]["scores"].size(), 2u);
  EXPECT_GT(lines[0]["scores"]["INSULT"].get<double>(), lines[1]["scores"]["INSULT"].get<double>());
}

TEST(CliScore, StdinLinesAndTextArguments) {
  const std::string in = tiny::scratch("lines.txt");
  tiny::write_bytes(in, "what an idiot\r\nthanks for the answer\n\nlast line without newline");
  const Outcome r = comity({"score", "-m", cli_model()}, in);
  // The empty line could not be scored: everything else is written, the status says so.
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  expect_all_scores(lines[0]);
  expect_all_scores(lines[1]);
  expect_all_scores(lines[3]);
  // The empty line is reported in place, not dropped.
  EXPECT_EQ(lines[2]["line"], 3);
  EXPECT_TRUE(lines[2].contains("error"));

  const Outcome t =
      comity({"score", "-m", cli_model(), "-t", "you are a clown", "-t", "lovely garden"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto tl = json_lines(t.out);
  ASSERT_EQ(tl.size(), 2u);
  expect_all_scores(tl[0]);
  EXPECT_GT(tl[0]["scores"]["TOXICITY"].get<double>(), tl[1]["scores"]["TOXICITY"].get<double>());
}

TEST(CliScore, SentencesAndHighlights) {
  const Outcome r = comity({"score", "-m", cli_model(), "--sentences", "--highlights", "-t",
                            "You are an idiot! 😀 Thanks for the recipe."});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0]["sentences"].size(), 2u);
  EXPECT_EQ(lines[0]["sentences"][0]["begin"], 0);
  // UTF-16 end of the text: 42 code points plus one for the emoji's surrogate pair.
  EXPECT_EQ(lines[0]["sentences"][1]["end"], 43);
  EXPECT_EQ(lines[0]["sentences"][1]["cp_end"], 42);
  ASSERT_TRUE(lines[0]["highlights"].is_array());
  for (const auto& h : lines[0]["highlights"]) EXPECT_TRUE(h.contains("begin")) << h.dump();
}

TEST(CliScore, InvalidUtf8IsReportedWithItsLine) {
  const std::string in = tiny::scratch("bad.txt");
  tiny::write_bytes(in, "fine text\nbad \xff\xfe bytes\nmore fine text\n");
  const Outcome r = comity({"score", "-m", cli_model(), "--format", "text", in});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  expect_all_scores(lines[0]);
  EXPECT_EQ(lines[1]["line"], 2);
  EXPECT_NE(lines[1]["error"].get<std::string>().find("invalid UTF-8"), std::string::npos);
  EXPECT_FALSE(lines[1].contains("scores"));
  expect_all_scores(lines[2]);
  EXPECT_NE(r.err.find(in + ":2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("invalid UTF-8"), std::string::npos) << r.err;

  const Outcome fail =
      comity({"score", "-m", cli_model(), "--format", "text", "--on-error", "fail", in});
  EXPECT_NE(fail.exit_code, 0);
  EXPECT_NE(fail.err.find(in + ":2:"), std::string::npos) << fail.err;

  const Outcome lenient = comity({"score", "-m", cli_model(), "--format", "text", "--lenient", in});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.err;
  const auto repaired = json_lines(lenient.out);
  ASSERT_EQ(repaired.size(), 3u);
  for (const auto& l : repaired) expect_all_scores(l);
  EXPECT_EQ(lenient.err.find("invalid UTF-8"), std::string::npos) << lenient.err;
}

TEST(CliScore, InvalidUtf8InAJsonlRowNamesTheLine) {
  const std::string in = tiny::scratch("bad.jsonl");
  tiny::write_bytes(in,
                    "{\"text\": \"ok\"}\n{\"text\": \"bad \xff here\"}\n{\"text\": \"ok too\"}\n");
  const Outcome r = comity({"score", "-m", cli_model(), in});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[1]["line"], 2);
  EXPECT_TRUE(lines[1].contains("error"));
  EXPECT_NE(r.err.find(":2:"), std::string::npos) << r.err;
}

TEST(CliScore, DeeplyNestedJsonlRowIsAnErrorLineNotACrash) {
  // A 150,000-deep `id` overflowed the stack in nlohmann's parse, dump or destructor.
  const std::string in = tiny::scratch("deep.jsonl");
  const std::string deep = "{\"id\": " + std::string(150000, '[') + ", \"text\": \"x\"}\n";
  tiny::write_bytes(in, "{\"id\": 1, \"text\": \"fine\"}\n" + deep +
                            "{\"id\": 3, \"text\": \"also fine\"}\n{\"text\": 'lenient'}\n");
  const Outcome r = comity({"score", "-m", cli_model(), in});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  expect_all_scores(lines[0]);
  EXPECT_EQ(lines[1]["line"], 2);
  EXPECT_EQ(lines[1]["error"],
            "bad JSON at column 107: Objects and arrays nest deeper than 100 levels.");
  EXPECT_FALSE(lines[1].contains("id"));
  expect_all_scores(lines[2]);
  EXPECT_EQ(lines[2]["id"], 3);
  // JSON Lines are strict JSON.
  EXPECT_EQ(lines[3]["error"], "bad JSON at column 10: Strings must be in double quotes.");
  EXPECT_NE(r.err.find(in + ":2: bad JSON at column 107"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 input(s) could not be scored"), std::string::npos) << r.err;
}

TEST(CliScore, OverlongFieldsAndLinesAreErrorRows) {
  const std::string big(3000, 'x');
  const std::string csv = tiny::scratch("long.csv");
  tiny::write_bytes(csv, "id,text\n1,short\n2,\"" + big + "\"\n3,fine\n");
  const Outcome r = comity({"score", "-m", cli_model(), "--max-field-bytes", "1000", csv});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  expect_all_scores(lines[0]);
  EXPECT_EQ(lines[1]["line"], 3);
  EXPECT_EQ(lines[1]["error"], "field 2 is longer than the 1000-byte limit");
  expect_all_scores(lines[2]);
  EXPECT_NE(r.err.find(csv + ":3: field 2 is longer"), std::string::npos) << r.err;

  const std::string jsonl = tiny::scratch("long.jsonl");
  tiny::write_bytes(jsonl, "{\"text\": \"" + big + "\"}\n{\"text\": \"ok\"}\n");
  const Outcome j = comity({"score", "-m", cli_model(), "--max-field-bytes", "1000", jsonl});
  EXPECT_EQ(j.exit_code, 1) << j.err;
  lines = json_lines(j.out);
  ASSERT_EQ(lines.size(), 2u) << j.out;
  EXPECT_EQ(lines[0]["error"], "line longer than the 1000-byte limit (--max-field-bytes)");
  expect_all_scores(lines[1]);
  // The default (1 MiB) takes both files whole, and --on-error fail stops at the row.
  const Outcome whole = comity({"score", "-m", cli_model(), jsonl});
  for (const auto& l : json_lines(whole.out)) expect_all_scores(l);
  const Outcome fail =
      comity({"score", "-m", cli_model(), "--max-field-bytes", "1000", "--on-error", "fail", csv});
  EXPECT_EQ(fail.exit_code, 2);
  EXPECT_NE(fail.err.find(csv + ":3:"), std::string::npos) << fail.err;

  // Plain text lines too, from stdin.
  const std::string text = tiny::scratch("long.txt");
  tiny::write_bytes(text, "first\n" + big + "\nlast");
  const Outcome t = comity({"score", "-m", cli_model(), "--max-field-bytes", "1000"}, text);
  lines = json_lines(t.out);
  ASSERT_EQ(lines.size(), 3u) << t.out;
  expect_all_scores(lines[0]);
  EXPECT_EQ(lines[1]["line"], 2);
  EXPECT_TRUE(lines[1].contains("error"));
  expect_all_scores(lines[2]);
}

TEST(CliScore, RowsWithoutTheTextColumnAreReportedInPlace) {
  const std::string in = tiny::scratch("no-text.csv");
  tiny::write_bytes(in, "a,b\n1,2\n3,4\n");
  const Outcome r = comity({"score", "-m", cli_model(), in});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0]["line"], 2);
  EXPECT_EQ(lines[1]["line"], 3);
  EXPECT_NE(lines[0]["error"].get<std::string>().find("no text field 'text'"), std::string::npos);
  EXPECT_NE(r.err.find("2 input(s) could not be scored"), std::string::npos) << r.err;

  const Outcome fail = comity({"score", "-m", cli_model(), "--on-error", "fail", "-t", ""});
  EXPECT_EQ(fail.exit_code, 2);
  EXPECT_NE(fail.err.find("empty text"), std::string::npos) << fail.err;
}

TEST(CliScore, TxtFilesAreOneCommentPerLine) {
  // Read as a TSV table, every line of a .txt file was a header or lacked a 'text' column.
  const std::string in = tiny::scratch("comments.txt");
  tiny::write_bytes(in, "you are an idiot\tand a clown\nthanks for the lovely recipe\n");
  const Outcome r = comity({"score", "-m", cli_model(), in});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  for (const auto& l : lines) expect_all_scores(l);
  EXPECT_GT(lines[0]["scores"]["TOXICITY"].get<double>(),
            lines[1]["scores"]["TOXICITY"].get<double>());
  EXPECT_EQ(r.err.find("could not be scored"), std::string::npos) << r.err;
  // Each line is scored exactly as the same text given with -t.
  const Outcome t = comity({"score", "-m", cli_model(), "-t", "you are an idiot\tand a clown"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(json_lines(t.out)[0]["scores"], lines[0]["scores"]);

  // Whatever the extension's case.
  const std::string upper = tiny::scratch("COMMENTS.TXT");
  tiny::write_bytes(upper, tiny::read_bytes(in));
  const Outcome u = comity({"score", "-m", cli_model(), upper});
  ASSERT_EQ(u.exit_code, 0) << u.err;
  EXPECT_EQ(u.out, r.out);

  // --format tsv still reads it as a table: the first line is its header.
  const Outcome tsv = comity({"score", "-m", cli_model(), "--format", "tsv", in});
  EXPECT_EQ(tsv.exit_code, 1) << tsv.err;
  EXPECT_EQ(json_lines(tsv.out).size(), 1u) << tsv.out;
  EXPECT_NE(tsv.err.find(in + ":2: expected 2 fields, found 1"), std::string::npos) << tsv.err;
}

TEST(CliScore, FailedRowsMakeTheExitStatusNonZeroWithASummary) {
  const Outcome empty = comity({"score", "-m", cli_model(), "-t", ""});
  EXPECT_EQ(empty.exit_code, 1) << empty.err;
  const auto lines = json_lines(empty.out);
  ASSERT_EQ(lines.size(), 1u) << empty.out;
  EXPECT_EQ(lines[0]["error"], "empty text");
  EXPECT_NE(empty.err.find("<arg>:1: empty text"), std::string::npos) << empty.err;
  EXPECT_NE(empty.err.find("comity score: 1 input(s) could not be scored (reported above), 0 "
                           "scored"),
            std::string::npos)
      << empty.err;

  const Outcome mixed =
      comity({"score", "-m", cli_model(), "-t", "fine words", "-t", " \t ", "-t", "more words"});
  EXPECT_EQ(mixed.exit_code, 1) << mixed.err;
  EXPECT_EQ(json_lines(mixed.out).size(), 3u) << mixed.out;
  EXPECT_NE(mixed.err.find("1 input(s) could not be scored (reported above), 2 scored"),
            std::string::npos)
      << mixed.err;

  // --allow-errors: the same rows and report, exit 0.
  const Outcome allowed = comity(
      {"score", "-m", cli_model(), "--allow-errors", "-t", "fine words", "-t", "", "-t", "more"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  const auto allowed_lines = json_lines(allowed.out);
  ASSERT_EQ(allowed_lines.size(), 3u) << allowed.out;
  EXPECT_EQ(allowed_lines[1]["error"], "empty text");
  EXPECT_NE(allowed.err.find("1 input(s) could not be scored"), std::string::npos) << allowed.err;

  // --on-error fail keeps its own status: it stopped.
  const Outcome fail = comity({"score", "-m", cli_model(), "--on-error", "fail", "-t", ""});
  EXPECT_EQ(fail.exit_code, 2);
  // All good: 0 and no summary.
  const Outcome good = comity({"score", "-m", cli_model(), "-t", "a kind word"});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_TRUE(good.err.empty()) << good.err;
}

TEST(CliHelp, ScoreHelpNamesTheExitStatusAndAllowErrors) {
  const Outcome help = comity({"score", "--help"});
  ASSERT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--allow-errors"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("Exit status"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find(".txt"), std::string::npos) << help.out;
}

TEST(CliScore, TruncatedModelFailsClearly) {
  const std::string whole = tiny::read_bytes(cli_model());
  const std::string cut = tiny::scratch("truncated.cmodel");
  tiny::write_bytes(cut, whole.substr(0, whole.size() / 2));
  const Outcome r = comity({"score", "-m", cut, "-t", "hello"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(cut), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;

  const Outcome missing = comity({"score", "-m", tiny::scratch("absent.cmodel"), "-t", "hello"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("absent.cmodel"), std::string::npos) << missing.err;
}

TEST(CliModel, PrintsVersionAndChecksum) {
  const Outcome r = comity({"model", cli_model()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["version"], "comity-tiny-1");
  EXPECT_EQ(j["name"], "comity-tiny");
  EXPECT_EQ(j["hash_bits"], 12);
  const auto model = LinearModel::load(cli_model());
  EXPECT_EQ(j["checksum_xxh64"], fmt::format("{:016x}", model->checksum()));
  EXPECT_EQ(j["bytes"], model->file_size());
  EXPECT_EQ(j["recipe_sha256"], load_recipe(tiny::fixture_path("recipe.toml")).sha256);
  EXPECT_EQ(j["attributes"].size(), 8u);
}

TEST(CliTrain, TwiceGivesIdenticalBytesAndMatchesTheLibrary) {
  const std::string second = tiny::scratch("cli-second.cmodel");
  const std::string report = tiny::scratch("cli-second.json");
  const Outcome r = comity({"train", "-r", tiny::fixture_path("recipe.toml"), "-d",
                            tiny::fixture_dir(), "-o", second, "--report", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Outcome cmp = [&] {
    Outcome c;
    c.exit_code = WEXITSTATUS(
        std::system(fmt::format("cmp -s {} {}", quote(cli_model()), quote(second)).c_str()));
    return c;
  }();
  EXPECT_EQ(cmp.exit_code, 0) << "comity train is not deterministic";
  // The in-process trainer writes the same bytes as the command.
  EXPECT_TRUE(tiny::read_bytes(second) == tiny::read_bytes(tiny::trained().model_path));
  const auto j = nlohmann::json::parse(tiny::read_bytes(report));
  EXPECT_EQ(j["datasets"]["comments"]["rows"], 122);
  // The default report sits next to the model.
  EXPECT_FALSE(tiny::read_bytes(cli_model() + ".train.json").empty());
}

TEST(CliTrain, BadRecipeFailsWithTheReason) {
  const std::string recipe = tiny::scratch("bad-recipe.toml");
  tiny::write_bytes(recipe, "name = \"x\"\nversion = \"x-1\"\n[features]\nhash_bits = 40\n");
  const Outcome r = comity(
      {"train", "-r", recipe, "-d", tiny::fixture_dir(), "-o", tiny::scratch("never.cmodel")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("hash_bits"), std::string::npos) << r.err;
  const Outcome missing = comity({"train", "-d", tiny::fixture_dir()});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("--recipe"), std::string::npos) << missing.err;
}

TEST(CliTrain, DeeplyNestedRecipeIsRefusedBeforeToml) {
  // toml++ has no limit on dotted keys: 150,000 segments crashed it.
  std::string key = "a";
  for (int i = 1; i < 150000; ++i) key += ".a";
  const std::string recipe = tiny::scratch("deep-recipe.toml");
  tiny::write_bytes(recipe, "name = \"x\"\nversion = \"x-1\"\n" + key + " = 1\n");
  const Outcome r = comity(
      {"train", "-r", recipe, "-d", tiny::fixture_dir(), "-o", tiny::scratch("never.cmodel")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(recipe + ": line 3: tables and arrays nest deeper than 64 levels"),
            std::string::npos)
      << r.err;

  const std::string suites = tiny::scratch("deep-suites.toml");
  tiny::write_bytes(suites, "[" + key + "]\n");
  const Outcome e =
      comity({"eval", "-m", cli_model(), "--suites", suites, "--data-dir", tiny::fixture_dir()});
  EXPECT_NE(e.exit_code, 0);
  EXPECT_NE(e.err.find(suites + ": line 1: tables and arrays nest deeper than 64 levels"),
            std::string::npos)
      << e.err;
  EXPECT_TRUE(e.out.empty());
}

TEST(CliEval, FixtureSuitesGiveJsonAndMarkdown) {
  const std::string md = tiny::scratch("eval.md");
  const Outcome r =
      comity({"eval", "-m", cli_model(), "--suites", tiny::fixture_path("suites.toml"),
              "--data-dir", tiny::fixture_dir(), "--markdown", md, "-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"]["version"], "comity-tiny-1");
  for (const char* name : {"tiny-reference", "tiny-verdicts", "tiny-spans", "tiny-obfuscation"}) {
    ASSERT_TRUE(j["suites"].contains(name)) << name;
    EXPECT_FALSE(j["suites"][name].contains("skipped")) << name;
  }
  EXPECT_GT(j["suites"]["tiny-reference"]["attributes"]["TOXICITY"]["roc_auc"].get<double>(), 0.9);
  const std::string table = tiny::read_bytes(md);
  EXPECT_NE(table.find("### tiny-reference"), std::string::npos) << table;
  EXPECT_NE(table.find("| attribute | n | positives | ROC-AUC |"), std::string::npos) << table;
  EXPECT_NE(table.find("| TOXICITY |"), std::string::npos) << table;
  EXPECT_NE(table.find("| metric | value |"), std::string::npos) << table;

  const std::string json_file = tiny::scratch("eval.json");
  const Outcome to_file =
      comity({"eval", "-m", cli_model(), "--suites", tiny::fixture_path("suites.toml"),
              "--data-dir", tiny::fixture_dir(), "--suite", "tiny-spans", "--json", json_file});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_TRUE(to_file.out.empty());
  const auto only = nlohmann::json::parse(tiny::read_bytes(json_file));
  EXPECT_EQ(only["suites"].size(), 1u);
  EXPECT_EQ(only["suites"]["tiny-spans"]["posts"], 34);
}

TEST(CliEval, MissingSuitesFileFails) {
  const Outcome r = comity({"eval", "-m", cli_model(), "--suites", tiny::scratch("none.toml"),
                            "--data-dir", tiny::fixture_dir()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("none.toml"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliEval, AbsentDataDirIsReportedAsSkipped) {
  const Outcome r =
      comity({"eval", "-m", cli_model(), "--suites", tiny::fixture_path("suites.toml"),
              "--data-dir", tiny::scratch("nothing-here")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["suites"].size(), 4u);
  for (const auto& [name, s] : j["suites"].items())
    EXPECT_TRUE(s.contains("skipped")) << name << ": " << s.dump();
  EXPECT_NE(r.err.find("skipped tiny-verdicts"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace comity
