#include "comity/recipe.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "comity/language_profile.h"
#include "comity/sha256.h"
#include "comity/toml_input.h"

namespace comity {

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

Split split_of(const SplitSpec& spec, std::string_view text) {
  const int bucket = static_cast<int>(fnv1a64(text) % 10);
  auto in = [bucket](const std::vector<int>& v) {
    for (int b : v) {
      if (b == bucket) return true;
    }
    return false;
  };
  if (in(spec.train)) return Split::kTrain;
  if (in(spec.dev)) return Split::kDev;
  if (in(spec.test)) return Split::kTest;
  return Split::kNone;
}

const nlohmann::json* find_field(const nlohmann::json& fields, const std::string& dotted) {
  if (!fields.is_object()) return nullptr;
  // Exact key first: CSV headers may themselves contain dots.
  if (auto it = fields.find(dotted); it != fields.end()) return &*it;
  const nlohmann::json* cur = &fields;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    const std::size_t dot = dotted.find('.', start);
    const std::string key =
        dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
  return nullptr;
}

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw RecipeError(fmt::format("{}: {}", where, what));
}

Attribute attribute_or_fail(const std::string& where, std::string_view name) {
  auto a = parse_attribute(name);
  if (!a) fail(where, fmt::format("unknown attribute '{}'", name));
  return *a;
}

// A misspelt key would otherwise fall back to a default without a word.
void check_keys(const std::string& where, const toml::table& t,
                std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : t) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      fail(where, fmt::format("unknown key '{}'", key.str()));
    }
  }
}

template <typename T>
T get_or(const toml::table& t, std::string_view key, T fallback) {
  const toml::node* node = t.get(key);
  if (!node) return fallback;
  if (auto v = node->value<T>()) return *v;
  throw RecipeError(fmt::format("key '{}' has the wrong type", key));
}

std::vector<int> int_list(const toml::table& t, std::string_view key, std::vector<int> fallback) {
  const toml::array* arr = t[key].as_array();
  if (!arr) return fallback;
  std::vector<int> out;
  for (const auto& v : *arr) {
    if (auto i = v.value<int>()) out.push_back(*i);
  }
  return out;
}

TableOptions table_options(const std::string& where, const toml::table& t,
                           const std::string& path) {
  TableOptions opt;
  const std::string format = get_or<std::string>(t, "format", "");
  if (format.empty()) {
    opt.format = table_format_from_path(path);
  } else if (auto f = parse_table_format(format)) {
    opt.format = *f;
  } else {
    fail(where, fmt::format("unknown format '{}' (csv, tsv, jsonl)", format));
  }
  opt.has_header = get_or(t, "header", true);
  const std::string delim = get_or<std::string>(t, "delimiter", "");
  if (delim.size() > 1) fail(where, "delimiter must be one character");
  if (!delim.empty()) opt.delimiter = delim[0];
  return opt;
}

std::string canonical_or_fail(const std::string& where, const std::string& tag) {
  const std::string code = canonical_language(tag);
  if (code.empty()) fail(where, fmt::format("'{}' is not a language tag", tag));
  return code;
}

