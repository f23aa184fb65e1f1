#include "comity/contextual_model.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "comity/linear_model.h"
#include "common/splitmix.h"
#include "model/model_container.h"

namespace comity {
namespace {

using model_file::Json;

thread_local ContextualActivations t_act;
thread_local TokenBuckets t_buckets;

void check_shape(const ContextualShape& s, const std::string& where) {
  if (s.hash_bits < 10 || s.hash_bits > 24 || s.dim < 4 || s.dim > 256 || s.hidden < 4 ||
      s.hidden > 512 || s.char_ngram_min < 1 || s.char_ngram_min > s.char_ngram_max ||
      s.char_ngram_max > 8 || s.max_ngrams_per_token < 1 || s.max_ngrams_per_token > 256) {
    throw ModelError(where +
                     ": contextual shape out of range (hash_bits 10..24, dim 4..256, "
                     "hidden 4..512, char n-grams 1..8)");
  }
}

void check_dense(const ContextualShape& s, const ContextualDense& d, const std::string& where) {
  if (d.conv.size() != std::size_t{s.conv_inputs()} * s.hidden || d.conv_bias.size() != s.hidden ||
      d.out.size() != std::size_t{s.pooled()} * kNumAttributes ||
      d.out_bias.size() != kNumAttributes || d.span.size() != s.hidden) {
    throw ModelError(where + ": dense layer sizes do not match the shape");
  }
  auto finite = [&](const std::vector<float>& v) {
    return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
  };
  if (!finite(d.conv) || !finite(d.conv_bias) || !finite(d.out) || !finite(d.out_bias) ||
      !finite(d.span) || !std::isfinite(d.span_bias)) {
    throw ModelError(where + ": a dense weight is not finite");
  }
}

Json shape_json(const ContextualShape& s) {
  return {{"hash_bits", s.hash_bits},
          {"dim", s.dim},
          {"hidden", s.hidden},
          {"window", ContextualShape::kWindow},
          {"char_ngram_min", s.char_ngram_min},
          {"char_ngram_max", s.char_ngram_max},
          {"max_ngrams_per_token", s.max_ngrams_per_token},
          {"word_trigrams", s.word_trigrams},
          {"seed", s.seed}};
}

std::uint32_t small(const Json& j, const char* key) {
  const Json& v = j.at(key);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 4096) {
    throw ModelError(std::string("field '") + key + "' is not a small non-negative integer");
  }
  return v.get<std::uint32_t>();
}

ContextualShape parse_shape(const Json& j) {
  ContextualShape s;
  s.hash_bits = small(j, "hash_bits");
  s.dim = small(j, "dim");
  s.hidden = small(j, "hidden");
  if (small(j, "window") != ContextualShape::kWindow) throw ModelError("window must be 3");
  s.char_ngram_min = small(j, "char_ngram_min");
  s.char_ngram_max = small(j, "char_ngram_max");
  s.max_ngrams_per_token = small(j, "max_ngrams_per_token");
  if (const auto it = j.find("word_trigrams"); it != j.end()) s.word_trigrams = it->get<bool>();
  if (!j.at("seed").is_number_unsigned()) throw ModelError("field 'seed' is not unsigned");
  s.seed = j.at("seed").get<std::uint64_t>();
  check_shape(s, "metadata");
  return s;
}

// Int8 rows with one scale per row: a rare n-gram's small weights keep their
// resolution instead of sharing the scale of the largest row.
void quantise_rows(const ContextualWeights& w, std::vector<std::int8_t>& rows,
                   std::vector<float>& scale) {
  const std::size_t n = std::size_t{1} << w.shape.hash_bits, d = w.shape.dim;
  if (w.embeddings.size() != n * d) throw ModelError("embedding table size does not match shape");
  rows.assign(n * d, 0);
  scale.assign(n, 0.f);
  for (std::size_t r = 0; r < n; ++r) {
    scale[r] =
        model_file::quantise(w.embeddings.data() + r * d, d, 1, rows.data() + r * d, "embedding");
  }
}

}  // namespace

