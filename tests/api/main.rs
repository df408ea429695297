//! End-to-end tests: the real server on a loopback port, a fresh database
//! per test (SQLite always; PostgreSQL too when `LAA_TEST_POSTGRES_URL` is
//! set), driven by the generated tonic clients and by the `laa` binary.

mod advice;
mod backup;
mod cli;
mod cli_conventions;
mod corpus;
mod crashes;
mod credentials;
mod deal_history;
mod decimals;
mod docs;
mod edges;
mod existence;
mod fields;
mod health;
mod hostile;
mod indicator_sets;
mod indicator_sets_cli;
mod infrastructure;
mod kept_pages;
mod malformed;
mod negotiation;
mod notifications;
mod observability;
mod overdue;
mod performance;
mod permissions;
mod plain_http;
mod rounds;
mod rows;
mod rpc;
mod servers;
mod sheets;
mod startup;
mod support;
mod systemd;
mod tampering;
mod tls;
mod tls_cli;
mod upgrade;
mod web;
mod workspace;
mod workspace_browser;