DatasetSpec parse_dataset(const std::string& where, const toml::table& t) {
  check_keys(where + " [[datasets]]", t,
             {"name",      "path",     "in_repo",        "format",          "header",
              "delimiter", "text",     "weight",         "priority",        "dedup_group",
              "calibrate", "optional", "soft_labels",    "constant_labels", "require",
              "labels",    "language", "language_field", "split_key",       "carry"});
  DatasetSpec d;
  d.name = get_or<std::string>(t, "name", "");
  d.path = get_or<std::string>(t, "path", "");
  if (d.name.empty() || d.path.empty()) fail(where, "a dataset needs 'name' and 'path'");
  const std::string at = fmt::format("{} dataset '{}'", where, d.name);
  d.table = table_options(at, t, d.path);
  d.text_field = get_or<std::string>(t, "text", "text");
  d.weight = static_cast<float>(get_or(t, "weight", 1.0));
  d.priority = static_cast<int>(get_or<std::int64_t>(t, "priority", 0));
  d.dedup_group = get_or<std::string>(t, "dedup_group", "");
  d.calibrate = get_or(t, "calibrate", false);
  d.optional = get_or(t, "optional", false);
  d.in_repo = get_or(t, "in_repo", false);
  d.language = canonical_or_fail(at, get_or<std::string>(t, "language", "en"));
  d.split_key = get_or<std::string>(t, "split_key", "");
  d.language_field = get_or<std::string>(t, "language_field", "");
  if (const toml::table* c = t["carry"].as_table()) {
    check_keys(at + " carry", *c, {"paths", "text", "group", "pivot", "as"});
    CarrySpec carry;
    if (const toml::array* paths = (*c)["paths"].as_array()) {
      for (const auto& node : *paths) {
        if (auto s = node.value<std::string>()) carry.paths.push_back(*s);
      }
    }
    if (carry.paths.empty()) fail(at, "carry needs 'paths', a list of tables");
    carry.table = table_options(at, toml::table{}, carry.paths.front());
    carry.text_field = get_or<std::string>(*c, "text", carry.text_field);
    carry.group_field = get_or<std::string>(*c, "group", "");
    carry.as = get_or<std::string>(*c, "as", carry.as);
    const toml::table* pivot = (*c)["pivot"].as_table();
    if (carry.group_field.empty() || pivot == nullptr || pivot->size() != 1 ||
        !pivot->begin()->second.is_string()) {
      fail(at, "carry needs 'group' (a field) and 'pivot' ({ field = \"value\" })");
    }
    carry.pivot_field = std::string(pivot->begin()->first.str());
    carry.pivot_value = *pivot->begin()->second.value<std::string>();
    d.carry = std::move(carry);
  }
  if (const toml::table* soft = t["soft_labels"].as_table()) {
    for (const auto& [k, v] : *soft) {
      auto field = v.value<std::string>();
      if (!field) fail(at, "soft_labels values must be field names");
      d.soft_labels[attribute_or_fail(at, k.str())] = *field;
    }
  }
  if (const toml::table* c = t["constant_labels"].as_table()) {
    for (const auto& [k, v] : *c) {
      auto y = v.value<double>();
      if (!y || *y < 0 || *y > 1) fail(at, "constant_labels values must be numbers in [0, 1]");
      d.constant_labels[attribute_or_fail(at, k.str())] = static_cast<float>(*y);
    }
  }
  if (const toml::table* req = t["require"].as_table()) {
    for (const auto& [k, v] : *req) {
      auto value = v.value<std::string>();
      if (!value) fail(at, "require values must be strings");
      d.require[std::string(k.str())] = *value;
    }
  }
  if (const toml::array* labels = t["labels"].as_array()) {
    for (const auto& node : *labels) {
      const toml::table* lt = node.as_table();
      if (!lt) fail(at, "labels must be tables");
      check_keys(at + " [[datasets.labels]]", *lt, {"column", "values", "ranges", "other"});
      LabelMapping m;
      m.column = get_or<std::string>(*lt, "column", "");
      if (m.column.empty()) fail(at, "a label mapping needs 'column'");
      if (const toml::array* ranges = (*lt)["ranges"].as_array()) {
        for (const auto& node : *ranges) {
          const toml::table* rt = node.as_table();
          if (!rt) fail(at, "label ranges must be tables { min, max, targets }");
          check_keys(at + " label range", *rt, {"min", "max", "targets"});
          LabelRange range;
          range.min = get_or(*rt, "min", 0.0);
          range.max = get_or(*rt, "max", 0.0);
          const toml::table* tt = (*rt)["targets"].as_table();
          if (!tt || !(range.min <= range.max)) {
            fail(at, "a label range needs min <= max and targets { ATTRIBUTE = target }");
          }
          for (const auto& [attr, target] : *tt) {
            auto y = target.value<double>();
            if (!y || *y < 0 || *y > 1) fail(at, "label targets must be numbers in [0, 1]");
            range.targets[attribute_or_fail(at, attr.str())] = static_cast<float>(*y);
          }
          m.ranges.push_back(std::move(range));
        }
        d.labels.push_back(std::move(m));
        continue;
      }
      if (const toml::table* other = (*lt)["other"].as_table()) {
        auto& targets = m.other.emplace();
        for (const auto& [attr, target] : *other) {
          auto y = target.value<double>();
          if (!y || *y < 0 || *y > 1) fail(at, "label targets must be numbers in [0, 1]");
          targets[attribute_or_fail(at, attr.str())] = static_cast<float>(*y);
        }
      }
      const toml::table* values = (*lt)["values"].as_table();
      if (!values) fail(at, fmt::format("label column '{}' needs a 'values' table", m.column));
      for (const auto& [value, targets] : *values) {
        const toml::table* tt = targets.as_table();
        if (!tt)
          fail(at,
               fmt::format("label value '{}' must map to {{ ATTRIBUTE = target }}", value.str()));
        auto& out = m.values[std::string(value.str())];
        for (const auto& [attr, target] : *tt) {
          auto y = target.value<double>();
          if (!y || *y < 0 || *y > 1) fail(at, "label targets must be numbers in [0, 1]");
          out[attribute_or_fail(at, attr.str())] = static_cast<float>(*y);
        }
      }
      d.labels.push_back(std::move(m));
    }
  }
  if (d.soft_labels.empty() && d.labels.empty() && d.constant_labels.empty()) {
    fail(at, "needs soft_labels, labels or constant_labels");
  }
  return d;
}

}  // namespace

