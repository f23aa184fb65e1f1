// Disqus export: <disqus> with <thread dsq:id> elements and flat <post dsq:id>
// elements that point at their thread and their parent post.
#include <fmt/format.h>

#include <map>
#include <unordered_set>

#include "comity/thread.h"
#include "thread/import_support.h"
#include "thread/xml_tree.h"

namespace comity {

using thread_import::XmlNode;

Thread import_thread_disqus(std::string_view content, const std::string& name,
                            const ThreadImportLimits& limits) {
  const thread_import::XmlTree tree = thread_import::parse_xml(content, name, limits);
  const XmlNode& root = tree.root();
  if (root.local != "disqus") {
    throw ThreadImportError(fmt::format("{}:{} ({})", name, root.line, root.qname),
                            "not a Disqus export: the root element is not <disqus>");
  }
  auto dsq_id = [&](const XmlNode& node) -> std::string {
    const std::string* id = tree.attribute(node, "id");
    return id ? thread_import::trim(*id) : std::string();
  };
  auto text = [&](const XmlNode& node, std::string_view local, const std::string& where) {
    std::string value = tree.child_text(node, local);
    thread_import::check_text(value, where, local, limits);
    return thread_import::trim(value);
  };

  // Threads are declared before (or among) the posts; posts say which thread they belong to.
  std::vector<const XmlNode*> threads, posts;
  std::vector<std::size_t> post_index;  // 1-based position among <post> siblings, for paths
  std::size_t seen_posts = 0;
  for (std::size_t c : root.children) {
    const XmlNode& node = tree.nodes[c];
    if (node.local == "thread") threads.push_back(&node);
    if (node.local == "post") {
      posts.push_back(&node);
      post_index.push_back(++seen_posts);
    }
  }
  std::map<std::string, std::size_t> per_thread;
  std::vector<std::string> first_seen;
  for (const XmlNode* p : posts) {
    const XmlNode* t = tree.child(*p, "thread");
    const std::string id = t ? dsq_id(*t) : std::string();
    if (per_thread[id]++ == 0) first_seen.push_back(id);
  }
  // The busiest thread is the conversation; the others are reported, not merged.
  std::string chosen;
  std::size_t best = 0;
  for (const std::string& id : first_seen) {
    if (per_thread[id] > best) best = per_thread[id], chosen = id;
  }
  Thread thread;
  if (first_seen.size() > 1) {
    thread.warnings.push_back(
        fmt::format("posts belong to {} threads; imported thread {} ({} posts)", first_seen.size(),
                    chosen, best));
  }
  for (const XmlNode* t : threads) {
    if (dsq_id(*t) != chosen) continue;
    const std::string where = fmt::format("{}:{} (disqus/thread)", name, t->line);
    thread.article.title = text(*t, "title", where);
    thread.article.url = text(*t, "link", where);
    thread.article.body = thread_import::html_to_text(text(*t, "message", where));
    break;
  }

  std::unordered_set<std::string> ids;
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const XmlNode& p = *posts[i];
    const XmlNode* t = tree.child(p, "thread");
    if ((t ? dsq_id(*t) : std::string()) != chosen) continue;
    const std::string where = fmt::format("{}:{} (disqus/post[{}])", name, p.line, post_index[i]);
    Comment comment;
    comment.id = dsq_id(p);
    if (comment.id.empty()) throw ThreadImportError(where, "missing dsq:id");
    thread_import::check_text(comment.id, where, "dsq:id", limits);
    if (!ids.insert(comment.id).second) {
      throw ThreadImportError(where, fmt::format("duplicate post id \"{}\"", comment.id));
    }
    if (const XmlNode* parent = tree.child(p, "parent")) {
      std::string id = dsq_id(*parent);
      thread_import::check_text(id, where, "parent", limits);
      if (!id.empty()) comment.parent = std::move(id);
    }
    if (const XmlNode* author = tree.child(p, "author")) {
      comment.author = text(*author, "name", where);
      if (comment.author.empty()) comment.author = text(*author, "username", where);
    }
    std::string time = text(p, "createdAt", where);
    if (!time.empty()) comment.time = std::move(time);
    comment.text = thread_import::html_to_text(text(p, "message", where));
    if (thread.comments.size() >= limits.max_comments) {
      throw ThreadImportError(where, fmt::format("more than {} comments", limits.max_comments));
    }
    thread.comments.push_back(std::move(comment));
  }
  return thread;
}

}  // namespace comity
