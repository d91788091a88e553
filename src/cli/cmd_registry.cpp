// bcemb registry init|publish|publish-external|list|gc|verify, bcemb export, bcemb serve.
#include <csignal>
#include <iostream>

#include "bcemb/io/atomic_file.h"
#include "bcemb/registry/registry.h"
#include "bcemb/serve/server.h"
#include "bcemb/train/run_dir.h"
#include "bcemb/util/error.h"
#include "bcemb/util/progress.h"
#include "commands.h"

namespace bcemb::cli {

namespace {

nlohmann::json version_json(const RegistryVersion& v) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [role, f] : v.files) files[role] = {{"object", f.object}, {"sha256", f.sha256}, {"bytes", f.bytes}};
  return {{"version", v.version},
          {"parent", v.parent >= 0 ? nlohmann::json(v.parent) : nlohmann::json(nullptr)},
          {"dim", v.dim},
          {"users", v.users},
          {"items", v.items},
          {"strategy", v.strategy},
          {"source", v.source},
          {"created_at", v.created_at},
          {"metrics", v.metrics},
          {"files", files}};
}

EmbeddingServer* g_server = nullptr;
void on_signal(int) {
  if (g_server != nullptr) g_server->stop();
}

}  // namespace

void register_registry(CLI::App& app) {
  auto* reg = app.add_subcommand("registry", "publish, list, verify and garbage-collect embedding versions");
  reg->require_subcommand(1);
  auto dir = std::make_shared<std::string>();

  auto* init = reg->add_subcommand("init", "create an empty registry in DIR");
  init->add_option("dir", *dir, "registry folder")->required();
  init->callback([=] {
    Registry::init(*dir);
    std::cout << nlohmann::json{{"registry", *dir}, {"created", true}}.dump() << "\n";
  });

  auto* pub = reg->add_subcommand("publish", "publish version k of a training run (versions in order)");
  auto run = std::make_shared<std::string>();
  auto version = std::make_shared<int>(-1);
  pub->add_option("dir", *dir, "registry folder")->required();
  pub->add_option("--run", *run, "training run directory")->required();
  pub->add_option("--version", *version, "run version to publish")->required();
  pub->callback([=] {
    Registry r(*dir);
    std::cout << version_json(r.publish_run(*run, *version)).dump(2) << "\n";
  });

  auto* ext = reg->add_subcommand("publish-external", "align embeddings from any model to the latest version, post hoc");
  auto req = std::make_shared<ExternalPublish>();
  ext->add_option("dir", *dir, "registry folder")->required();
  ext->add_option("--embeddings", req->item_embeddings, "item embeddings .npy (float32 [n, d])");
  ext->add_option("--ids", req->item_ids, "ids of those rows (one per line, or 'index<TAB>id' with a header)");
  ext->add_option("--user-embeddings", req->user_embeddings, "user embeddings .npy");
  ext->add_option("--user-ids", req->user_ids, "ids of the user rows");
  ext->add_option("--previous-version", req->previous_version, "the version to align to (the latest)")->required();
  ext->add_option("--fit", req->fit, "lstsq | procrustes (equal dimensions, a rotation)")->capture_default_str();
  ext->add_option("--name", req->source_name, "where these embeddings come from (free text)");
  ext->callback([=] {
    Registry r(*dir);
    const ExternalReport rep = r.publish_external(*req);
    std::cout << nlohmann::json{{"version", rep.version},
                                {"fit", rep.fit},
                                {"matched_ids", rep.matched},
                                {"alignment_error", rep.alignment_error},
                                {"relative_error", rep.relative_error}}
                     .dump(2)
              << "\n";
  });

  auto* list = reg->add_subcommand("list", "list versions (JSON)");
  list->add_option("dir", *dir, "registry folder")->required();
  list->callback([=] {
    const Registry r(*dir);
    nlohmann::json out{{"registry", *dir}, {"latest", r.latest()}, {"generation", r.generation()}};
    out["versions"] = nlohmann::json::array();
    for (const auto& v : r.list()) out["versions"].push_back(version_json(v));
    std::cout << out.dump(2) << "\n";
  });

  auto* gc = reg->add_subcommand("gc", "drop tables and checkpoints of versions older than the latest");
  gc->add_option("dir", *dir, "registry folder")->required();
  gc->callback([=] {
    Registry r(*dir);
    const GcReport rep = r.gc();
    std::cout << nlohmann::json{{"versions_trimmed", rep.versions_trimmed},
                                {"objects_removed", rep.objects_removed},
                                {"bytes_freed", rep.bytes_freed}}
                     .dump(2)
              << "\n";
  });

  auto* verify = reg->add_subcommand("verify", "check every data file: present, checksum, shape");
  verify->add_option("dir", *dir, "registry folder")->required();
  verify->callback([=] {
    const Registry r(*dir);
    const VerifyReport rep = r.verify();
    std::cout << nlohmann::json{{"ok", rep.ok()}, {"versions", rep.versions}, {"files", rep.files},
                                {"problems", rep.problems}}
                     .dump(2)
              << "\n";
    if (!rep.ok()) throw Error("registry " + *dir + " failed verification: " + rep.problems.front());
  });

  auto* exp = app.add_subcommand("export", "write version-j compatible embeddings from a registry's latest table");
  auto to = std::make_shared<int>(0);
  auto out = std::make_shared<std::string>();
  auto ids_out = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>("items");
  exp->add_option("dir", *dir, "registry folder")->required();
  exp->add_option("--version", *to, "target version j")->required();
  exp->add_option("--kind", *kind, "users | items")->capture_default_str();
  exp->add_option("--out", *out, "output .npy (float32 [rows, dim_j])")->required();
  exp->add_option("--ids", *ids_out, "also write the rows' ids (index<TAB>id)");
  exp->callback([=] {
    const Registry r(*dir);
    const auto latest = r.get(r.latest());
    if (!latest) throw Error("registry " + *dir + " is empty");
    const TransformChain chain = r.chain();
    chain.check(latest->version, *to);
    const Matrix z = chain.apply(r.table(*latest, *kind), latest->version, *to);
    write_matrix_npy(*out, z);
    if (!ids_out->empty()) {
      const auto ids = r.ids(*latest, *kind);
      write_id_map(*ids_out, ids, ids.size());
    }
    std::cout << nlohmann::json{{"from_version", latest->version}, {"to_version", *to}, {"rows", z.rows}, {"dim", z.cols},
                                {"out", *out}}
                     .dump(2)
              << "\n";
  });

  auto* serve = app.add_subcommand("serve", "serve any version's embeddings over HTTP");
  auto opts = std::make_shared<ServeOptions>();
  serve->add_option("dir", *dir, "registry folder")->required();
  serve->add_option("--host", opts->host, "address to listen on (loopback by default)")->capture_default_str();
  serve->add_option("--port", opts->port, "port (0: any free port)")->capture_default_str();
  serve->add_option("--max-batch", opts->max_batch, "most ids in one batch request")->capture_default_str();
  serve->add_option("--max-body", opts->max_body, "most bytes in a request body")->capture_default_str();
  serve->add_option("--threads", opts->threads, "event loops answering requests")->capture_default_str();
  serve->add_option("--max-connections", opts->max_connections, "open connections; beyond, new ones get 503")
      ->capture_default_str();
  serve->add_option("--request-timeout", opts->request_timeout_s,
                    "seconds a request may take to arrive after its first byte (408)")
      ->capture_default_str();
  serve->add_option("--idle-timeout", opts->idle_timeout_s, "seconds an idle keep-alive connection stays open")
      ->capture_default_str();
  serve->callback([=] {
    EmbeddingServer server(*dir, *opts);
    const int port = server.bind();
    g_server = &server;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::cout << nlohmann::json{{"listening", opts->host + ":" + std::to_string(port)}}.dump() << std::endl;
    log_line("[serve] " + *dir + " on http://" + opts->host + ":" + std::to_string(port));
    server.run();
    g_server = nullptr;
  });
}

}  // namespace bcemb::cli
