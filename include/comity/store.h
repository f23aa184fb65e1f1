// The embedded store behind an interface, so a PostgreSQL backend can implement
// the same contract later. The SQLite implementation lives in src/store/.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace comity {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One suggestscore call (or, later, one moderator decision) kept as training data.
struct FeedbackRecord {
  std::int64_t id = 0;     // assigned by the store
  std::string created_at;  // RFC 3339 UTC, assigned by the store when empty
  std::string source;      // "suggestscore" | "moderation"
  std::string community_id;
  std::string client_token;
  std::string session_id;
  std::optional<std::string> text;                 // absent when the client asked doNotStore
  std::string language;                            // e.g. "en"
  std::map<std::string, double> attribute_values;  // "TOXICITY" -> 1.0
};

// What an API key may call. Each scope includes the ones before it:
//   score       analyze, suggestscore, /v1/score, models, posting comments
//   moderation  + the queue, decisions, threads, dashboards, policy dry runs
//   admin       + saving policies, imports, the audit log, model reloads
// The comment form's backend gets `score`: it cannot change what moderators see.
enum class ApiKeyScope { kScore, kModeration, kAdmin };
std::string_view api_key_scope_name(ApiKeyScope scope);
std::optional<ApiKeyScope> parse_api_key_scope(std::string_view name);

struct ApiKeyRecord {
  std::int64_t id = 0;
  std::string name;
  std::string prefix;           // first characters of the key, shown in listings
  int requests_per_minute = 0;  // 0 = unlimited
  ApiKeyScope scope = ApiKeyScope::kScore;
  std::string created_at;
  bool revoked = false;
};

struct CreatedApiKey {
  ApiKeyRecord record;
  std::string secret;  // the full key, shown once; only its hash is stored
};

class Store {
 public:
  virtual ~Store() = default;
  virtual int schema_version() = 0;

  virtual std::int64_t add_feedback(const FeedbackRecord& record) = 0;
  // In insertion order.
  virtual void for_each_feedback(const std::function<void(const FeedbackRecord&)>& fn) = 0;
  virtual std::int64_t count_feedback() = 0;
  // Deletes the newest feedback row of `source` with `client_token` (a moderator's
  // verdict that was undone); false when there is none.
  virtual bool remove_latest_feedback(const std::string& source,
                                      const std::string& client_token) = 0;

  virtual CreatedApiKey create_api_key(const std::string& name, int requests_per_minute,
                                       ApiKeyScope scope) = 0;
  // Looks a presented key up by its hash; nullopt when unknown or revoked.
  virtual std::optional<ApiKeyRecord> find_api_key(const std::string& secret) = 0;
  virtual std::vector<ApiKeyRecord> list_api_keys() = 0;
  // By id or prefix; false when nothing matched.
  virtual bool revoke_api_key(const std::string& id_or_prefix) = 0;

  // Why a write would fail now (storage read-only or nearly full), or nullopt; what
  // /readyz asks, so a load balancer stops sending writes a node would lose.
  virtual std::optional<std::string> write_problem() = 0;
};

// Opens (creating and migrating as needed) `data_dir`/comity.db in WAL mode.
std::unique_ptr<Store> open_sqlite_store(const std::string& data_dir);

}  // namespace comity
