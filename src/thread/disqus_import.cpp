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

namespace {

// A Disqus export's threads, with their posts grouped in one pass.
class DisqusExport : thread_import::XmlExport {
 public:
  DisqusExport(std::string_view content, const std::string& name, const ThreadImportLimits& limits)
      : XmlExport(content, name, limits, "disqus", "Disqus export") {
    const XmlNode& root = tree_.root();
    // Threads are declared before (or among) the posts; posts say which thread they belong to.
    std::size_t seen_posts = 0;
    for (std::size_t c : root.children) {
      const XmlNode& node = tree_.nodes[c];
      if (node.local == "thread") {
        thread_nodes_.emplace(dsq_id(node), &node);
      }
      if (node.local != "post") {
        continue;
      }
      const XmlNode* t = tree_.child(node, "thread");
      const std::string id = t ? dsq_id(*t) : std::string();
      auto [it, inserted] = posts_by_thread_.try_emplace(id);
      if (inserted) {
        thread_order_.push_back(id);
      }
      it->second.push_back({&node, ++seen_posts});
    }
  }

  // Thread ids with posts, in order of their first post.
  const std::vector<std::string>& thread_ids() const { return thread_order_; }
  std::size_t posts_in(const std::string& id) const { return posts_by_thread_.at(id).size(); }

  // `total` counts posts across threads, so a site export obeys max_comments as a whole.
  Thread read(const std::string& id, std::size_t& total) const {
    Thread thread;
    thread.source_id = id;
    if (const auto t = thread_nodes_.find(id); t != thread_nodes_.end()) {
      const std::string where = fmt::format("{}:{} (disqus/thread)", name_, t->second->line);
      thread.article.title = field(*t->second, "title", where);
      thread.article.url = field(*t->second, "link", where);
      thread.article.body = thread_import::html_to_text(field(*t->second, "message", where));
    }
    std::unordered_set<std::string> ids;
    for (const auto& [post, position] : posts_by_thread_.at(id)) {
      const XmlNode& p = *post;
      const std::string where = fmt::format("{}:{} (disqus/post[{}])", name_, p.line, position);
      Comment comment;
      comment.id = dsq_id(p);
      if (comment.id.empty()) {
        throw ThreadImportError(where, "missing dsq:id");
      }
      thread_import::check_text(comment.id, where, "dsq:id", limits_);
      if (!ids.insert(comment.id).second) {
        throw ThreadImportError(where, fmt::format("duplicate post id \"{}\"", comment.id));
      }
      if (const XmlNode* parent = tree_.child(p, "parent")) {
        std::string parent_id = dsq_id(*parent);
        thread_import::check_text(parent_id, where, "parent", limits_);
        if (!parent_id.empty()) {
          comment.parent = std::move(parent_id);
        }
      }
      if (const XmlNode* author = tree_.child(p, "author")) {
        comment.author = field(*author, "name", where);
        if (comment.author.empty()) {
          comment.author = field(*author, "username", where);
        }
      }
      std::string time = field(p, "createdAt", where);
      if (!time.empty()) {
        comment.time = std::move(time);
      }
      comment.text = thread_import::html_to_text(field(p, "message", where));
      if (++total > limits_.max_comments) {
        throw ThreadImportError(where, fmt::format("more than {} comments", limits_.max_comments));
      }
      thread.comments.push_back(std::move(comment));
    }
    return thread;
  }

 private:
  struct Post {
    const XmlNode* node;
    std::size_t position;  // 1-based among <post> siblings, for paths in messages
  };

  std::string dsq_id(const XmlNode& node) const {
    const std::string* id = tree_.attribute(node, "id");
    return id ? thread_import::trim(*id) : std::string();
  }
  std::map<std::string, const XmlNode*> thread_nodes_;
  std::map<std::string, std::vector<Post>> posts_by_thread_;
  std::vector<std::string> thread_order_;
};

}  // namespace

Thread import_thread_disqus(std::string_view content, const std::string& name,
                            const ThreadImportLimits& limits) {
  const DisqusExport site(content, name, limits);
  // The busiest thread is the conversation; the others are reported, not merged.
  std::string chosen;
  std::size_t best = 0;
  for (const std::string& id : site.thread_ids()) {
    if (site.posts_in(id) > best) {
      best = site.posts_in(id), chosen = id;
    }
  }
  if (best == 0) {
    return Thread{};
  }
  std::size_t total = 0;
  Thread thread = site.read(chosen, total);
  if (site.thread_ids().size() > 1) {
    thread.warnings.insert(thread.warnings.begin(),
                           fmt::format("posts belong to {} threads; imported thread {} ({} posts)",
                                       site.thread_ids().size(), chosen, best));
  }
  return thread;
}

std::vector<Thread> import_site_disqus(std::string_view content, const std::string& name,
                                       const ThreadImportLimits& limits) {
  const DisqusExport site(content, name, limits);
  std::vector<Thread> threads;
  std::size_t total = 0;
  for (const std::string& id : site.thread_ids()) {
    threads.push_back(site.read(id, total));
  }
  return threads;
}

}  // namespace comity