Recipe parse_recipe(const std::string& toml_text, const std::string& where) {
  if (const auto deep = check_toml_nesting(toml_text)) {
    fail(where, fmt::format("line {}: {}", deep->line, deep->message));
  }
  toml::table root;
  try {
    root = toml::parse(toml_text, where);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source().begin;
    fail(where, fmt::format("line {}, column {}: {}", src.line, src.column, e.description()));
  }
  check_keys(where, root,
             {"name", "version", "architecture", "languages", "attribute_languages", "features",
              "contextual", "training", "split", "datasets", "spans"});
  Recipe r;
  r.name = get_or<std::string>(root, "name", "");
  r.version = get_or<std::string>(root, "version", "");
  if (r.name.empty() || r.version.empty()) fail(where, "needs 'name' and 'version'");
  r.architecture = get_or<std::string>(root, "architecture", r.architecture);
  if (r.architecture != "linear" && r.architecture != "contextual") {
    fail(where, "architecture must be 'linear' or 'contextual'");
  }
  if (const toml::table* c = root["contextual"].as_table()) {
    check_keys(where + " [contextual]", *c,
               {"hash_bits", "dim", "hidden", "epochs", "batch", "max_tokens",
                "embedding_learning_rate", "dense_learning_rate", "logit_weight", "span_epochs",
                "span_learning_rate", "ensemble_linear", "long_comments", "sharpen",
                "word_trigrams", "mix_per_language", "mix_for_others"});
    auto& p = r.contextual;
    // Range-checked before narrowing, so 2^32 + 10 is refused rather than read as 10.
    auto u32 = [&](const char* key, std::uint32_t fallback) {
      const std::int64_t v = get_or<std::int64_t>(*c, key, fallback);
      if (v < 0 || v > std::int64_t{UINT32_MAX}) {
        fail(where, fmt::format("[contextual]: {} = {} is out of range", key, v));
      }
      return static_cast<std::uint32_t>(v);
    };
    auto f32 = [&](const char* key, float fallback) {
      const double v = get_or(*c, key, double{fallback});
      if (!std::isfinite(v) || std::fabs(v) > 1e6) {
        fail(where, fmt::format("[contextual]: {} must be a finite number", key));
      }
      return static_cast<float>(v);
    };
    p.shape.hash_bits = u32("hash_bits", p.shape.hash_bits);
    p.shape.dim = u32("dim", p.shape.dim);
    p.shape.hidden = u32("hidden", p.shape.hidden);
    p.epochs = static_cast<int>(u32("epochs", static_cast<std::uint32_t>(p.epochs)));
    p.batch = u32("batch", p.batch);
    p.max_tokens = u32("max_tokens", p.max_tokens);
    p.embedding_learning_rate = f32("embedding_learning_rate", p.embedding_learning_rate);
    p.dense_learning_rate = f32("dense_learning_rate", p.dense_learning_rate);
    p.logit_weight = f32("logit_weight", p.logit_weight);
    p.span_epochs = static_cast<int>(u32("span_epochs", static_cast<std::uint32_t>(p.span_epochs)));
    p.span_learning_rate = f32("span_learning_rate", p.span_learning_rate);
    p.ensemble_linear = get_or<bool>(*c, "ensemble_linear", p.ensemble_linear);
    p.mix_per_language = get_or<bool>(*c, "mix_per_language", p.mix_per_language);
    p.mix_for_others = get_or<bool>(*c, "mix_for_others", p.mix_for_others);
    if (p.mix_for_others && !p.mix_per_language) {
      fail(where, "[contextual]: mix_for_others needs mix_per_language");
    }
    p.long_comments = u32("long_comments", p.long_comments);
    p.sharpen = f32("sharpen", p.sharpen);
    p.shape.word_trigrams = get_or<bool>(*c, "word_trigrams", p.shape.word_trigrams);
    if (!(p.sharpen >= 0 && p.sharpen <= 1)) fail(where, "[contextual]: sharpen must be in [0, 1]");
    if (p.shape.hash_bits < 10 || p.shape.hash_bits > 24 || p.shape.dim < 4 || p.shape.dim > 256 ||
        p.shape.hidden < 4 || p.shape.hidden > 512 || p.epochs < 1 || p.epochs > 100 ||
        p.batch < 1 || p.batch > 4096 || p.max_tokens < 1 || !(p.embedding_learning_rate > 0) ||
        !(p.dense_learning_rate > 0) || !(p.logit_weight >= 0) || p.span_epochs < 0 ||
        !(p.span_learning_rate > 0) || p.max_tokens > (1u << 20) || p.long_comments > 10'000'000) {
      fail(where,
           "[contextual]: hash_bits 10..24, dim 4..256, hidden 4..512, epochs 1..100, batch "
           "1..4096, max_tokens 1..2^20, long_comments at most 10,000,000, positive learning "
           "rates, non-negative logit_weight");
    }
  }
  if (const toml::array* langs = root["languages"].as_array()) {
    r.languages.clear();
    for (const auto& l : *langs) {
      auto s = l.value<std::string>();
      if (!s) fail(where, "languages must be strings");
      r.languages.push_back(canonical_or_fail(where, *s));
    }
  }
  if (const toml::table* served = root["attribute_languages"].as_table()) {
    for (const auto& [name, list] : *served) {
      const Attribute attribute = attribute_or_fail(where + " [attribute_languages]", name.str());
      auto& codes = r.attribute_languages[attribute];
      const toml::array* items = list.as_array();
      if (!items) fail(where, "[attribute_languages] values must be lists of languages");
      for (const auto& l : *items) {
        auto s = l.value<std::string>();
        const std::string code = canonical_or_fail(where, s.value_or(""));
        if (std::find(r.languages.begin(), r.languages.end(), code) == r.languages.end()) {
          fail(where,
               fmt::format("[attribute_languages] {}: '{}' is not in languages", name.str(), code));
        }
        codes.push_back(code);
      }
    }
  }
  if (const toml::table* f = root["features"].as_table()) {
    check_keys(
        where + " [features]", *f,
        {"hash_bits", "word_ngrams", "char_ngram_min", "char_ngram_max", "weighting", "min_df"});
    r.features.hash_bits =
        static_cast<std::uint32_t>(get_or<std::int64_t>(*f, "hash_bits", r.features.hash_bits));
    r.features.word_ngrams =
        static_cast<std::uint32_t>(get_or<std::int64_t>(*f, "word_ngrams", r.features.word_ngrams));
    r.features.char_ngram_min = static_cast<std::uint32_t>(
        get_or<std::int64_t>(*f, "char_ngram_min", r.features.char_ngram_min));
    r.features.char_ngram_max = static_cast<std::uint32_t>(
        get_or<std::int64_t>(*f, "char_ngram_max", r.features.char_ngram_max));
    const auto weighting = get_or<std::string>(*f, "weighting", "uniform");
    if (weighting == "tfidf") {
      r.features.weighting = FeatureWeighting::kTfIdf;
    } else if (weighting != "uniform") {
      fail(where, "features.weighting must be \"uniform\" or \"tfidf\"");
    }
    const auto min_df = get_or<std::int64_t>(*f, "min_df", 1);
    if (min_df < 1 || min_df > 1000) fail(where, "features.min_df must be in [1, 1000]");
    if (min_df != 1 && weighting != "tfidf")
      fail(where, "features.min_df needs weighting = \"tfidf\"");
    r.features.min_df = static_cast<std::uint32_t>(min_df);
  }
  if (r.features.hash_bits < 10 || r.features.hash_bits > 26)
    fail(where, "features.hash_bits must be in [10, 26]");
  if (r.features.word_ngrams < 1 || r.features.word_ngrams > 3)
    fail(where, "features.word_ngrams must be 1..3");
  if (r.features.char_ngram_min < 1 || r.features.char_ngram_min > r.features.char_ngram_max ||
      r.features.char_ngram_max > 8) {
    fail(where, "features.char_ngram_min/max must satisfy 1 <= min <= max <= 8");
  }
  if (const toml::table* t = root["training"].as_table()) {
    check_keys(where + " [training]", *t,
               {"loss", "logit_weight", "sharpen", "epochs", "learning_rate", "l2", "seed",
                "threads", "span_epochs", "span_learning_rate", "calibration_knots"});
    auto& p = r.training;
    p.epochs = static_cast<int>(get_or<std::int64_t>(*t, "epochs", p.epochs));
    p.loss = get_or<std::string>(*t, "loss", p.loss);
    p.logit_weight = static_cast<float>(get_or(*t, "logit_weight", double{p.logit_weight}));
    if (p.loss != "logistic" && p.loss != "logit_squared" && p.loss != "mixed") {
      fail(where, "training.loss must be 'logistic', 'logit_squared' or 'mixed'");
    }
    p.learning_rate = static_cast<float>(get_or(*t, "learning_rate", double{p.learning_rate}));
    p.sharpen = static_cast<float>(get_or(*t, "sharpen", double{p.sharpen}));
    if (!(p.sharpen >= 0 && p.sharpen <= 1)) fail(where, "training.sharpen must be in [0, 1]");
    p.l2 = static_cast<float>(get_or(*t, "l2", double{p.l2}));
    p.seed = static_cast<std::uint64_t>(
        get_or<std::int64_t>(*t, "seed", static_cast<std::int64_t>(p.seed)));
    p.threads = static_cast<int>(get_or<std::int64_t>(*t, "threads", p.threads));
    p.span_epochs = static_cast<int>(get_or<std::int64_t>(*t, "span_epochs", p.span_epochs));
    p.span_learning_rate =
        static_cast<float>(get_or(*t, "span_learning_rate", double{p.span_learning_rate}));
    p.calibration_knots =
        static_cast<std::size_t>(get_or<std::int64_t>(*t, "calibration_knots", 48));
    if (p.epochs < 1 || p.learning_rate <= 0 || p.threads < 1)
      fail(where, "training: epochs, learning_rate and threads must be positive");
    if (p.calibration_knots < 2) fail(where, "training.calibration_knots must be at least 2");
  }
  if (const toml::table* s = root["split"].as_table()) {
    check_keys(where + " [split]", *s, {"train", "dev", "test"});
    r.split.train = int_list(*s, "train", r.split.train);
    r.split.dev = int_list(*s, "dev", r.split.dev);
    r.split.test = int_list(*s, "test", r.split.test);
  }
  std::set<int> seen_buckets;
  for (const auto* list : {&r.split.train, &r.split.dev, &r.split.test}) {
    for (int b : *list) {
      if (b < 0 || b > 9) fail(where, fmt::format("split bucket {} is outside 0..9", b));
      if (!seen_buckets.insert(b).second)
        fail(where, fmt::format("split bucket {} is in two splits", b));
    }
  }
  if (const toml::array* ds = root["datasets"].as_array()) {
    for (const auto& node : *ds) {
      const toml::table* t = node.as_table();
      if (!t) fail(where, "datasets must be tables ([[datasets]])");
      r.datasets.push_back(parse_dataset(where, *t));
      for (std::size_t i = 0; i + 1 < r.datasets.size(); ++i) {
        if (r.datasets[i].name == r.datasets.back().name) {
          fail(where, fmt::format("two datasets are named '{}'", r.datasets.back().name));
        }
      }
    }
  }
  if (r.datasets.empty()) fail(where, "no [[datasets]]");
  if (const toml::table* s = root["spans"].as_table()) {
    check_keys(where + " [spans]", *s, {"path", "format", "header", "delimiter", "text", "spans"});
    SpanDatasetSpec sp;
    sp.path = get_or<std::string>(*s, "path", "");
    if (sp.path.empty()) fail(where, "spans needs 'path'");
    sp.table = table_options(where + " spans", *s, sp.path);
    sp.text_field = get_or<std::string>(*s, "text", "text");
    sp.spans_field = get_or<std::string>(*s, "spans", "spans");
    r.spans = sp;
  }
  r.sha256 = sha256_hex(toml_text);
  return r;
}

Recipe load_recipe(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RecipeError(fmt::format("{}: cannot open recipe", path));
  std::stringstream ss;
  ss << in.rdbuf();
  Recipe r = parse_recipe(ss.str(), path);
  r.directory = std::filesystem::path(path).parent_path().string();
  return r;
}

}  // namespace comity
