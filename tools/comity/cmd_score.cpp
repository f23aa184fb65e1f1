// `comity score`: text arguments, stdin lines, or JSONL/CSV/TSV files in; one
// JSON object per input out, in input order.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli_common.h"
#include "comity/json_input.h"
#include "comity/language_profile.h"
#include "comity/model_set.h"
#include "comity/scores_json.h"
#include "comity/table_reader.h"
#include "comity/utf8.h"
#include "common/parallel_for.h"

namespace comity::cli {
namespace {

struct ScoreArgs {
  std::vector<std::string> texts;
  std::vector<std::string> files;
  std::string format;  // jsonl | csv | tsv | text; empty = from extension
  std::string text_field = "text";
  std::string id_field = "id";
  std::string language_field = "language";  // a row's language tag, when the row has one
  std::string language;                     // every row's language; empty: detect
  std::string model_path;
  std::string output;
  std::vector<std::string> attributes;
  bool sentences = false;
  bool tokens = false;
  bool lenient = false;
  bool no_header = false;
  bool allow_errors = false;  // exit 0 even when rows could not be scored
  std::string on_error = "skip";
  int threads = 0;
  std::size_t max_field_bytes = std::size_t{1} << 20;  // per CSV/TSV field, text or JSONL line
};

// CSV/TSV records with more fields than this are bad rows (they could otherwise grow
// without bound on a file of commas).
constexpr std::size_t kMaxFields = 10000;
// A batch is scored once it holds this many rows or this much text.
constexpr std::size_t kBatchRows = 8192;
constexpr std::size_t kBatchBytes = std::size_t{64} << 20;

struct Item {
  std::string source;  // file name or "<arg>"/"<stdin>"
  std::size_t line = 0;
  std::string text;
  nlohmann::json id;
  std::string language;  // the row's language field, if any
  std::string error;
  nlohmann::json out;
  std::string line_out;   // `out` serialised by the worker that scored it
  bool raw_json = false;  // `text` is still the raw JSONL line: workers parse it
};

Item make_item(std::string source, std::size_t line, std::string text) {
  Item item;
  item.source = std::move(source);
  item.line = line;
  item.text = std::move(text);
  return item;
}

std::optional<nlohmann::json> find_id(const nlohmann::json& fields, const std::string& key) {
  if (!fields.is_object()) {
    return std::nullopt;
  }
  auto it = fields.find(key);
  if (it == fields.end() || it->is_null()) {
    return std::nullopt;
  }
  return *it;
}

class Runner {
 public:
  Runner(const ScoreArgs& args, std::ostream& out)
      : args_(args), out_(out), models_(load_model_set(split_model_paths(args.model_path))) {
    if (!args.language.empty() && canonical_language(args.language).empty()) {
      throw CLI::ValidationError("--language", "'" + args.language + "' is not a language tag");
    }
    for (const auto& name : args.attributes) {
      auto a = parse_attribute(name);
      if (!a) {
        throw CLI::ValidationError("--attributes", "unknown attribute '" + name + "'");
      }
      wanted_.push_back(*a);
    }
    if (wanted_.empty()) {
      for (std::size_t a = 0; a < kNumAttributes; ++a) {
        wanted_.push_back(attribute_at(a));
      }
    }
    threads_ = args.threads > 0
                   ? args.threads
                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }

  void add(Item item) {
    batch_bytes_ += item.text.size();
    batch_.push_back(std::move(item));
    if (batch_.size() >= kBatchRows || batch_bytes_ >= kBatchBytes) {
      flush();
    }
  }

  void flush() {
    parallel_for(
        batch_.size(), threads_,
        [&](std::size_t i) {
          score(batch_[i]);
          batch_[i].line_out =
              batch_[i].out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        },
        64);
    for (Item& item : batch_) {
      if (!item.error.empty()) {
        ++errors_;
        std::fprintf(stderr, "comity score: %s:%zu: %s\n", item.source.c_str(), item.line,
                     item.error.c_str());
        if (args_.on_error == "fail") {
          out_.flush();
          throw CLI::RuntimeError(2);
        }
      }
      out_ << item.line_out << '\n';
    }
    scored_ += batch_.size();
    batch_.clear();
    batch_bytes_ = 0;
  }

