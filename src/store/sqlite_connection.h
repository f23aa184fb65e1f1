// Thin RAII layer over the SQLite C API: errors become StoreError carrying
// SQLite's own message, and statements reset themselves after every use so a
// cached statement can never leak bindings or an open read into the next call.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "comity/store.h"

namespace comity::sqlite {

class Statement;

class Connection {
 public:
  // Opens read-write, creating the file when missing.
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows we care about.
  void exec(const std::string& sql);
  // Runs a single-row, single-column query (e.g. a PRAGMA) and returns it as text.
  std::optional<std::string> query_text(const std::string& sql);
  std::int64_t query_int(const std::string& sql);

  sqlite3* get() { return db_; }
  [[noreturn]] void fail(const std::string& what);

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Connection& connection, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  void bind(int index, std::string_view value);
  void bind(int index, std::int64_t value);
  void bind_null(int index);
  void bind(int index, const std::optional<std::string>& value);

  // True while a row is available; false when done. Throws on error.
  bool step();
  // Steps a statement that must not return rows.
  void run();

  std::int64_t column_int(int index);
  std::string column_text(int index);
  std::optional<std::string> column_optional_text(int index);
  bool column_is_null(int index);

  // Called automatically by Use; public for statements stepped by hand.
  void reset();

 private:
  Connection& connection_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Scope guard: the statement is reset and unbound when the guard goes away,
// including when the caller throws half-way through the rows.
class Use {
 public:
  explicit Use(Statement& statement) : statement_(statement) {}
  ~Use() { statement_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  Statement* operator->() { return &statement_; }
  Statement& operator*() { return statement_; }

 private:
  Statement& statement_;
};

// Explicit transaction that rolls back unless committed.
class Transaction {
 public:
  // IMMEDIATE takes the write lock up front, so two processes that both decide to
  // write cannot deadlock upgrading from a read.
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

// Another connection to the store of `data_dir` (created and migrated first, as
// open_sqlite_store does), for the subsystems that keep their own tables in it
// (console accounts, webhooks): busy timeout set, foreign keys on.
std::unique_ptr<Connection> open_store_connection(const std::string& data_dir);

}  // namespace comity::sqlite