struct ContextualModelReader {
  static std::shared_ptr<const ContextualModel> read(const model_file::Image& image) {
    std::shared_ptr<ContextualModel> m(new ContextualModel());
    try {
      model_file::parse_common(image.metadata, m->info_);
      const Json& c = image.metadata.at("contextual");
      m->shape_ = parse_shape(c.at("shape"));
      const Json& lw = c.at("linear_weight");
      if (!lw.is_array() || lw.size() != kNumAttributes) {
        throw ModelError("field 'linear_weight' must have one entry per attribute");
      }
      for (std::size_t a = 0; a < kNumAttributes; ++a) {
        if (!lw[a].is_number() || !std::isfinite(lw[a].get<double>()) ||
            std::fabs(lw[a].get<double>()) > FLT_MAX) {
          throw ModelError("field 'linear_weight' holds a value that is not a finite float");
        }
        m->linear_weight_[a] = lw[a].get<float>();
      }
      m->dense_.span_bias = c.at("span_bias").get<float>();
      if (const auto it = c.find("span_linear"); it != c.end())
        m->dense_.span_linear = it->get<float>();
      if (!std::isfinite(m->dense_.span_bias) || !std::isfinite(m->dense_.span_linear)) {
        throw ModelError("span head bias or weight is not finite");
      }
      if (const auto it = c.find("language_mix"); it != c.end()) {
        if (!it->is_object()) throw ModelError("field 'language_mix' must be an object");
        for (const auto& [code, mix] : it->items()) {
          if (code != kOtherLanguages &&
              std::find(m->info_.languages.begin(), m->info_.languages.end(), code) ==
                  m->info_.languages.end()) {
            throw ModelError("language_mix names '" + code + "', which is not in 'languages'");
          }
          LanguageMix lm;
          lm.network = model_file::floats_per_attribute(mix.at("network"), "network");
          lm.linear = model_file::floats_per_attribute(mix.at("linear"), "linear");
          lm.bias = model_file::floats_per_attribute(mix.at("bias"), "bias");
          m->language_mix_.emplace(code, lm);
        }
      }
    } catch (const Json::exception& e) {
      image.fail(std::string("invalid metadata: ") + e.what());
    } catch (const ModelError& e) {
      image.fail(std::string("invalid metadata: ") + e.what());
    }
    const ContextualShape& s = m->shape_;
    const std::uint64_t rows = std::uint64_t{1} << s.hash_bits;
    const auto emb = image.section("contextual.embeddings", rows * s.dim);
    m->rows_.assign(reinterpret_cast<const std::int8_t*>(emb.data()),
                    reinterpret_cast<const std::int8_t*>(emb.data()) + emb.size());
    m->row_scale_ = image.floats("contextual.row_scales", rows);
    m->dense_.conv = image.floats("contextual.conv", std::uint64_t{s.conv_inputs()} * s.hidden);
    m->dense_.conv_bias = image.floats("contextual.conv_bias", s.hidden);
    m->dense_.out = image.floats("contextual.out", std::uint64_t{s.pooled()} * kNumAttributes);
    m->dense_.out_bias = image.floats("contextual.out_bias", kNumAttributes);
    m->dense_.span = image.floats("contextual.span", s.hidden);
    for (float x : m->row_scale_) {
      if (x < 0.f) image.fail("section 'contextual.row_scales' holds a negative scale");
    }
    try {
      check_dense(s, m->dense_, "contextual");
    } catch (const ModelError& e) {
      image.fail(e.what());
    }
    // An ensemble names its linear part in the metadata; its sections must then be there
    // (read_linear refuses a file without them), and a network alone must not mix one in.
    if (image.metadata.contains("linear")) {
      m->linear_ = model_file::read_linear(image);
      m->info_.features = m->linear_->info().features;
    }
    const bool mixes_linear =
        std::any_of(m->language_mix_.begin(), m->language_mix_.end(), [](const auto& e) {
          return std::any_of(e.second.linear.begin(), e.second.linear.end(),
                             [](float x) { return x != 0.f; });
        });
    if (!m->linear_ &&
        (mixes_linear || std::any_of(m->linear_weight_.begin(), m->linear_weight_.end(),
                                     [](float x) { return x != 0.f; }))) {
      image.fail("invalid metadata: linear_weight is set but the file has no linear part");
    }
    m->checksum_ = image.checksum;
    m->file_size_ = image.bytes.size();
    return m;
  }
};

