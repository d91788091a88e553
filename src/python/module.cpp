// The native part of the Python package `bcemb` (pybind11), over the
// torch-free bcemb_core: registries, run directories and the HTTP client.
// Long computations release the GIL; arrays come back without a copy (the
// numpy array owns the result buffer).
#include <httplib.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>

#include "bcemb/compat/composition.h"
#include "bcemb/io/atomic_file.h"
#include "bcemb/registry/registry.h"
#include "bcemb/registry/view.h"
#include "bcemb/train/run_dir.h"
#include "bcemb/util/error.h"

namespace py = pybind11;

namespace bcemb::python {

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// A numpy array that owns the matrix's buffer.
py::array_t<float> to_numpy(Matrix m) {
  auto* owned = new std::vector<float>(std::move(m.data));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  return py::array_t<float>({m.rows, m.cols}, {m.cols * static_cast<int64_t>(sizeof(float)), int64_t{sizeof(float)}},
                            owned->data(), free_when_done);
}

Matrix from_numpy(const FloatArray& a, const std::string& what) {
  if (a.ndim() != 2) throw Error(what + ": expected a 2-D array [rows, dim], got " + std::to_string(a.ndim()) + "-D");
  Matrix m(a.shape(0), a.shape(1));
  std::memcpy(m.data.data(), a.data(), m.data.size() * sizeof(float));
  for (const float x : m.data)
    if (!std::isfinite(x)) throw Error(what + ": contains NaN or infinite values");
  return m;
}

py::dict version_dict(const RegistryVersion& v) {
  py::dict d;
  d["version"] = v.version;
  d["parent"] = v.parent >= 0 ? py::object(py::int_(v.parent)) : py::object(py::none());
  d["dim"] = v.dim;
  d["strategy"] = v.strategy;
  d["created_at"] = v.created_at;
  d["has_tables"] = v.has_tables();
  return d;
}

// Rows of `kind` (all, or the given ids in order) of the view's latest
// table, mapped to `version`: one GEMM through the composed matrix, as
// `bcemb export` computes it.
Matrix rows_at(const RegistryView& view, const std::string& kind, int version, const std::vector<std::string>* ids) {
  const RegistryView::Table& t = view.table(kind);
  view.check_version(version);
  const Matrix& m = view.to_version[static_cast<size_t>(version)];
  if (ids == nullptr) return matmul_bt(t.z, m);
  Matrix picked(static_cast<int64_t>(ids->size()), t.z.cols);
  for (size_t i = 0; i < ids->size(); ++i) {
    const auto it = t.index.find((*ids)[i]);
    if (it == t.index.end()) throw Error("unknown " + kind.substr(0, kind.size() - 1) + " id '" + (*ids)[i] + "'");
    std::memcpy(picked.row(static_cast<int64_t>(i)), t.z.row(it->second), static_cast<size_t>(t.z.cols) * sizeof(float));
  }
  return matmul_bt(picked, m);
}

class PyRegistry {
 public:
  explicit PyRegistry(std::string dir) : dir_(std::move(dir)) { Registry check(dir_); }

  // The current view; reloaded when HEAD changed since the last call.
  // The GIL is released before the lock is taken (and the lock dropped
  // before the GIL is taken back), so threads never wait on each other crosswise.
  std::shared_ptr<const RegistryView> view() {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mu_);
    const HeadStamp now = HeadStamp::of(dir_);
    if (!view_ || !now.present || now != head_) {
      view_ = RegistryView::load(dir_);
      head_ = now;
    }
    return view_;
  }

  // The catalog as it is now (an empty registry has no view to serve from).
  py::list versions() {
    std::vector<RegistryVersion> all;
    {
      py::gil_scoped_release release;
      all = Registry(dir_).list();
    }
    py::list out;
    for (const auto& v : all) out.append(version_dict(v));
    return out;
  }

  int latest() {
    py::gil_scoped_release release;
    return Registry(dir_).latest();
  }

  py::tuple embeddings(const std::string& kind, std::optional<int> version, std::optional<std::vector<std::string>> ids) {
    const auto v = view();
    const int j = version.value_or(v->latest);
    Matrix out;
    {
      py::gil_scoped_release release;
      out = rows_at(*v, kind, j, ids ? &*ids : nullptr);
    }
    py::list id_list;
    for (const auto& id : ids ? *ids : v->table(kind).ids) id_list.append(id);
    return py::make_tuple(id_list, to_numpy(std::move(out)));
  }