  std::size_t errors() const { return errors_; }
  std::size_t scored() const { return scored_ - errors_; }

 private:
  // JSONL rows are parsed here, on the scoring threads: parsing on the reading
  // thread alone capped the speed-up on two cores at about 1.6x.
  void parse_row(Item& item) const {
    item.raw_json = false;
    nlohmann::json fields;
    try {
      // JSON Lines are strict JSON; nesting is bounded, so a hostile id cannot crash us.
      fields = parse_json_input(item.text, {.lenient = false});
    } catch (const JsonInputError& e) {
      item.text.clear();
      item.error = "bad JSON at column " + std::to_string(e.column()) + ": " + e.reason();
      return;
    }
    item.text.clear();
    if (!fields.is_object()) {
      item.error = "not a JSON object";
      return;
    }
    if (auto id = find_id(fields, args_.id_field)) {
      item.id = *id;
    }
    if (auto text = field_string(fields, args_.text_field)) {
      item.text = std::move(*text);
    } else {
      item.error = "no text field '" + args_.text_field + "'";
    }
    item.language = field_string(fields, args_.language_field).value_or("");
  }

  void score(Item& item) const {
    if (item.raw_json) {
      parse_row(item);
    }
    nlohmann::json& o = item.out;
    o = nlohmann::json::object();
    if (!item.id.is_null()) {
      o["id"] = item.id;
    }
    if (item.error.empty()) {
      item.error = text_error(item.text, args_.lenient);
    }
    if (!item.error.empty()) {
      o["line"] = item.line;
      o["error"] = item.error;
      return;
    }
    // The row's own language wins over --language; neither: detection.
    std::vector<std::string> requested;
    if (!item.language.empty()) requested.push_back(item.language);
    if (!args_.language.empty()) requested.push_back(args_.language);
    const LanguageRoute route = models_.route(item.text, requested);
    const ScoreResult r = models_.score(item.text, route, {args_.sentences, args_.tokens});
    o["scores"] = attribute_scores_json(r.scores, wanted_);
    o["language"] = route.language;
    const ModelSetMember& member = route.member != nullptr ? *route.member : models_.fallback();
    o["model"] = member.model->info().version;
    if (route.member == nullptr) o["language_supported"] = false;
    if (args_.sentences) o["sentences"] = sentences_json(r, wanted_);
    if (args_.tokens) o["highlights"] = highlights_json(r, item.text);
  }

  const ScoreArgs& args_;
  std::ostream& out_;
  ModelSet models_;
  std::vector<Attribute> wanted_;
  std::vector<Item> batch_;
  std::size_t batch_bytes_ = 0;
  int threads_ = 1;
  std::size_t errors_ = 0, scored_ = 0;
};

// std::getline that keeps at most `max_bytes` of a line (0: all) and says whether it
// had more, so one enormous line cannot take all memory. Returns false at the end.
bool read_line(std::istream& in, std::string& line, std::size_t max_bytes, bool& too_long) {
  line.clear();
  too_long = false;
  bool any = false;
  char buffer[1 << 14];
  const auto keep = [&](std::size_t n) {
    any = any || n > 0;
    if (max_bytes != 0 && line.size() + n > max_bytes) {
      too_long = true;
      n = max_bytes - line.size();
    }
    line.append(buffer, n);
  };
  while (true) {
    in.getline(buffer, sizeof buffer);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (in.eof()) {  // the last line, with no newline after it
      keep(got);
      return any;
    }
    if (in.fail()) {  // the buffer filled before the newline
      keep(got);
      in.clear();
      continue;
    }
    keep(got - 1);  // gcount counts the newline getline consumed
    return true;
  }
}

std::string too_long_error(std::size_t max_bytes) {
  return "line longer than the " + std::to_string(max_bytes) + "-byte limit (--max-field-bytes)";
}

std::size_t count_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::size_t n = 0;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      n += buf[i] == '\n';
    }
  }
  return n;
}