std::shared_ptr<const ContextualModel> ContextualModel::from_weights(
    const ContextualModelWeights& w, Kernel kernel) {
  check_shape(w.network.shape, "contextual model");
  check_dense(w.network.shape, w.network.dense, "contextual model");
  std::shared_ptr<ContextualModel> m(new ContextualModel());
  m->info_ = w.info;
  m->shape_ = w.network.shape;
  quantise_rows(w.network, m->rows_, m->row_scale_);
  m->dense_ = w.network.dense;
  m->kernel_ = kernel;
  if (w.linear) {
    m->linear_ = LinearModel::from_weights(*w.linear);
    m->linear_weight_ = w.linear_weight;
  }
  m->language_mix_ = w.language_mix;
  return m;
}

void ContextualModel::save(const ContextualModelWeights& w, const std::string& path) {
  const std::string where = "model file '" + path + "'";
  check_shape(w.network.shape, where);
  check_dense(w.network.shape, w.network.dense, where);
  std::vector<model_file::Section> sections;
  std::vector<std::int8_t> rows;
  std::vector<float> scale;
  try {
    quantise_rows(w.network, rows, scale);
  } catch (const ModelError& e) {
    throw ModelError(where + ": " + e.what());
  }
  sections.push_back({"contextual.embeddings", {rows.begin(), rows.end()}});
  sections.push_back({"contextual.row_scales", model_file::float_bytes(scale)});
  sections.push_back({"contextual.conv", model_file::float_bytes(w.network.dense.conv)});
  sections.push_back({"contextual.conv_bias", model_file::float_bytes(w.network.dense.conv_bias)});
  sections.push_back({"contextual.out", model_file::float_bytes(w.network.dense.out)});
  sections.push_back({"contextual.out_bias", model_file::float_bytes(w.network.dense.out_bias)});
  sections.push_back({"contextual.span", model_file::float_bytes(w.network.dense.span)});
  Json metadata = model_file::file_metadata("contextual", w.info, path);
  std::array<float, kNumAttributes> linear_weight{};
  if (w.linear) linear_weight = w.linear_weight;
  metadata["contextual"] = {{"shape", shape_json(w.network.shape)},
                            {"linear_weight", linear_weight},
                            {"span_bias", w.network.dense.span_bias},
                            {"span_linear", w.network.dense.span_linear}};
  // Written only when fitted, so files without it keep their bytes.
  if (!w.language_mix.empty()) {
    Json mixes = Json::object();
    for (const auto& [code, mix] : w.language_mix) {
      for (const auto* v : {&mix.network, &mix.linear, &mix.bias}) {
        if (!std::all_of(v->begin(), v->end(), [](float x) { return std::isfinite(x); }))
          throw ModelError(where + ": language_mix of " + code + " is not finite");
      }
      mixes[code] = {{"network", mix.network}, {"linear", mix.linear}, {"bias", mix.bias}};
    }
    metadata["contextual"]["language_mix"] = std::move(mixes);
  }
  if (w.linear) {
    metadata["linear"] = model_file::linear_metadata_and_sections(*w.linear, path, sections);
  }
  model_file::write(path, std::move(metadata), sections);
}

void ContextualModel::encode(const NormalizedText& text, std::uint32_t token_begin,
                             std::uint32_t token_end, ContextualActivations& act) const {
  token_buckets(text, shape_, t_buckets, token_begin, token_end);
  embed_quantised(shape_, rows_.data(), row_scale_.data(), t_buckets, act, kernel_);
  convolve_and_pool(shape_, dense_, act, kernel_);
}

void ContextualModel::network_logits(const NormalizedText& text, std::uint32_t token_begin,
                                     std::uint32_t token_end, float* out) const {
  encode(text, token_begin, token_end, t_act);
  std::copy(t_act.logits, t_act.logits + kNumAttributes, out);
}

