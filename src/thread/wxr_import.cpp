// WordPress export (WXR): <rss><channel><item> per post, <wp:comment> per comment.
#include <fmt/format.h>

#include <unordered_set>

#include "comity/thread.h"
#include "thread/import_support.h"
#include "thread/xml_tree.h"

namespace comity {

using thread_import::XmlNode;

Thread import_thread_wxr(std::string_view content, const std::string& name,
                         const ThreadImportLimits& limits) {
  const thread_import::XmlTree tree = thread_import::parse_xml(content, name, limits);
  const XmlNode& root = tree.root();
  if (root.local != "rss") {
    throw ThreadImportError(fmt::format("{}:{} ({})", name, root.line, root.qname),
                            "not a WordPress export: the root element is not <rss>");
  }
  const XmlNode* channel = tree.child(root, "channel");
  if (!channel) throw ThreadImportError(fmt::format("{} (rss)", name), "missing <channel>");

  // A site export holds many posts; the thread is the first post with comments.
  std::vector<const XmlNode*> items;
  for (std::size_t c : channel->children) {
    if (tree.nodes[c].local == "item") items.push_back(&tree.nodes[c]);
  }
  if (items.empty()) throw ThreadImportError(fmt::format("{} (rss/channel)", name), "no <item>");
  auto comment_count = [&](const XmlNode& item) {
    std::size_t n = 0;
    for (std::size_t c : item.children) n += tree.nodes[c].local == "comment";
    return n;
  };
  std::size_t chosen = 0, with_comments = 0;
  bool found = false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (comment_count(*items[i]) == 0) continue;
    ++with_comments;
    if (!found) chosen = i, found = true;
  }
  Thread thread;
  if (with_comments > 1) {
    thread.warnings.push_back(fmt::format("{} posts have comments; imported the first (item {})",
                                          with_comments, chosen + 1));
  }
  const XmlNode& item = *items[chosen];
  const std::string item_path = fmt::format("rss/channel/item[{}]", chosen + 1);
  auto field = [&](const XmlNode& node, std::string_view local, const std::string& where) {
    std::string value = tree.child_text(node, local);
    thread_import::check_text(value, where, local, limits);
    return thread_import::trim(value);
  };
  const std::string item_where = fmt::format("{}:{} ({})", name, item.line, item_path);
  thread.article.title = field(item, "title", item_where);
  thread.article.url = field(item, "link", item_where);
  thread.article.body = thread_import::html_to_text(field(item, "encoded", item_where));

  std::unordered_set<std::string> ids;
  std::size_t index = 0, skipped = 0;
  for (std::size_t c : item.children) {
    const XmlNode& node = tree.nodes[c];
    if (node.local != "comment") continue;
    ++index;
    const std::string where =
        fmt::format("{}:{} ({}/{}[{}])", name, node.line, item_path, node.qname, index);
    const std::string type = field(node, "comment_type", where);
    if (type == "pingback" || type == "trackback") {
      ++skipped;
      continue;
    }
    Comment comment;
    comment.id = field(node, "comment_id", where);
    if (comment.id.empty()) throw ThreadImportError(where, "missing <wp:comment_id>");
    if (!ids.insert(comment.id).second) {
      throw ThreadImportError(where, fmt::format("duplicate comment id \"{}\"", comment.id));
    }
    const std::string parent = field(node, "comment_parent", where);
    if (!parent.empty() && parent != "0") comment.parent = parent;
    comment.author = field(node, "comment_author", where);
    std::string time = field(node, "comment_date_gmt", where);
    if (time.empty() || time == "0000-00-00 00:00:00") time = field(node, "comment_date", where);
    if (!time.empty()) comment.time = time;
    comment.text = thread_import::html_to_text(field(node, "comment_content", where));
    if (thread.comments.size() >= limits.max_comments) {
      throw ThreadImportError(where, fmt::format("more than {} comments", limits.max_comments));
    }
    thread.comments.push_back(std::move(comment));
  }
  if (skipped) thread.warnings.push_back(fmt::format("skipped {} pingbacks/trackbacks", skipped));
  return thread;
}

}  // namespace comity
