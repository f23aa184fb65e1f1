// The server-side subcommands of `comity`, registered by main.cpp.
#pragma once
#include <CLI/CLI.hpp>

// `comity serve`: the Perspective-compatible HTTP API.
void register_serve_command(CLI::App& app);
// `comity keys create|list|revoke`: API keys and their per-minute quota.
void register_keys_command(CLI::App& app);
// `comity feedback export`: suggestscore feedback as JSONL for training.
void register_feedback_command(CLI::App& app);
// `comity webhooks add|list|remove|deliveries|replay`: signed POSTs on every decision.
void register_webhooks_command(CLI::App& app);
// `comity users create|list|disable|enable|reset-password|end-sessions`: console accounts.
void register_users_command(CLI::App& app);
// `comity policy check|dry-run`: validate moderation policies and replay history.
void register_policy_command(CLI::App& app);
// `comity import`: sites' comment exports into the store, decided by policy.
void register_import_command(CLI::App& app);
