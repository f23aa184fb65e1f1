// Shared by the server tests: a deterministic fake Analyzer (so the HTTP/JSON
// layer is tested without a trained model), a temporary data directory and a
// real HttpServer on an ephemeral loopback port.
#pragma once
#include <httplib.h>
#include <map>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "comity/features.h"
#include "comity/linear_model.h"
#include "comity/model.h"
#include "comity/moderation_store.h"
#include "comity/store.h"
#include "comity/text.h"
#include "moderation/moderation_routes.h"
#include "server/analyzer.h"
#include "server/http_server.h"

namespace comity::server::testing {

// Words containing "idiot" make every sentence that holds them toxic (0.9 TOXICITY,
// 0.8 INSULT); everything else scores 0.1. Sentences end at ". ", "! " or "? ".
// Byte range [begin, end) of UTF-8 `text` with its UTF-16 offsets.
inline TextRange text_range(std::string_view text, std::size_t begin, std::size_t end) {
  auto u16 = [&](std::size_t byte) {
    std::uint32_t units = 0;
    for (std::size_t i = 0; i < byte; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
    }
    return units;
  };
  TextRange r;
  r.byte_begin = static_cast<std::uint32_t>(begin);
  r.byte_end = static_cast<std::uint32_t>(end);
  r.u16_begin = u16(begin);
  r.u16_end = u16(end);
  return r;
}

// Marks every occurrence of `word` in `text` as a highlighted token, the way the
// real scorer reports toxic spans.
inline void highlight_word(std::string_view text, std::string_view word, float score,
                           ScoreResult& result) {
  for (std::size_t at = text.find(word); at != std::string_view::npos;
       at = text.find(word, at + 1)) {
    TokenScore token;
    token.where = text_range(text, at, at + word.size());
    token.norm = std::string(word);
    token.toxic_span = score;
    token.highlighted = true;
    result.tokens.push_back(token);
  }
}

class FakeAnalyzer final : public Analyzer {
 public:
  explicit FakeAnalyzer(std::string version = "fake-1",
                        std::vector<std::string> languages = {"en"}) {
    description_.name = "fake";
    description_.version = std::move(version);
    description_.languages = std::move(languages);
    description_.checksum = 0xfeed;
  }
  ScoreResult score(std::string_view text, const ScoreOptions& options) const override {
    ++calls;
    ScoreResult result;
    result.scores = scores_for(text);
    if (options.sentences) {
      std::size_t begin = 0;
      while (begin < text.size()) {
        std::size_t end = text.find_first_of(".!?", begin);
        end = end == std::string_view::npos ? text.size() : end + 1;
        SentenceScore sentence;
        sentence.where = text_range(text, begin, end);
        sentence.scores = scores_for(text.substr(begin, end - begin));
        result.sentences.push_back(sentence);
        begin = end;
        while (begin < text.size() && text[begin] == ' ') ++begin;
      }
    }
    if (options.tokens) highlight_word(text, "idiot", 0.95f, result);
    return result;
  }
  const ModelDescription& model() const override { return description_; }
  mutable std::atomic<int> calls{0};