void score_file(const ScoreArgs& args, const std::string& path, Runner& runner) {
  std::string format = args.format;
  if (format.empty() && path != "-") {
    // A .txt file is prose, one comment per line: read as a TSV table (as training reads
    // .txt) every line was a header or a row without a 'text' column.
    const std::size_t dot = path.find_last_of('.');
    std::string extension = dot == std::string::npos ? "" : path.substr(dot);
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool txt = extension == ".txt" && path.find('/', dot) == std::string::npos;
    if (txt) {
      format = "text";
    } else {
      const TableFormat f = table_format_from_path(path);
      format = f == TableFormat::kCsv ? "csv" : f == TableFormat::kTsv ? "tsv" : "jsonl";
    }
  }
  if (format.empty()) {
    format = "text";
  }
  const std::string name = path == "-" ? "<stdin>" : path;
  if (format == "text") {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
      file.open(path, std::ios::binary);
      if (!file) {
        throw std::runtime_error("cannot open " + path);
      }
      in = &file;
    }
    std::string line;
    std::size_t n = 0;
    bool too_long = false;
    while (read_line(*in, line, args.max_field_bytes, too_long)) {
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      Item item = make_item(name, ++n, too_long ? std::string() : line);
      if (too_long) item.error = too_long_error(args.max_field_bytes);
      runner.add(std::move(item));
    }
    return;
  }
  if (format == "jsonl") {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
      file.open(path, std::ios::binary);
      if (!file) {
        throw std::runtime_error("cannot open " + path);
      }
      in = &file;
    }
    ProgressBar bar("scoring " + name);
    const std::size_t total = path == "-" ? 0 : count_lines(path);
    std::string line;
    std::size_t n = 0;
    bool too_long = false;
    while (read_line(*in, line, args.max_field_bytes, too_long)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) {
        continue;  // blank lines
      }
      Item item = make_item(name, n, too_long ? std::string() : std::move(line));
      if (too_long) {
        item.error = too_long_error(args.max_field_bytes);
      } else {
        item.raw_json = true;
      }
      runner.add(std::move(item));
      bar.update(n, total);
    }
    return;
  }
  auto parsed = parse_table_format(format);
  if (!parsed) {
    throw CLI::ValidationError("--format",
                               "unknown format '" + format + "' (jsonl, csv, tsv, text)");
  }
  TableOptions options{*parsed, !args.no_header, 0, args.max_field_bytes, kMaxFields};
  ProgressBar bar("scoring " + name);
  const std::size_t total = path == "-" ? 0 : count_lines(path);
  auto on_row = [&](TableRow& row) {
    Item item = make_item(name, row.line, "");
    item.error = row.error;
    if (item.error.empty()) {
      if (auto id = find_id(row.fields, args.id_field)) {
        item.id = *id;
      }
      if (auto text = field_string(row.fields, args.text_field)) {
        item.text = std::move(*text);
      } else {
        item.error = "no text field '" + args.text_field + "'";
      }
      item.language = field_string(row.fields, args.language_field).value_or("");
    }
    runner.add(std::move(item));
    bar.update(row.line, total);
    return true;
  };
  if (path == "-") {
    read_table(std::cin, name, options, on_row);
  } else {
    read_table_file(path, options, on_row);
  }
}

}  // namespace

std::string text_error(std::string& text, bool lenient) {
  if (auto bad = find_invalid_utf8(text)) {
    if (!lenient) {
      return bad->message;
    }
    text = repair_utf8(text);
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return "empty text";
  }
  return {};
}

