// Versioned schema migrations for the SQLite store.
//
// The schema only ever moves forward through an ordered list of steps. Each step
// runs in its own transaction together with its bookkeeping (a row in
// schema_migrations and PRAGMA user_version), so a crash leaves the database at
// exactly one known version. To change the schema, append a step; never edit one
// that has shipped.
#pragma once
#include <span>

#include "store/sqlite_connection.h"

namespace comity::sqlite {

struct Migration {
  int version;              // 1, 2, 3, ... with no gaps
  const char* description;  // recorded in schema_migrations for humans
  const char* sql;
};

// The steps this build knows, oldest first.
std::span<const Migration> store_migrations();
int latest_schema_version();

// Brings the database up to the last step of `steps`. Throws StoreError when the
// database is newer than `steps` knows, or when a step fails (that step is rolled
// back; earlier steps stay applied).
void apply_migrations(Connection& connection, std::span<const Migration> steps);

}  // namespace comity::sqlite
