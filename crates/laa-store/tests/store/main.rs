//! The store's integration suite: one binary, every test run against SQLite
//! and, when `LAA_TEST_POSTGRES_URL` is set, against PostgreSQL too, each in
//! a fresh database (see [`support::for_each_database`]).

mod support;

mod append;
mod chain;
mod credentials;
mod disk_full;
mod dropped_connections;
mod group_commit;
mod migrations;
mod negotiation;
mod nodelay;
mod notifications;
mod reference;
mod scope;
mod sole_server;
mod sole_writer;
mod upkeep;
mod writers;