 private:
  static AttributeScores scores_for(std::string_view text) {
    AttributeScores scores;
    scores.fill(0.1f);
    if (text.find("idiot") != std::string_view::npos) {
      scores[index_of(Attribute::kToxicity)] = 0.9f;
      scores[index_of(Attribute::kInsult)] = 0.8f;
    }
    return scores;
  }
  ModelDescription description_;
};

class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("comity-server-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A running server with a store holding one key ("key" below) of `rpm` requests/minute;
// with `with_moderation`, the moderation routes too, over `moderation`; `more_routes`
// adds routes of its own before the server starts (it gets the data directory).
struct RunningServer {
  explicit RunningServer(
      std::shared_ptr<const Analyzer> analyzer = std::make_shared<FakeAnalyzer>(), int rpm = 0,
      ServerConfig config = {}, HttpServer::ModelLoader loader = {}, bool with_moderation = false,
      const std::function<void(HttpServer&, const std::string&)>& more_routes = {}) {
    store = open_sqlite_store(dir.path().string());
    key = store->create_api_key("test", rpm, ApiKeyScope::kAdmin).secret;
    log_sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_stream);
    auto logger = std::make_shared<spdlog::logger>("access-test", log_sink);
    config.host = "127.0.0.1";
    config.port = 0;
    config.threads = 2;
    server = std::make_unique<HttpServer>(config, std::move(analyzer), store.get(),
                                          std::move(loader), logger);
    if (with_moderation) {
      moderation = open_sqlite_moderation_store(dir.path().string());
      register_moderation_routes(*server, moderation);
    }
    if (more_routes) more_routes(*server, dir.path().string());
    server->start();
    client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    client->set_read_timeout(30, 0);
  }
  ~RunningServer() { server->stop(); }

  httplib::Result post(const std::string& path, const std::string& body, bool with_key = true) {
    return client->Post((path + (with_key ? "?key=" + key : "")).c_str(), body, "application/json");
  }

  // A keyed request whose status must be `expected_status`; the parsed JSON reply.
  // PUT bodies are policies (TOML) unless `type` says otherwise.
  nlohmann::json call(const std::string& method, const std::string& path, const std::string& body,
                      int expected_status, std::string type = "") {
    if (type.empty()) type = method == "PUT" ? "application/toml" : "application/json";
    const std::string url = path + (path.find('?') == std::string::npos ? "?" : "&") + "key=" + key;
    httplib::Result result = method == "GET"   ? client->Get(url.c_str())
                             : method == "PUT" ? client->Put(url.c_str(), body, type.c_str())
                                               : client->Post(url.c_str(), body, type.c_str());
    EXPECT_TRUE(result) << method << " " << path;
    if (!result) return nlohmann::json();
    EXPECT_EQ(result->status, expected_status) << method << " " << path << ": " << result->body;
    return nlohmann::json::parse(result->body, nullptr, false);
  }
  std::string access_log() {
    log_sink->flush();
    return log_stream.str();
  }

  TempDir dir;
  std::unique_ptr<Store> store;
  std::string key;
  std::ostringstream log_stream;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink;
  std::shared_ptr<ModerationStore> moderation;  // with_moderation only
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<httplib::Client> client;
};

// A policy that holds TOXICITY >= 0.5 and rejects one banned word: what the
// moderation tests decide comments by.
inline constexpr const char* kHoldToxicPolicy = R"(
name = "test"
[[threshold]]
name = "toxic"
attribute = "TOXICITY"
at_least = 0.5
action = "hold"
reason = "Looks toxic."
[deny]
action = "reject"
reason = "Banned word."
terms = ["fuck"]
)";

// A model that knows one insult: every feature of "idiot" pushes TOXICITY and INSULT up.
// `languages` and `attribute_languages` as a multilingual model would list them.
inline std::string write_tiny_model(
    const std::filesystem::path& dir, const std::string& version,
    std::vector<std::string> languages = {"en"},
    std::map<Attribute, std::vector<std::string>> attribute_languages = {}) {
  ModelWeights weights;
  weights.info.name = "comity-tiny";
  weights.info.version = version;
  weights.info.languages = std::move(languages);
  weights.info.attribute_languages = std::move(attribute_languages);
  weights.info.features.hash_bits = 10;
  for (std::size_t a = 0; a < kNumAttributes; ++a) weights.info.bias[a] = -3.f;
  weights.info.span_bias = -3.f;
  const std::size_t buckets = std::size_t{1} << weights.info.features.hash_bits;
  weights.attribute_weights.assign(buckets * kNumAttributes, 0.f);
  weights.span_weights.assign(buckets, 0.f);
  std::vector<Feature> features;
  extract_features(normalize("idiot"), weights.info.features, nullptr, features);
  for (const Feature& feature : features) {
    weights.attribute_weights[feature.bucket * kNumAttributes + index_of(Attribute::kToxicity)] =
        6.f;
    weights.attribute_weights[feature.bucket * kNumAttributes + index_of(Attribute::kInsult)] = 5.f;
  }
  // The token-span head reads its own per-token features.
  extract_token_features(normalize("idiot"), 0, weights.info.features, features);
  for (const Feature& feature : features) weights.span_weights[feature.bucket] = 8.f;
  const std::string path = (dir / (version + ".cmodel")).string();
  LinearModel::save(weights, path);
  return path;
}

}  // namespace comity::server::testing
