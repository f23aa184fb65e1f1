// The reply tree: parent links resolved by id, iteratively so a million-deep
// chain cannot overflow the stack.
#include <fmt/format.h>

#include <unordered_map>

#include "comity/thread.h"

namespace comity {

ReplyTree build_reply_tree(const Thread& thread) {
  const std::size_t n = thread.comments.size();
  ReplyTree tree;
  tree.parent.assign(n, std::nullopt);
  tree.children.assign(n, {});
  tree.depth.assign(n, 0);
  std::unordered_map<std::string_view, std::size_t> by_id;
  by_id.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!by_id.emplace(thread.comments[i].id, i).second) {
      tree.warnings.push_back(fmt::format(
          "duplicate comment id \"{}\"; the first one keeps its replies", thread.comments[i].id));
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const auto& parent = thread.comments[i].parent;
    if (!parent) continue;
    auto it = by_id.find(*parent);
    if (it == by_id.end() || it->second == i) {
      tree.warnings.push_back(
          fmt::format("comment \"{}\" replies to unknown comment \"{}\"; kept at top level",
                      thread.comments[i].id, *parent));
      continue;
    }
    tree.parent[i] = it->second;
  }
  // Break cycles: a comment whose ancestor chain loops back is made top level.
  std::vector<int> state(n, 0);  // 0 unknown, 1 on the current walk, 2 reaches a root
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::size_t> walk;
    std::size_t at = i;
    while (state[at] == 0) {
      state[at] = 1;
      walk.push_back(at);
      if (!tree.parent[at]) break;
      at = *tree.parent[at];
    }
    if (state[at] == 1 && tree.parent[at]) {  // came back to this walk: a cycle through `at`
      tree.warnings.push_back(fmt::format("reply cycle through comment \"{}\"; kept at top level",
                                          thread.comments[at].id));
      tree.parent[at] = std::nullopt;
    }
    for (std::size_t w : walk) state[w] = 2;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (tree.parent[i]) {
      tree.children[*tree.parent[i]].push_back(i);
    } else {
      tree.roots.push_back(i);
    }
  }
  tree.order.reserve(n);
  std::vector<std::size_t> stack(tree.roots.rbegin(), tree.roots.rend());
  while (!stack.empty()) {
    const std::size_t i = stack.back();
    stack.pop_back();
    tree.order.push_back(i);
    const auto& kids = tree.children[i];
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
      tree.depth[*it] = tree.depth[i] + 1;
      stack.push_back(*it);
    }
  }
  return tree;
}

}  // namespace comity
