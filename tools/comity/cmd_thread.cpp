// `comity thread report`: a whole comment thread scored and analysed, as a terminal
// table, JSON for scripts, or a self-contained HTML page for people.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_common.h"
#include "comity/model_set.h"
#include "comity/scorer.h"
#include "comity/thread.h"
#include "comity/thread_report_json.h"
#include "comity/utf8.h"
#include "thread_command.h"

namespace comity::cli {
namespace {

struct ThreadArgs {
  std::string file;
  std::string format = "table";
  std::string input_format;
  std::string model_path;
  std::string output;
  float hold_threshold = 0.7f;
  float toxic_threshold = 0.5f;
};

std::string id_of(const Thread& t, std::size_t i) { return t.comments[i].id; }

// First `max_cps` code points of `text` on one line.
std::string excerpt(std::string_view text, std::size_t max_cps) {
  std::string out;
  std::size_t pos = 0, cps = 0;
  while (pos < text.size() && cps < max_cps) {
    const std::size_t start = pos;
    const char32_t cp = decode_utf8(text, pos);
    if (cp == U'\n' || cp == U'\r' || cp == U'\t') {
      out += ' ';
    } else if (cp < 0x20 || cp == 0x7F) {
      continue;  // control characters would move the terminal's cursor
    } else {
      out.append(text.substr(start, pos - start));
    }
    ++cps;
  }
  if (pos < text.size()) {
    out += "\xE2\x80\xA6";
  }
  return out;
}

// The most prominent attribute other than TOXICITY, for a one-line summary.
std::pair<Attribute, float> top_other(const AttributeScores& s) {
  std::size_t best = index_of(Attribute::kSevereToxicity);
  for (std::size_t a = 1; a < kNumAttributes; ++a) {
    if (s[a] > s[best]) {
      best = a;
    }
  }
  return {attribute_at(best), s[best]};
}

std::string flags_of(const CommentAnalysis& a, const std::vector<bool>& escalating,
                     const std::vector<bool>& duplicated) {
  std::string f;
  auto add = [&](std::string_view x) {
    if (!f.empty()) {
      f += ',';
    }
    f += x;
  };
  if (a.held) {
    add("HELD");
  }
  if (a.toxic && a.target != AttackTarget::kNone) {
    add(fmt::format("@{}", attack_target_name(a.target)));
  }
  if (escalating[a.index]) {
    add("ESC");
  }
  if (duplicated[a.index]) {
    add("DUP");
  }
  return f;
}

void write_table(std::ostream& out, const Thread& thread, const ThreadReport& r) {
  std::vector<bool> escalating(thread.comments.size()), duplicated(thread.comments.size());
  for (const Escalation& e : r.escalations) {
    for (std::size_t i : e.chain) {
      escalating[i] = true;
    }
  }
  for (const DuplicatePair& d : r.duplicates) {
    duplicated[d.a] = duplicated[d.b] = true;
  }
  if (!thread.article.title.empty()) {
    out << excerpt(thread.article.title, 100) << "\n\n";
  }
  out << fmt::format("{:<28} {:>5}  {:<22} {:<22} {}\n", "COMMENT", "TOX", "TOP OTHER", "FLAGS",
                     "TEXT");
  for (const CommentAnalysis& a : r.comments) {
    const Comment& c = thread.comments[a.index];
    std::string label(std::min<std::size_t>(a.depth, 10) * 2, ' ');
    label += c.id;
    if (!c.author.empty()) {
      label += " " + excerpt(c.author, 16);
    }
    const auto [attr, score] = top_other(a.scores);
    // fmt pads by code points, so names in any script keep the columns straight.
    out << fmt::format("{:<28} {:>5.2f}  {:<22} {:<22} {}\n", excerpt(label, 28),
                       a.scores[index_of(Attribute::kToxicity)],
                       fmt::format("{} {:.2f}", attribute_name(attr), score),
                       flags_of(a, escalating, duplicated), excerpt(c.text, 60));
  }
  const ThreadHeadline& h = r.headline;
  out << fmt::format("\n{} comments, {} toxic, {} held ({:.1f}%)", h.comments, h.toxic, h.held,
                     100.0 * h.share_held);
  if (h.hottest_subthread) {
    out << fmt::format("; hottest subthread: {}", id_of(thread, *h.hottest_subthread));
  }
  out << '\n';
  if (!h.top_attributes.empty()) {
    out << "top attributes:";
    for (const auto& [a, n] : h.top_attributes) {
      out << fmt::format(" {} ({})", attribute_name(a), n);
    }
    out << '\n';
  }
  for (const Escalation& e : r.escalations) {
    out << "escalation:";
    for (std::size_t i : e.chain) {
      out << ' ' << id_of(thread, i);
    }
    out << '\n';
  }
  for (const AuthorPair& p : r.author_pairs) {
    out << fmt::format("trading attacks: {} -> {} ({}), {} -> {} ({})\n", excerpt(p.a, 40),
                       excerpt(p.b, 40), p.a_to_b, excerpt(p.b, 40), excerpt(p.a, 40), p.b_to_a);
  }
  for (const DuplicatePair& d : r.duplicates) {
    out << fmt::format("near-duplicate: {} ~ {} (Jaccard {:.2f})\n", id_of(thread, d.a),
                       id_of(thread, d.b), d.jaccard);
  }
  for (const Burst& b : r.bursts) {
    out << fmt::format("burst of new authors: {} comments between {} and {}\n", b.comments.size(),
                       excerpt(b.start, 40), excerpt(b.end, 40));
  }
  for (const std::string& w : r.warnings) {
    out << "warning: " << excerpt(w, 200) << '\n';
  }
}

// Everything user-supplied goes through here before it reaches the page.
std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string heat_color(float toxicity) {
  // White to red as toxicity rises.
  const int g = static_cast<int>(255 - 155 * std::clamp(toxicity, 0.f, 1.f));
  return fmt::format("rgb(255,{},{})", g, g);
}

void write_html(std::ostream& out, const Thread& thread, const ThreadReport& r) {
  std::vector<bool> escalating(thread.comments.size()), duplicated(thread.comments.size());
  for (const Escalation& e : r.escalations) {
    for (std::size_t i : e.chain) {
      escalating[i] = true;
    }
  }
  for (const DuplicatePair& d : r.duplicates) {
    duplicated[d.a] = duplicated[d.b] = true;
  }
  const std::string title = html_escape(thread.article.title.empty() ? std::string("Comment thread")
                                                                     : thread.article.title);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
         "'unsafe-inline'\">\n"
      << "<title>" << title << " \xE2\x80\x94 Comity thread report</title>\n"
      << "<style>\n"
         "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}\n"
         ".c{border-left:3px solid #ccc;padding:.4em .8em;margin:.5em 0}\n"
         ".meta{font-size:12px;color:#555}.text{white-space:pre-wrap}\n"
         ".flag{display:inline-block;font-size:11px;padding:0 "
         ".4em;margin-left:.3em;border-radius:3px;background:#eee}\n"
         ".held{background:#c62828;color:#fff}table{border-collapse:collapse}td,th{padding:.2em "
         ".6em;text-align:left}\n"
         ".scores{font-size:11px;color:#444}mark{background:#ffcc80}\n"
         "</style></head><body>\n";
  out << "<h1>" << title << "</h1>\n";
  if (!thread.article.url.empty()) {
    out << "<p class=\"meta\">" << html_escape(thread.article.url) << "</p>\n";
  }
  const ThreadHeadline& h = r.headline;
  out << "<h2>Headline</h2>\n<table>\n"
      << fmt::format("<tr><th>Comments</th><td>{}</td></tr>\n<tr><th>Toxic</th><td>{}</td></tr>\n",
                     h.comments, h.toxic)
      << fmt::format("<tr><th>Held at the default threshold</th><td>{} ({:.1f}%)</td></tr>\n",
                     h.held, 100.0 * h.share_held);
  if (h.hottest_subthread) {
    out << "<tr><th>Hottest subthread</th><td><a href=\"#c"
        << html_escape(id_of(thread, *h.hottest_subthread)) << "\">"
        << html_escape(id_of(thread, *h.hottest_subthread)) << "</a></td></tr>\n";
  }
  out << "<tr><th>Top attributes</th><td>";
  for (const auto& [a, n] : h.top_attributes) {
    out << fmt::format("{} ({}) ", attribute_name(a), n);
  }
  out << "</td></tr>\n</table>\n";
  auto id_list = [&](const std::vector<std::size_t>& ids) {
    std::string s;
    for (std::size_t i : ids) {
      const std::string id = html_escape(id_of(thread, i));
      s += fmt::format("<a href=\"#c{}\">{}</a> ", id, id);
    }
    return s;
  };
  if (!r.escalations.empty() || !r.author_pairs.empty() || !r.duplicates.empty() ||
      !r.bursts.empty()) {
    out << "<h2>Signals</h2>\n<ul>\n";
    for (const Escalation& e : r.escalations) {
      out << "<li>Escalating chain: " << id_list(e.chain) << "</li>\n";
    }
    for (const AuthorPair& p : r.author_pairs) {
      out << "<li>Trading attacks: " << html_escape(p.a) << " &harr; " << html_escape(p.b)
          << fmt::format(" ({} / {}) ", p.a_to_b, p.b_to_a) << id_list(p.comments) << "</li>\n";
    }
    for (const DuplicatePair& d : r.duplicates) {
      out << "<li>Near-duplicates: " << id_list({d.a, d.b})
          << fmt::format("(Jaccard {:.2f})</li>\n", d.jaccard);
    }
    for (const Burst& b : r.bursts) {
      out << "<li>Burst of new authors " << html_escape(b.start) << " &ndash; "
          << html_escape(b.end) << ": " << id_list(b.comments) << "</li>\n";
    }
    out << "</ul>\n";
  }
  out << "<h2>Comments</h2>\n";
  for (const CommentAnalysis& a : r.comments) {
    const Comment& c = thread.comments[a.index];
    const float tox = a.scores[index_of(Attribute::kToxicity)];
    out << fmt::format("<div class=\"c\" id=\"c{}\" style=\"margin-left:{}em;background:{}\">\n",
                       html_escape(c.id), std::min<std::size_t>(a.depth, 12) * 2, heat_color(tox));
    out << "<div class=\"meta\">#" << html_escape(c.id);
    if (!c.author.empty()) {
      out << " &middot; " << html_escape(c.author);
    }
    if (c.time) {
      out << " &middot; " << html_escape(*c.time);
    }
    out << fmt::format(" &middot; toxicity {:.2f}", tox);
    if (a.held) {
      out << "<span class=\"flag held\">held</span>";
    }
    if (a.toxic && a.target != AttackTarget::kNone) {
      out << "<span class=\"flag\">targets " << attack_target_name(a.target);
      if (!a.target_names.empty()) {
        out << ":";
        for (const std::string& n : a.target_names) {
          out << ' ' << html_escape(n);
        }
      }
      out << "</span>";
    }
    if (escalating[a.index]) {
      out << "<span class=\"flag\">escalation</span>";
    }
    if (duplicated[a.index]) {
      out << "<span class=\"flag\">near-duplicate</span>";
    }
    if (a.heat.size > 1) {
      out << fmt::format("<span class=\"flag\">subtree: {} comments, {} toxic, max {:.2f}</span>",
                         a.heat.size, a.heat.toxic, a.heat.max_toxicity);
    }
    out << "</div>\n<div class=\"text\">" << html_escape(c.text)
        << "</div>\n<div class=\"scores\">";
    for (std::size_t k = 0; k < kNumAttributes; ++k) {
      out << fmt::format("{} {:.2f} ", attribute_name(attribute_at(k)), a.scores[k]);
    }
    if (!a.highlights.empty()) {
      out << "&middot; highlighted:";
      for (const std::string& w : a.highlights) {
        out << " <mark>" << html_escape(w) << "</mark>";
      }
    }
    out << "</div>\n</div>\n";
  }
  if (!r.warnings.empty()) {
    out << "<h2>Import warnings</h2>\n<ul>\n";
    for (const std::string& w : r.warnings) {
      out << "<li>" << html_escape(w) << "</li>\n";
    }
    out << "</ul>\n";
  }
  out << "</body></html>\n";
}

void run_report(const ThreadArgs& args) {
  std::optional<ThreadFormat> format;
  if (!args.input_format.empty()) {
    format = parse_thread_format(args.input_format);
    if (!format) {
      throw CLI::ValidationError("--input-format", "unknown format '" + args.input_format + "'");
    }
  }
  const Thread thread = import_thread_file(args.file, format);
  const ModelSet models = load_model_set(
      split_model_paths(args.model_path.empty() ? default_model_paths() : args.model_path));
  const std::shared_ptr<const Classifier>& model = models.primary().model;
  ThreadAnalysisOptions options;
  options.hold_threshold = args.hold_threshold;
  options.toxic_threshold = args.toxic_threshold;
  const ThreadReport report = analyze_thread(thread, models, options);

  std::ostringstream buf;
  if (args.format == "json") {
    buf << thread_report_json(thread, report, model->info().version, options)
               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
  } else if (args.format == "html") {
    write_html(buf, thread, report);
  } else {
    write_table(buf, thread, report);
  }
  if (args.output.empty() || args.output == "-") {
    std::cout << buf.str();
    std::cout.flush();
    return;
  }
  std::ofstream out(args.output, std::ios::binary);
  if (!out) {
    throw std::runtime_error("cannot write " + args.output);
  }
  out << buf.str();
  if (!out.flush()) {
    throw std::runtime_error("cannot write " + args.output);
  }
}

}  // namespace

void register_thread_command(CLI::App& app) {
  auto* thread = app.add_subcommand("thread", "Import a comment thread and report on it");
  thread->require_subcommand(1);
  auto args = std::make_shared<ThreadArgs>();
  auto* report = thread->add_subcommand(
      "report",
      "Score every comment of a thread and report heat per subthread, escalating reply chains,\n"
      "authors trading attacks, attack targets and coordinated posting");
  report
      ->add_option("file", args->file,
                   "Thread file (JSONL, WordPress WXR, Disqus XML or a text dump)")
      ->required();
  report->add_option("--format", args->format, "Output: table, json or html")
      ->check(CLI::IsMember({"table", "json", "html"}));
  report
      ->add_option("--input-format", args->input_format,
                   "Input: jsonl, wxr, disqus or text (default: from the content and extension)")
      ->check(CLI::IsMember({"jsonl", "wxr", "disqus", "text"}));
  report->add_option("--model", args->model_path, "Model file (default: the bundled model)");
  report->add_option("-o,--output", args->output, "Write the report here instead of stdout");
  report
      ->add_option("--hold-threshold", args->hold_threshold,
                   "TOXICITY at which a default policy would hold a comment")
      ->check(CLI::Range(0.0, 1.0));
  report
      ->add_option("--toxic-threshold", args->toxic_threshold,
                   "TOXICITY at which a comment counts as toxic")
      ->check(CLI::Range(0.0, 1.0));
  report->callback([args] { run_report(*args); });
}

}  // namespace comity::cli
