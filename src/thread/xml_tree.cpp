#include "thread/xml_tree.h"

#include "thread/import_support.h"

#include <expat.h>
#include <fmt/format.h>

#include <climits>
#include <optional>

namespace comity::thread_import {

const XmlNode* XmlTree::child(const XmlNode& parent, std::string_view local) const {
  for (std::size_t c : parent.children) {
    if (nodes[c].local == local) {
      return &nodes[c];
    }
  }
  return nullptr;
}

std::string XmlTree::child_text(const XmlNode& parent, std::string_view local) const {
  const XmlNode* c = child(parent, local);
  return c ? c->text : std::string();
}

const std::string* XmlTree::attribute(const XmlNode& node, std::string_view local) const {
  for (const auto& [k, v] : node.attributes) {
    if (k == local) {
      return &v;
    }
  }
  return nullptr;
}

namespace {

std::string local_name(std::string_view qname) {
  const std::size_t colon = qname.rfind(':');
  return std::string(colon == std::string_view::npos ? qname : qname.substr(colon + 1));
}

struct Builder {
  XML_Parser parser = nullptr;
  const std::string* name = nullptr;
  const ThreadImportLimits* limits = nullptr;
  XmlTree tree;
  std::vector<std::size_t> open;  // stack of node indices
  std::optional<std::string> error;
  bool root_closed = false;

  std::string path() const {
    std::string p;
    for (std::size_t i : open) {
      if (!p.empty()) {
        p += '/';
      }
      p += tree.nodes[i].qname;
    }
    return p.empty() ? std::string("document") : p;
  }

  void fail(std::string message) {
    if (!error) {
      error = std::move(message);
    }
    XML_StopParser(parser, XML_FALSE);
  }

  static void start(void* data, const XML_Char* qname, const XML_Char** attrs) {
    auto* b = static_cast<Builder*>(data);
    if (b->error) {
      return;
    }
    if (b->open.size() >= b->limits->max_depth) {
      b->fail(fmt::format("elements nested deeper than {}", b->limits->max_depth));
      return;
    }
    XmlNode node;
    node.qname = qname;
    node.local = local_name(node.qname);
    node.line = XML_GetCurrentLineNumber(b->parser);
    for (std::size_t i = 0; attrs[i] && attrs[i + 1]; i += 2) {
      node.attributes.emplace_back(local_name(attrs[i]), attrs[i + 1]);
    }
    const std::size_t index = b->tree.nodes.size();
    b->tree.nodes.push_back(std::move(node));
    if (!b->open.empty()) {
      b->tree.nodes[b->open.back()].children.push_back(index);
    }
    b->open.push_back(index);
  }

  static void end(void* data, const XML_Char*) {
    auto* b = static_cast<Builder*>(data);
    if (b->error || b->open.empty()) {
      return;
    }
    b->open.pop_back();
  }

  static void text(void* data, const XML_Char* s, int len) {
    auto* b = static_cast<Builder*>(data);
    if (b->error || b->open.empty()) {
      return;
    }
    std::string& t = b->tree.nodes[b->open.back()].text;
    if (t.size() + static_cast<std::size_t>(len) > b->limits->max_field_bytes) {
      b->fail(fmt::format("text longer than the {}-byte limit", b->limits->max_field_bytes));
      return;
    }
    t.append(s, static_cast<std::size_t>(len));
  }

  static void doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<Builder*>(data)->fail("DOCTYPE declarations are refused (entity expansion)");
  }

  static void entity(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                     const XML_Char*, const XML_Char*, const XML_Char*) {
    static_cast<Builder*>(data)->fail("entity declarations are refused");
  }
};

}  // namespace

XmlTree parse_xml(std::string_view content, const std::string& name,
                  const ThreadImportLimits& limits) {
  if (content.size() > static_cast<std::size_t>(INT_MAX)) {
    throw ThreadImportError(name, "file too large for the XML reader");
  }
  Builder b;
  b.name = &name;
  b.limits = &limits;
  b.parser = XML_ParserCreate("UTF-8");
  if (!b.parser) {
    throw ThreadImportError(name, "out of memory creating the XML parser");
  }
  struct Free {
    XML_Parser p;
    ~Free() { XML_ParserFree(p); }
  } guard{b.parser};
  XML_SetUserData(b.parser, &b);
  XML_SetElementHandler(b.parser, &Builder::start, &Builder::end);
  XML_SetCharacterDataHandler(b.parser, &Builder::text);
  XML_SetStartDoctypeDeclHandler(b.parser, &Builder::doctype);
  XML_SetEntityDeclHandler(b.parser, &Builder::entity);
  XML_SetParamEntityParsing(b.parser, XML_PARAM_ENTITY_PARSING_NEVER);
  const XML_Status status =
      XML_Parse(b.parser, content.data(), static_cast<int>(content.size()), XML_TRUE);
  const auto line = XML_GetCurrentLineNumber(b.parser);
  const auto column = XML_GetCurrentColumnNumber(b.parser) + 1;
  if (b.error || status != XML_STATUS_OK) {
    const std::string message =
        b.error ? *b.error : std::string(XML_ErrorString(XML_GetErrorCode(b.parser)));
    throw ThreadImportError(fmt::format("{}:{}:{} ({})", name, line, column, b.path()), message);
  }
  if (b.tree.nodes.empty()) {
    throw ThreadImportError(name, "no XML root element");
  }
  return std::move(b.tree);
}

XmlExport::XmlExport(std::string_view content, const std::string& name,
                     const ThreadImportLimits& limits, std::string_view root_local,
                     std::string_view kind)
    : tree_(parse_xml(content, name, limits)), name_(name), limits_(limits) {
  const XmlNode& root = tree_.root();
  if (root.local != root_local) {
    throw ThreadImportError(
        fmt::format("{}:{} ({})", name, root.line, root.qname),
        fmt::format("not a {}: the root element is not <{}>", kind, root_local));
  }
}

std::string XmlExport::field(const XmlNode& node, std::string_view local,
                             const std::string& where) const {
  std::string value = tree_.child_text(node, local);
  check_text(value, where, local, limits_);
  return trim(value);
}

}  // namespace comity::thread_import
