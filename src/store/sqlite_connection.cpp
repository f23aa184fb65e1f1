#include "store/sqlite_connection.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace comity::sqlite {

Connection::Connection(const std::string& path) {
  // FULLMUTEX keeps the handle itself safe; the store still serialises whole
  // bind/step/reset sequences with its own mutex.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() { sqlite3_close_v2(db_); }

void Connection::fail(const std::string& what) {
  throw StoreError(what + ": " + sqlite3_errmsg(db_));
}

void Connection::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw StoreError("sqlite: " + message);
  }
}

std::optional<std::string> Connection::query_text(const std::string& sql) {
  Statement statement(*this, sql);
  if (!statement.step()) return std::nullopt;
  return statement.column_optional_text(0);
}

std::int64_t Connection::query_int(const std::string& sql) {
  Statement statement(*this, sql);
  if (!statement.step()) fail("query returned no row: " + sql);
  return statement.column_int(0);
}

Statement::Statement(Connection& connection, std::string_view sql) : connection_(connection) {
  if (sqlite3_prepare_v3(connection.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    connection.fail("cannot prepare \"" + std::string(sql) + "\"");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    connection_.fail("bind");
  }
}

void Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) connection_.fail("bind");
}

void Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) connection_.fail("bind");
}

void Statement::bind(int index, const std::optional<std::string>& value) {
  if (value) {
    bind(index, std::string_view(*value));
  } else {
    bind_null(index);
  }
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  connection_.fail("sqlite step");
}

void Statement::run() {
  if (step()) throw StoreError("statement unexpectedly returned rows");
}

std::int64_t Statement::column_int(int index) { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  const int size = sqlite3_column_bytes(stmt_, index);
  return text ? std::string(text, static_cast<std::size_t>(size)) : std::string();
}

std::optional<std::string> Statement::column_optional_text(int index) {
  if (column_is_null(index)) return std::nullopt;
  return column_text(index);
}

bool Statement::column_is_null(int index) {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  connection_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (done_) return;
  // Best effort: a failed rollback leaves SQLite to roll back on close.
  sqlite3_exec(connection_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  connection_.exec("COMMIT");
  done_ = true;
}

}  // namespace comity::sqlite