void ContextualModel::linear_logits(const NormalizedText& text, std::uint32_t token_begin,
                                    std::uint32_t token_end, float* out) const {
  token_end = std::min<std::uint32_t>(token_end, static_cast<std::uint32_t>(text.tokens.size()));
  if (token_end <= token_begin + kLinearWindow) {
    linear_->logits(text, token_begin, token_end, out);
    return;
  }
  // A bag of n-grams averages one toxic sentence away in a long comment; its worst
  // window does not. Windows overlap by half, so every sentence of up to half a window
  // lies whole inside one.
  std::fill(out, out + kNumAttributes, -INFINITY);
  float window[kNumAttributes];
  for (std::uint32_t begin = token_begin;; begin += kLinearWindow / 2) {
    const std::uint32_t end = std::min(token_end, begin + kLinearWindow);
    linear_->logits(text, begin, end, window);
    for (std::size_t a = 0; a < kNumAttributes; ++a) out[a] = std::max(out[a], window[a]);
    if (end == token_end) break;
  }
}

const LanguageMix* ContextualModel::mix_for(std::string_view language) const {
  if (language_mix_.empty()) return nullptr;
  auto it = language_mix_.find(language);
  if (it == language_mix_.end()) it = language_mix_.find(kOtherLanguages);
  return it == language_mix_.end() ? nullptr : &it->second;
}

void ContextualModel::logits(const NormalizedText& text, std::uint32_t token_begin,
                             std::uint32_t token_end, float* out) const {
  network_logits(text, token_begin, token_end, out);
  const LanguageMix* mix = mix_for(text.language);
  if (mix != nullptr) {
    for (std::size_t a = 0; a < kNumAttributes; ++a)
      out[a] = mix->network[a] * out[a] + mix->bias[a];
  }
  if (!linear_) return;
  float linear[kNumAttributes];
  linear_logits(text, token_begin, token_end, linear);
  const auto& weight = mix != nullptr ? mix->linear : linear_weight_;
  for (std::size_t a = 0; a < kNumAttributes; ++a) out[a] += weight[a] * linear[a];
}

void ContextualModel::token_evidence(const NormalizedText& text,
                                     std::vector<TokenScore>& tokens) const {
  const LanguageMix* mix = mix_for(text.language);
  if (linear_) {
    linear_->token_evidence(text, tokens);
    const auto& weight = mix != nullptr ? mix->linear : linear_weight_;
    for (TokenScore& t : tokens) {
      for (std::size_t a = 0; a < kNumAttributes; ++a) t.contribution[a] *= weight[a];
    }
  } else {
    tokens.assign(text.tokens.size(), {});
    for (std::size_t t = 0; t < text.tokens.size(); ++t) {
      tokens[t].where = text.tokens[t].where;
      tokens[t].norm = text.tokens[t].norm;
    }
  }
  encode(text, 0, UINT32_MAX, t_act);
  std::vector<float> contributions;
  position_contributions(shape_, dense_, t_act, contributions);
  for (std::uint32_t t = 0; t < t_act.tokens; ++t) {
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      tokens[t].contribution[a] += (mix != nullptr ? mix->network[a] : 1.f) *
                                   contributions[std::size_t{t} * kNumAttributes + a];
    }
    float z = span_logit(shape_, dense_, t_act, t);
    if (linear_) {
      // The linear part's span probability enters as a logit with its own weight.
      const float p = std::clamp(tokens[t].toxic_span, 1e-6f, 1.f - 1e-6f);
      z += dense_.span_linear * std::log(p / (1.f - p));
    }
    tokens[t].toxic_span = sigmoid(z);
  }
}

std::shared_ptr<const Classifier> load_classifier(const std::string& path) {
  const model_file::Image image = model_file::read(path);
  if (image.architecture == "linear") return model_file::read_linear(image);
  if (image.architecture == "contextual") return ContextualModelReader::read(image);
  image.fail("architecture '" + image.architecture +
             "' is not supported by this build "
             "(supports linear and contextual)");
}

}  // namespace comity
