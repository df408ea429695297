//! Test support shared by laa's suites (a dev-dependency only).
//!
//! - [`FreshPostgres`]: a database created on the test PostgreSQL server
//!   for one test, dropped after it, even when the test panics.
//! - [`with_database`]: the URL of another database on the same server.
//! - [`POSTGRES_ENV`]: the variable naming that server.
//! - [`rust_sources`]: the Rust sources under a folder, for the tests that
//!   hold an architecture invariant by reading the code.

#![warn(missing_docs)]

use sea_orm::{ConnectionTrait, Database};

/// The environment variable that names the test PostgreSQL server (an
/// admin URL such as `postgres://postgres@127.0.0.1:5432/test`); the
/// suites run on PostgreSQL too when it is set.
pub const POSTGRES_ENV: &str = "LAA_TEST_POSTGRES_URL";

/// A database created on the test server for one test; dropped with it.
pub struct FreshPostgres {
    admin_url: String,
    name: String,
    /// The new database's URL.
    pub url: String,
}

impl FreshPostgres {
    /// Creates a database named `{prefix}_{pid}_{random}` on the server of
    /// `admin_url`. Panics, never skips, when that server cannot be reached.
    pub async fn create(admin_url: &str, prefix: &str) -> Self {
        let admin = Database::connect(admin_url).await.unwrap_or_else(|e| {
            panic!(
                "{POSTGRES_ENV} is set to {admin_url}, but PostgreSQL cannot be reached there: {e}"
            )
        });
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes).expect("random bytes");
        let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("{prefix}_{}_{suffix}", std::process::id());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        admin.close().await.ok();
        Self {
            admin_url: admin_url.to_owned(),
            url: with_database(admin_url, &name),
            name,
        }
    }
}

impl Drop for FreshPostgres {
    /// Drops the database, best effort, from a thread of its own (a test
    /// that panicked may be unwinding out of its runtime).
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok();
                    admin.close().await.ok();
                }
            });
        });
        dropper.join().ok();
    }
}

pub use laa_store::tools::with_database;

/// Every `.rs` file under `dir`, at any depth, skipping build output
/// (`target`), hidden folders and, unless `with_tests`, test folders
/// (`tests`): what an architecture test reads to hold an invariant of the
/// code. Panics when a folder cannot be read, which fails the test.
pub fn rust_sources(dir: &std::path::Path, with_tests: bool) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", folder.display()));
        for entry in entries {
            let path = entry.expect("a folder's entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                let skipped =
                    name == "target" || name.starts_with('.') || (!with_tests && name == "tests");
                if !skipped {
                    folders.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn another_database_on_the_same_server() {
        assert_eq!(
            with_database("postgres://u@h:5432/test?sslmode=require", "laa_x"),
            "postgres://u@h:5432/laa_x?sslmode=require"
        );
        assert_eq!(
            with_database("postgres://u@h", "laa_x"),
            "postgres://u@h/laa_x"
        );
    }
}