void register_score_command(CLI::App& app) {
  auto args = std::make_shared<ScoreArgs>();
  CLI::App* cmd = app.add_subcommand(
      "score",
      "Score comments with a model: text arguments (-t), stdin lines, text files (.txt: one "
      "comment per line) or JSONL/CSV/TSV files.\n"
      "Writes one JSON object per input line, in input order: {\"id\", \"scores\": {\"TOXICITY\": "
      "...}, \"model\"}.\n"
      "Exit status: 0 when every input was scored; 1 when some could not be (each is reported "
      "on stderr and as an error object; --allow-errors: 0); 2 when --on-error fail stopped.\n"
      "Example: comity score --format jsonl --text-field text comments.jsonl");
  cmd->add_option("files", args->files,
                  "Input files ('-' for stdin); none: read -t texts or stdin lines");
  cmd->add_option("-t,--text", args->texts, "A comment to score (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-f,--format", args->format,
                  "Input format: jsonl, csv, tsv, text (default: from the extension: .txt and "
                  "stdin are text, one comment per line)")
      ->check(CLI::IsMember({"jsonl", "csv", "tsv", "text"}));
  cmd->add_option("--text-field", args->text_field,
                  "Field (JSONL) or column (CSV/TSV) holding the text")
      ->capture_default_str();
  cmd->add_option("--id-field", args->id_field, "Field echoed as \"id\" when present")
      ->capture_default_str();
  cmd->add_flag("--no-header", args->no_header,
                "CSV/TSV files have no header row (columns are 0, 1, ...)");
  cmd->add_option("-m,--model", args->model_path,
                  "Model file, or several separated by commas: a row is scored by the first that "
                  "serves its language (default: the bundled comity-2; add "
                  "models/comity-multi-3.cmodel for other languages)");
  cmd->add_option("-l,--language", args->language,
                  "Language of every row (BCP-47 tag); default: the row's --language-field, "
                  "else detected. Each output row names the language it was scored in");
  cmd->add_option("--language-field", args->language_field,
                  "Field holding a row's language tag, when present")
      ->capture_default_str();
  cmd->add_option("-a,--attributes", args->attributes, "Attributes to output (default: all)")
      ->delimiter(',');
  cmd->add_flag("--sentences", args->sentences,
                "Add per-sentence scores (UTF-16 and code-point offsets)");
  cmd->add_flag("--highlights", args->tokens, "Add the highlighted toxic words with their offsets");
  cmd->add_flag("--lenient", args->lenient,
                "Replace invalid UTF-8 with U+FFFD instead of reporting the row");
  cmd->add_option("--on-error", args->on_error,
                  "Bad rows: 'skip' (report on stderr and as an error object) or 'fail'")
      ->check(CLI::IsMember({"skip", "fail"}))
      ->capture_default_str();
  cmd->add_flag("--allow-errors", args->allow_errors,
                "Exit 0 even when some inputs could not be scored (they are still reported)");
  cmd->add_option("--max-field-bytes", args->max_field_bytes,
                  "Longest CSV/TSV field or text/JSONL line accepted; a longer one (or a CSV/TSV "
                  "row of more than 10000 fields) is reported as a bad row (0: no limit)")
      ->capture_default_str();
  cmd->add_option("-j,--threads", args->threads, "Scoring threads (default: all cores)");
  cmd->add_option("-o,--output", args->output, "Write to this file instead of stdout");
  cmd->callback([args] {
    if (args->model_path.empty()) {
      args->model_path = default_model_paths();
    }
    std::ofstream file;
    if (!args->output.empty()) {
      file.open(args->output, std::ios::binary);
      if (!file) {
        throw std::runtime_error("cannot write " + args->output);
      }
    }
    std::ostream& out = args->output.empty() ? std::cout : file;
    Runner runner(*args, out);
    std::size_t n = 0;
    for (const std::string& t : args->texts) {
      runner.add(make_item("<arg>", ++n, t));
    }
    for (const std::string& f : args->files) {
      score_file(*args, f, runner);
    }
    if (args->texts.empty() && args->files.empty()) {
      score_file(*args, "-", runner);
    }
    runner.flush();
    out.flush();
    if (runner.errors() > 0) {
      std::fprintf(stderr,
                   "comity score: %zu input(s) could not be scored (reported above), %zu scored\n",
                   runner.errors(), runner.scored());
      if (!args->allow_errors) {
        throw CLI::RuntimeError(1);
      }
    }
  });
}

}  // namespace comity::cli
