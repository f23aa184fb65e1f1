// parse_json_input() against nlohmann's own strict parse on the bodies the server
// sees: a typical analyze request (~700 bytes), a 1 MB request that is one long
// comment (string scanning), and a 1 MB batch-like body of small objects (tree
// building). Both parsers produce the same nlohmann::json, so the ratio is the
// price (or gain) of the depth limit, UTF-8 checking and Google's leniency.
//
// It also decided the design: a lenient front end that rewrote input to strict JSON
// for nlohmann to parse would cost at least nlohmann's parse plus a pass of its
// own, so building the tree directly has to beat nlohmann's parse alone, and does.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>

#include "comity/json_input.h"

namespace {

// A 300-character comment with the escapes and non-ASCII real comments carry.
std::string comment_text() {
  std::string text;
  const char* const pieces[] = {
      "Honestly, ",      "the council ",        "can\\u2019t be serious. ",
      "\\\"Budget\\\" ", "caf\xC3\xA9 owners ", "\xF0\x9F\x99\x84 ",
      "said no.\\n",     "What a clown! "};
  for (std::size_t i = 0; text.size() < 300; ++i) text += pieces[i % std::size(pieces)];
  return text;
}

std::string analyze_body(const std::string& text) {
  return R"({"comment": {"text": ")" + text +
         R"(", "type": "PLAIN_TEXT"}, "context": {"entries": [{"text": "Article title"}]},)"
         R"( "requestedAttributes": {"TOXICITY": {}, "SEVERE_TOXICITY": {}, "IDENTITY_ATTACK": {},)"
         R"( "INSULT": {"scoreThreshold": 0.5}, "PROFANITY": {}, "THREAT": {},)"
         R"( "SEXUALLY_EXPLICIT": {}, "FLIRTATION": {}}, "languages": ["en"],)"
         R"( "spanAnnotations": true, "doNotStore": true, "clientToken": "c-0042"})";
}

const std::string& typical_body() {
  static const std::string body = analyze_body(comment_text());
  return body;
}

const std::string& long_comment_body() {
  static const std::string body = [] {
    const std::string unit = comment_text();
    std::string text;
    while (text.size() < (1u << 20)) text += unit;
    return analyze_body(text);
  }();
  return body;
}

const std::string& batch_body() {
  static const std::string body = [] {
    std::string s = "[";
    for (std::size_t i = 0; s.size() < (1u << 20); ++i) {
      if (i > 0) s += ",";
      s += R"({"id": )" + std::to_string(i) + R"(, "score": 0.)" + std::to_string(i % 997) +
           R"(, "text": "short comment number )" + std::to_string(i) +
           R"(", "tags": ["a", "b"], "flagged": false})";
    }
    return s + "]";
  }();
  return body;
}

const std::string& body(int which) {
  return which == 0 ? typical_body() : which == 1 ? long_comment_body() : batch_body();
}

const char* label(int which) {
  return which == 0 ? "analyze ~700 B" : which == 1 ? "1 MB comment" : "1 MB batch";
}

void BM_ParseJsonInput(benchmark::State& state, bool lenient) {
  const std::string& text = body(static_cast<int>(state.range(0)));
  const comity::JsonLimits limits{.max_depth = 100, .lenient = lenient};
  for (auto _ : state) {
    nlohmann::json value = comity::parse_json_input(text, limits);
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
  state.SetLabel(label(static_cast<int>(state.range(0))));
}
BENCHMARK_CAPTURE(BM_ParseJsonInput, lenient, true)->DenseRange(0, 2);
BENCHMARK_CAPTURE(BM_ParseJsonInput, strict, false)->DenseRange(0, 2);

void BM_NlohmannParse(benchmark::State& state) {
  const std::string& text = body(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    nlohmann::json value = nlohmann::json::parse(text);
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
  state.SetLabel(label(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_NlohmannParse)->DenseRange(0, 2);

}  // namespace
