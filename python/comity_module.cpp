// comity._comity: the library's ModelSet behind a Python class, and the CLI's `score`
// command for `python -m comity score`. Texts are copied out of Python objects with the
// GIL held, scored on all cores with it released, and turned into dicts with it held
// again; the numbers go through attribute_scores_json, so they are the CLI's to the digit.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/format.h>
#include <algorithm>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "cli_common.h"
#include "comity/language_profile.h"
#include "comity/model_set.h"
#include "comity/scores_json.h"
#include "common/parallel_for.h"

namespace py = pybind11;

namespace comity::python {
namespace {

// Texts per parallel_for chunk: small enough to share a few thousand among cores,
// large enough that one short text does not start a thread.
constexpr std::size_t kChunk = 16;

py::object to_python(const nlohmann::json& j) {
  using T = nlohmann::json::value_t;
  switch (j.type()) {
    case T::object: {
      py::dict d;
      for (const auto& [key, value] : j.items()) d[py::str(key)] = to_python(value);
      return d;
    }
    case T::array: {
      py::list l;
      for (const auto& value : j) l.append(to_python(value));
      return l;
    }
    case T::string:
      return py::str(j.get_ref<const std::string&>());
    case T::boolean:
      return py::bool_(j.get<bool>());
    case T::number_integer:
      return py::int_(j.get<std::int64_t>());
    case T::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case T::number_float:
      return py::float_(j.get<double>());
    default:
      return py::none();
  }
}

struct Input {
  std::string text;
  std::string error;
  bool type_error = false;
};

// str as UTF-8 (a lone surrogate stays the invalid UTF-8 it encodes to, so it gets the
// CLI's message rather than a codec error), bytes and bytearray as given.
Input take_text(PyObject* o) {
  Input in;
  if (PyUnicode_Check(o)) {
    Py_ssize_t size = 0;
    if (const char* utf8 = PyUnicode_AsUTF8AndSize(o, &size)) {
      in.text.assign(utf8, static_cast<std::size_t>(size));
      return in;
    }
    PyErr_Clear();
    py::object bytes =
        py::reinterpret_steal<py::object>(PyUnicode_AsEncodedString(o, "utf-8", "surrogatepass"));
    if (!bytes) throw py::error_already_set();
    in.text.assign(PyBytes_AS_STRING(bytes.ptr()),
                   static_cast<std::size_t>(PyBytes_GET_SIZE(bytes.ptr())));
  } else if (PyBytes_Check(o)) {
    in.text.assign(PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o)));
  } else if (PyByteArray_Check(o)) {
    in.text.assign(PyByteArray_AS_STRING(o), static_cast<std::size_t>(PyByteArray_GET_SIZE(o)));
  } else {
    in.type_error = true;
    in.error = fmt::format("expected str or bytes, got {}", Py_TYPE(o)->tp_name);
  }
  return in;
}

struct Request {
  std::vector<Attribute> wanted;
  std::vector<std::string> requested;  // the caller's language, when given
  bool lenient = false;
};

// The checks `comity score` makes of --attributes and --language, with its messages.
Request make_request(const std::vector<std::string>& attributes, const std::string& language,
                     bool lenient) {
  Request r;
  r.lenient = lenient;
  if (!language.empty()) {
    if (canonical_language(language).empty()) {
      throw py::value_error("'" + language + "' is not a language tag");
    }
    r.requested.push_back(language);
  }
  for (const std::string& name : attributes) {
    auto a = parse_attribute(name);
    if (!a) throw py::value_error("unknown attribute '" + name + "'");
    r.wanted.push_back(*a);
  }
  if (r.wanted.empty()) {
    for (std::size_t a = 0; a < kNumAttributes; ++a) r.wanted.push_back(attribute_at(a));
  }
  return r;
}

[[noreturn]] void raise_for(const Input& in, std::size_t index) {
  const std::string message = fmt::format("texts[{}]: {}", index, in.error);
  if (in.type_error) throw py::type_error(message);
  throw py::value_error(message);
}

int default_threads() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

class Model {
 public:
  explicit Model(const std::string& paths) : models_(load_model_set(split_model_paths(paths))) {}

