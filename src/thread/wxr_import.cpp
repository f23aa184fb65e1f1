// WordPress export (WXR): <rss><channel><item> per post, <wp:comment> per comment.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "comity/thread.h"
#include "thread/import_support.h"
#include "thread/xml_tree.h"

namespace comity {

using thread_import::XmlNode;

namespace {

// The posts of a WordPress export and how to read one of them.
class WxrExport : thread_import::XmlExport {
 public:
  WxrExport(std::string_view content, const std::string& name, const ThreadImportLimits& limits)
      : XmlExport(content, name, limits, "rss", "WordPress export") {
    const XmlNode& root = tree_.root();
    const XmlNode* channel = tree_.child(root, "channel");
    if (!channel) {
      throw ThreadImportError(fmt::format("{} (rss)", name), "missing <channel>");
    }
    for (std::size_t c : channel->children) {
      if (tree_.nodes[c].local == "item") {
        items_.push_back(&tree_.nodes[c]);
      }
    }
    if (items_.empty()) {
      throw ThreadImportError(fmt::format("{} (rss/channel)", name), "no <item>");
    }
  }

  std::size_t size() const { return items_.size(); }

  bool has_comments(std::size_t i) const {
    const auto& children = items_[i]->children;
    return std::any_of(children.begin(), children.end(),
                       [&](std::size_t c) { return tree_.nodes[c].local == "comment"; });
  }

  // `total` counts comments across posts, so a site export obeys max_comments as a whole.
  Thread read(std::size_t i, std::size_t& total) const {
    const XmlNode& item = *items_[i];
    const std::string item_path = fmt::format("rss/channel/item[{}]", i + 1);
    const std::string item_where = fmt::format("{}:{} ({})", name_, item.line, item_path);
    Thread thread;
    thread.source_id = field(item, "post_id", item_where);
    thread.article.title = field(item, "title", item_where);
    thread.article.url = field(item, "link", item_where);
    thread.article.body = thread_import::html_to_text(field(item, "encoded", item_where));

    std::unordered_set<std::string> ids;
    std::size_t index = 0, skipped = 0;
    for (std::size_t c : item.children) {
      const XmlNode& node = tree_.nodes[c];
      if (node.local != "comment") {
        continue;
      }
      ++index;
      const std::string where =
          fmt::format("{}:{} ({}/{}[{}])", name_, node.line, item_path, node.qname, index);
      const std::string type = field(node, "comment_type", where);
      if (type == "pingback" || type == "trackback") {
        ++skipped;
        continue;
      }
      Comment comment;
      comment.id = field(node, "comment_id", where);
      if (comment.id.empty()) {
        throw ThreadImportError(where, "missing <wp:comment_id>");
      }
      if (!ids.insert(comment.id).second) {
        throw ThreadImportError(where, fmt::format("duplicate comment id \"{}\"", comment.id));
      }
      const std::string parent = field(node, "comment_parent", where);
      if (!parent.empty() && parent != "0") {
        comment.parent = parent;
      }
      comment.author = field(node, "comment_author", where);
      std::string time = field(node, "comment_date_gmt", where);
      if (time.empty() || time == "0000-00-00 00:00:00") {
        time = field(node, "comment_date", where);
      }
      if (!time.empty()) {
        comment.time = time;
      }
      comment.text = thread_import::html_to_text(field(node, "comment_content", where));
      if (++total > limits_.max_comments) {
        throw ThreadImportError(where, fmt::format("more than {} comments", limits_.max_comments));
      }
      thread.comments.push_back(std::move(comment));
    }
    if (skipped) {
      thread.warnings.push_back(fmt::format("skipped {} pingbacks/trackbacks", skipped));
    }
    return thread;
  }

 private:
  std::vector<const XmlNode*> items_;
};

}  // namespace

Thread import_thread_wxr(std::string_view content, const std::string& name,
                         const ThreadImportLimits& limits) {
  const WxrExport site(content, name, limits);
  // A site export holds many posts; the thread is the first post with comments.
  std::size_t chosen = 0, with_comments = 0;
  for (std::size_t i = site.size(); i-- > 0;) {
    if (site.has_comments(i)) {
      chosen = i, ++with_comments;
    }
  }
  std::size_t total = 0;
  Thread thread = site.read(chosen, total);
  if (with_comments > 1) {
    thread.warnings.insert(thread.warnings.begin(),
                           fmt::format("{} posts have comments; imported the first (item {})",
                                       with_comments, chosen + 1));
  }
  return thread;
}

std::vector<Thread> import_site_wxr(std::string_view content, const std::string& name,
                                    const ThreadImportLimits& limits) {
  const WxrExport site(content, name, limits);
  std::vector<Thread> threads;
  std::size_t total = 0;
  for (std::size_t i = 0; i < site.size(); ++i) {
    if (site.has_comments(i)) {
      threads.push_back(site.read(i, total));
    }
  }
  if (threads.empty()) {
    threads.push_back(site.read(0, total));  // the article alone
  }
  return threads;
}

}  // namespace comity