  py::array_t<float> transform(const FloatArray& array, int from_version, int to_version) {
    const auto v = view();
    Matrix z = from_numpy(array, "transform");
    Matrix out;
    {
      py::gil_scoped_release release;
      out = v->chain->apply(z, from_version, to_version);
    }
    return to_numpy(std::move(out));
  }

  double publish_external(const FloatArray& embeddings, const std::vector<std::string>& ids, int previous_version,
                          const std::string& fit, std::optional<FloatArray> user_embeddings,
                          std::optional<std::vector<std::string>> user_ids) {
    // The CLI's path exactly: the tables go through .npy and .tsv files.
    const std::string tmp = make_temp_dir();
    ExternalPublish req;
    req.previous_version = previous_version;
    req.fit = fit;
    req.source_name = "python";
    auto stage = [&](const FloatArray& a, const std::vector<std::string>& row_ids, const std::string& stem,
                     std::string& emb_path, std::string& ids_path) {
      const Matrix m = from_numpy(a, stem);
      if (static_cast<int64_t>(row_ids.size()) != m.rows)
        throw Error(stem + ": " + std::to_string(row_ids.size()) + " ids for " + std::to_string(m.rows) + " rows");
      emb_path = tmp + "/" + stem + ".npy";
      ids_path = tmp + "/" + stem + ".tsv";
      write_matrix_npy(emb_path, m);
      write_id_map(ids_path, row_ids, row_ids.size());
    };
    ExternalReport rep;
    try {
      stage(embeddings, ids, "items", req.item_embeddings, req.item_ids);
      if (user_embeddings) {
        if (!user_ids) throw Error("user_embeddings need user_ids");
        stage(*user_embeddings, *user_ids, "users", req.user_embeddings, req.user_ids);
      }
      py::gil_scoped_release release;
      Registry reg(dir_);
      rep = reg.publish_external(req);
    } catch (...) {
      std::filesystem::remove_all(tmp);
      throw;
    }
    std::filesystem::remove_all(tmp);
    return rep.alignment_error;
  }

  static std::unique_ptr<PyRegistry> create(const std::string& dir) {
    Registry::init(dir);
    return std::make_unique<PyRegistry>(dir);
  }

  py::dict publish_run(const std::string& run_dir, int version) {
    RegistryVersion v;
    {
      py::gil_scoped_release release;
      Registry reg(dir_);
      v = reg.publish_run(run_dir, version);
    }
    return version_dict(v);
  }

  py::dict verify() {
    VerifyReport r;
    {
      py::gil_scoped_release release;
      const Registry reg(dir_);
      r = reg.verify();
    }
    py::dict d;
    d["ok"] = r.ok();
    d["versions"] = r.versions;
    d["files"] = r.files;
    d["problems"] = r.problems;
    return d;
  }

  const std::string& path() const { return dir_; }

 private:
  static std::string make_temp_dir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 16; ++attempt) {
      const auto dir = std::filesystem::temp_directory_path() / ("bcemb_py_" + std::to_string(rd()));
      if (std::filesystem::create_directory(dir)) return dir.string();
    }
    throw Error("cannot create a temporary folder in " + std::filesystem::temp_directory_path().string());
  }

  std::string dir_;
  std::mutex mu_;
  std::shared_ptr<const RegistryView> view_;
  HeadStamp head_;
};

class PyRun {
 public:
  explicit PyRun(std::string path) : run_(std::move(path)) { run_.manifest(); }
  int versions() const { return run_.versions(); }
  py::tuple embeddings(const std::string& kind, int version) const {
    Matrix z;
    std::vector<std::string> ids;
    {
      py::gil_scoped_release release;
      z = run_.embeddings(version, kind);
      ids = run_.ids(version, kind);
    }
    return py::make_tuple(ids, to_numpy(std::move(z)));
  }
  py::array_t<float> transform_matrix(int version) const { return to_numpy(run_.transform(version)); }
  py::array_t<float> compatible(const std::string& kind, int from_version, int to_version) const {
    Matrix out;
    {
      py::gil_scoped_release release;
      out = run_.chain().apply(run_.embeddings(from_version, kind), from_version, to_version);
    }
    return to_numpy(std::move(out));
  }
  py::object metrics(int version) const {
    return py::module_::import("json").attr("loads")(to_json(run_.metrics(version)).dump());
  }
  py::object manifest() const { return py::module_::import("json").attr("loads")(run_.manifest().dump()); }
  const std::string& path() const { return run_.path(); }

