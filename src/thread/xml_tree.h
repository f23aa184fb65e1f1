// A small in-memory XML tree built with expat for the XML thread exports.
// Hostile input fails safely: DOCTYPE (and with it every entity declaration, the
// billion-laughs family and external entities) is refused, nesting and text size
// are capped, and every error names file:line:column and the open element path.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "comity/thread.h"

namespace comity::thread_import {

struct XmlNode {
  std::string qname;  // as written, e.g. "wp:comment"
  std::string local;  // without the prefix, e.g. "comment"
  std::vector<std::pair<std::string, std::string>> attributes;  // local name -> value
  std::string text;                                             // direct character data
  std::vector<std::size_t> children;                            // indices into XmlTree::nodes
  std::size_t line = 0;
};

struct XmlTree {
  std::vector<XmlNode> nodes;  // nodes[0] is the root element
  const XmlNode& root() const { return nodes.front(); }
  // First child with that local name, or nullptr.
  const XmlNode* child(const XmlNode& parent, std::string_view local) const;
  std::string child_text(const XmlNode& parent, std::string_view local) const;
  const std::string* attribute(const XmlNode& node, std::string_view local) const;
};

XmlTree parse_xml(std::string_view content, const std::string& name,
                  const ThreadImportLimits& limits);

// A site export parsed as XML: the root element must be `root_local` (else the
// error says the file is not `kind`), and field() reads a child's text checked
// against the limits and trimmed.
class XmlExport {
 public:
  XmlExport(std::string_view content, const std::string& name, const ThreadImportLimits& limits,
            std::string_view root_local, std::string_view kind);

 protected:
  std::string field(const XmlNode& node, std::string_view local, const std::string& where) const;

  XmlTree tree_;
  std::string name_;
  ThreadImportLimits limits_;
};

}  // namespace comity::thread_import