  // One dict per item, in order. The first bad item (in input order, whatever its
  // kind) raises, naming texts[offset + i], when `raise_errors`; else it gives None.
  py::list score(const py::list& items, const std::vector<std::string>& attributes,
                 const std::string& language, int threads, bool lenient, bool raise_errors,
                 std::size_t offset) const {
    const Request request = make_request(attributes, language, lenient);
    const std::size_t n = items.size();
    std::vector<Input> inputs;
    inputs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) inputs.push_back(take_text(items[i].ptr()));
    std::vector<nlohmann::json> scores(n);
    {
      py::gil_scoped_release release;
      const int wanted_threads = threads > 0 ? threads : default_threads();
      const int used = static_cast<int>(std::min<std::size_t>(
          static_cast<std::size_t>(wanted_threads), (n + kChunk - 1) / kChunk));
      parallel_for(
          n, std::max(1, used),
          [&](std::size_t i) {
            Input& in = inputs[i];
            if (!in.error.empty()) return;
            in.error = cli::text_error(in.text, request.lenient);
            if (!in.error.empty()) return;
            try {
              const LanguageRoute route = models_.route(in.text, request.requested);
              scores[i] =
                  attribute_scores_json(models_.score(in.text, route).scores, request.wanted);
            } catch (const std::exception& e) {
              in.error = e.what();
            }
          },
          kChunk);
    }
    py::list out;
    for (std::size_t i = 0; i < n; ++i) {
      if (!inputs[i].error.empty()) {
        if (raise_errors) raise_for(inputs[i], offset + i);
        out.append(py::none());
      } else {
        out.append(to_python(scores[i]));
      }
    }
    return out;
  }

  // A `comity score --sentences --highlights` row for one text, without the id.
  py::dict spans(py::handle item, const std::vector<std::string>& attributes,
                 const std::string& language, bool lenient) const {
    const Request request = make_request(attributes, language, lenient);
    Input in = take_text(item.ptr());
    nlohmann::json row;
    {
      py::gil_scoped_release release;
      if (in.error.empty()) in.error = cli::text_error(in.text, request.lenient);
      if (in.error.empty()) {
        const LanguageRoute route = models_.route(in.text, request.requested);
        const ScoreResult r = models_.score(in.text, route, {.sentences = true, .tokens = true});
        const ModelSetMember& member = route.member != nullptr ? *route.member : models_.fallback();
        row = {{"scores", attribute_scores_json(r.scores, request.wanted)},
               {"language", route.language},
               {"model", member.model->info().version},
               {"sentences", sentences_json(r, request.wanted)},
               {"highlights", highlights_json(r, in.text)}};
        if (route.member == nullptr) row["language_supported"] = false;
      }
    }
    if (!in.error.empty()) {
      if (in.type_error) throw py::type_error(in.error);
      throw py::value_error(in.error);
    }
    return to_python(row);
  }

  // What `comity model` prints of the first (primary) model.
  py::dict info() const {
    const ModelSetMember& m = models_.primary();
    const ModelInfo& info = m.model->info();
    nlohmann::json attributes = nlohmann::json::array();
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      attributes.push_back(attribute_name(attribute_at(a)));
    }
    return to_python({{"path", m.path},
                      {"name", info.name},
                      {"version", info.version},
                      {"languages", info.languages},
                      {"architecture", m.model->architecture()},
                      {"attributes", attributes},
                      {"bytes", m.model->file_size()},
                      {"checksum", fmt::format("{:016x}", m.model->checksum())}});
  }

  std::vector<std::string> languages() const { return models_.languages(); }

 private:
  ModelSet models_;
};

// `comity score ARGS...` in this process; returns its exit status.
int run_cli(const std::vector<std::string>& args) {
  CLI::App app{"Comity's `score` command in-process: the options and output of `comity score`.",
               "python -m comity"};
  app.require_subcommand(1);
  cli::register_score_command(app);
  std::vector<std::string> argv_storage{"python -m comity"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  py::gil_scoped_release release;
  int status = 0;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    status = app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "comity: error: %s\n", e.what());
    status = 1;
  }
  std::cout.flush();
  return status;
}

}  // namespace
}  // namespace comity::python

PYBIND11_MODULE(_comity, m) {
  using comity::python::Model;
  m.doc() = "Comity's scoring engine (see the comity package for the documented interface).";
  py::register_exception<comity::ModelError>(m, "ModelError", PyExc_RuntimeError);
  py::class_<Model>(m, "Model")
      .def(py::init<const std::string&>(), py::arg("paths"))
      .def("score", &Model::score, py::arg("items"), py::arg("attributes"), py::arg("language"),
           py::arg("threads"), py::arg("lenient"), py::arg("raise_errors"), py::arg("offset"))
      .def("spans", &Model::spans, py::arg("item"), py::arg("attributes"), py::arg("language"),
           py::arg("lenient"))
      .def("info", &Model::info)
      .def("languages", &Model::languages);
  m.def("run_cli", &comity::python::run_cli, py::arg("args"));
  m.def("default_threads", &comity::python::default_threads);
}