 private:
  RunDir run_;
};

class PyClient {
 public:
  explicit PyClient(std::string url) : url_(std::move(url)), http_(url_) {
    http_.set_connection_timeout(10);
    http_.set_read_timeout(60);
    if (!http_.is_valid()) throw Error("not an http:// address: '" + url_ + "'");
  }

  py::tuple embeddings(const std::string& kind, std::optional<int> version, const std::vector<std::string>& ids) {
    nlohmann::json body{{"kind", kind}, {"ids", ids}};
    if (version) body["version"] = *version;
    const std::string payload = body.dump();
    const httplib::Result res = [&] {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mu_);  // one connection, kept alive
      return http_.Post("/v1/embeddings:batch", {{"Accept", "application/octet-stream"}}, payload, "application/json");
    }();
    if (!res) throw Error(url_ + ": request failed: " + httplib::to_string(res.error()));
    if (res->status != 200) {
      std::string message = res->body;
      try {
        message = nlohmann::json::parse(res->body).at("error").get<std::string>();
      } catch (const std::exception&) {
      }
      throw Error(message + " (HTTP " + std::to_string(res->status) + ")");
    }
    const int64_t rows = std::stoll(res->get_header_value("X-Bcemb-Rows"));
    const int64_t dim = std::stoll(res->get_header_value("X-Bcemb-Dim"));
    if (static_cast<int64_t>(res->body.size()) != rows * dim * static_cast<int64_t>(sizeof(float)))
      throw Error(url_ + ": answer of " + std::to_string(res->body.size()) + " bytes for " + std::to_string(rows) + " x " +
                  std::to_string(dim) + " floats");
    Matrix m(rows, dim);
    std::memcpy(m.data.data(), res->body.data(), res->body.size());
    return py::make_tuple(ids, to_numpy(std::move(m)));
  }

  py::object versions() {
    const httplib::Result res = [&] {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mu_);
      return http_.Get("/v1/versions");
    }();
    if (!res || res->status != 200) throw Error(url_ + ": /v1/versions failed");
    return py::module_::import("json").attr("loads")(res->body).attr("__getitem__")("versions");
  }

 private:
  std::string url_;
  httplib::Client http_;
  std::mutex mu_;
};

}  // namespace

PYBIND11_MODULE(_bcemb, m) {
  m.doc() = "Native part of bcemb (see bcemb/__init__.py).";
  py::register_exception<Error>(m, "Error", PyExc_RuntimeError);

  py::class_<PyRegistry>(m, "Registry")
      .def(py::init<std::string>(), py::arg("path"))
      .def("versions", &PyRegistry::versions)
      .def_property_readonly("latest", &PyRegistry::latest)
      .def_property_readonly("path", &PyRegistry::path)
      .def("embeddings", &PyRegistry::embeddings, py::arg("kind"), py::arg("version") = py::none(),
           py::arg("ids") = py::none())
      .def("transform", &PyRegistry::transform, py::arg("array"), py::arg("from_version"), py::arg("to_version"))
      .def("publish_external", &PyRegistry::publish_external, py::arg("embeddings"), py::arg("ids"),
           py::arg("previous_version"), py::arg("fit") = "procrustes", py::arg("user_embeddings") = py::none(),
           py::arg("user_ids") = py::none())
      .def("verify", &PyRegistry::verify)
      .def_static("create", &PyRegistry::create, py::arg("path"))
      .def("publish_run", &PyRegistry::publish_run, py::arg("run"), py::arg("version"));

  py::class_<PyRun>(m, "Run")
      .def(py::init<std::string>(), py::arg("path"))
      .def_property_readonly("versions", &PyRun::versions)
      .def_property_readonly("path", &PyRun::path)
      .def("embeddings", &PyRun::embeddings, py::arg("kind"), py::arg("version"))
      .def("transform_matrix", &PyRun::transform_matrix, py::arg("version"))
      .def("compatible", &PyRun::compatible, py::arg("kind"), py::arg("from_version"), py::arg("to_version"))
      .def("metrics", &PyRun::metrics, py::arg("version"))
      .def("manifest", &PyRun::manifest);

  py::class_<PyClient>(m, "Client")
      .def(py::init<std::string>(), py::arg("url"))
      .def("embeddings", &PyClient::embeddings, py::arg("kind"), py::arg("version") = py::none(), py::kw_only(),
           py::arg("ids"))
      .def("versions", &PyClient::versions);
}

}  // namespace bcemb::python
