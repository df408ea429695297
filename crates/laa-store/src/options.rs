//! How a [`Store`](crate::Store) opens its database.

use std::fmt;
#[cfg(feature = "test-hooks")]
use std::future::Future;
#[cfg(feature = "test-hooks")]
use std::pin::Pin;
#[cfg(feature = "test-hooks")]
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::StoreError;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, embedded: `sqlite://laa.db?mode=rwc`.
    Sqlite,
    /// PostgreSQL: `postgres://user@host:5432/db`.
    Postgres,
}

impl Backend {
    /// The backend a database URL names.
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::invalid(
                "database_url",
                "use sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DB",
            ))
        }
    }
}

/// The file an SQLite URL names (`sqlite://laa.db?mode=rwc` -> `laa.db`);
/// `None` for an in-memory database or another backend's URL.
pub fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then_some(path)
}

/// A database URL as it may be shown (in an error, a log line, a metric):
/// any password masked, in the user information (`postgres://u:***@host`)
/// and in the query (`?password=***`). Everything else is kept, so that
/// the reader can tell which database was meant.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Not a URL as written (`postgres:/u:pw@host`, `u:pw@host`): every
        // run that may be a password masked all the same.
        return masked_secrets(url, url);
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    // The last `@` ends the user information: a password may hold `@` or
    // `/` when its writer did not percent-encode it.
    let mut shown = format!("{scheme}://");
    match before_query.rsplit_once('@') {
        Some((credentials, host)) => {
            match credentials.split_once(':') {
                Some((user, _)) => shown.push_str(&format!("{user}:***")),
                None => shown.push_str(credentials),
            }
            shown.push('@');
            shown.push_str(host);
        }
        None => shown.push_str(before_query),
    }
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&pairs.join("&"));
    }
    shown
}

/// `text` (an error message that may quote the URL, as the database
/// driver's do) with every secret of `url` masked: the URL itself shown as
/// [`redacted`] does, and the password wherever else it appears (as
/// written, or percent-decoded).
pub fn masked(text: &str, url: &str) -> String {
    masked_secrets(&text.replace(url, &redacted(url)), url)
}

/// `text` with every secret of `url` replaced by `***`.
fn masked_secrets(text: &str, url: &str) -> String {
    let mut text = text.to_owned();
    for secret in secrets(url) {
        text = text.replace(&secret, "***");
    }
    text
}

/// The passwords a database URL carries, as written and percent-decoded.
/// A URL written wrongly (one slash, no scheme) still has its user
/// information before its last `@`: everything in it after the first `:`
/// may be a password, and is taken as one.
fn secrets(url: &str) -> Vec<String> {
    let (before_query, query) = match url.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (url, None),
    };
    let mut found = Vec::new();
    if let Some((credentials, _)) = before_query.rsplit_once('@') {
        let user_information = credentials
            .split_once("://")
            .map_or(credentials, |(_, after)| after);
        if let Some((_, password)) = user_information.split_once(':') {
            found.push(password.to_owned());
        }
        if !credentials.contains("://")
            && let Some((_, after_colon)) = credentials.split_once(':')
        {
            found.push(after_colon.to_owned());
        }
    }
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        if let Some((key, value)) = pair.split_once('=')
            && key.eq_ignore_ascii_case("password")
        {
            found.push(value.to_owned());
        }
    }
    let decoded: Vec<String> = found.iter().map(|s| percent_decoded(s)).collect();
    found.extend(decoded);
    found.retain(|s| !s.is_empty());
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found.dedup();
    found
}

/// `%XX` escapes decoded (invalid ones kept as written).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// SQLite's `synchronous` setting in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is synced to disk before it is acknowledged: an
    /// acknowledged write survives power loss. The default.
    #[default]
    Full,
    /// Commits are synced at checkpoints only: faster, and still never
    /// corrupt, but the last acknowledged writes may be lost on power loss
    /// (not on a crash of the process).
    Normal,
}

/// A hook awaited inside an append's transaction, after every row is
/// written and before the commit. Only fault-injection tests set one (to
/// kill or stall a writer mid-transaction), and only with the `test-hooks`
/// feature, which only dev-dependencies enable.
#[cfg(feature = "test-hooks")]
pub type BeforeCommit = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Without the `test-hooks` feature no hook can exist: the type has no
/// value, so a production build's appends take no path but the committer's.
#[cfg(not(feature = "test-hooks"))]
#[derive(Clone)]
pub enum BeforeCommit {}

/// Awaits a hook.
#[cfg(feature = "test-hooks")]
pub(crate) async fn run_hook(hook: &BeforeCommit) {
    hook().await;
}

/// A hook that cannot exist is never awaited.
#[cfg(not(feature = "test-hooks"))]
pub(crate) async fn run_hook(hook: &BeforeCommit) {
    match *hook {}
}

/// Settings for [`Store::connect`](crate::Store::connect).
#[derive(Clone)]
pub struct StoreOptions {
    /// SQLite only: `FULL` (default) or `NORMAL`; see [`Synchronous`].
    pub sqlite_synchronous: Synchronous,
    /// SQLite only: how long a write waits for another process's write
    /// lock before it fails. Writers in the same process queue on a mutex
    /// and never reach this limit.
    pub busy_timeout: Duration,
    /// The connection pool's size; `None` for the default (SQLite 8,
    /// PostgreSQL 20).
    pub max_connections: Option<u32>,
    /// How long to wait for a pooled connection before failing.
    pub acquire_timeout: Duration,
    /// This store is the only writer of the database's agreements (one
    /// `laa serve` on its SQLite file): a read of an agreement it holds
    /// the head of answers from memory, without asking the database
    /// whether another process moved it on. On SQLite, `Store::connect`
    /// then takes an exclusive lock on the file `<database>.lock` for the
    /// store's life, and fails if another sole writer holds it. Ignored on
    /// PostgreSQL, where several servers may share one database, and for
    /// an in-memory SQLite database.
    pub sole_writer: bool,
    /// How a server's store holds a PostgreSQL database beside other
    /// servers (`None` for a store that does not serve: the CLI's tools).
    /// Ignored on SQLite, where a server is always its database's sole
    /// writer (see `sole_writer`).
    pub postgres_server: Option<PostgresServer>,
    /// Fault injection for tests; see [`BeforeCommit`]. A store with this
    /// hook appends in the caller's task, one command a transaction (no
    /// group commit), so that aborting the caller aborts its transaction.
    #[cfg(feature = "test-hooks")]
    pub before_commit: Option<BeforeCommit>,
    /// Fault injection for tests: awaited inside each group commit's
    /// transaction, after every row of the batch is written and before the
    /// commit (with the number of appends in the batch known to the hook's
    /// caller only through what it observes). `None` in production.
    #[cfg(feature = "test-hooks")]
    pub before_batch_commit: Option<BeforeCommit>,
    /// How many group commits may be written at once; `None` for the
    /// default ([`DEFAULT_BATCHES_IN_FLIGHT`] on PostgreSQL). SQLite writes
    /// one transaction at a time, so there it is always 1.
    pub batches_in_flight: Option<usize>,
    /// Whether opening may give the database laa's schema.
    pub schema: Schema,
    /// The clock the store records times by and the server decides by
    /// ([`Clock::System`] but for a server replaying a historic round).
    pub clock: Clock,
}

/// Whether opening a database may give it laa's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schema {
    /// Create the schema and reference data if they are missing, and bring
    /// an older schema up to date: what a server does.
    #[default]
    Prepare,
    /// Only a database that has laa's schema already (an older one is
    /// brought up to date): what the operator tools do, so that they never
    /// make a database no server uses. Checked under the schema lock, so a
    /// tool opening a database that a server is preparing waits for it.
    Existing,
    /// A database that a copy of another's streams is written into: the
    /// schema is created or brought up to date as by [`Schema::Prepare`],
    /// but no reference stream is begun (the copy brings them), and a
    /// database holding any event is refused with
    /// [`crate::StoreError::AlreadyExists`].
    Copy,
}

/// PostgreSQL: how many group commits a store writes at once by default.
/// Each is a transaction on a connection of its own; PostgreSQL flushes
/// the commits that arrive together with one write of its log, so while
/// one batch waits for its flush the next is already being written.
pub const DEFAULT_BATCHES_IN_FLIGHT: usize = 4;

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sqlite_synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(30),
            max_connections: None,
            acquire_timeout: Duration::from_secs(30),
            sole_writer: false,
            postgres_server: None,
            #[cfg(feature = "test-hooks")]
            before_commit: None,
            #[cfg(feature = "test-hooks")]
            before_batch_commit: None,
            batches_in_flight: None,
            schema: Schema::Prepare,
            clock: Clock::System,
        }
    }
}

impl fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("StoreOptions");
        debug
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .field("busy_timeout", &self.busy_timeout)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("sole_writer", &self.sole_writer);
        #[cfg(feature = "test-hooks")]
        debug
            .field("before_commit", &self.before_commit.is_some())
            .field("before_batch_commit", &self.before_batch_commit.is_some());
        debug
            .field("batches_in_flight", &self.batches_in_flight)
            .field("schema", &self.schema)
            .field("clock", &self.clock)
            .finish()
    }
}

/// How a server holds its PostgreSQL database (an advisory lock held for
/// the server's life on a connection of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostgresServer {
    /// Several servers share the database: a read of an agreement asks the
    /// database for its head, so a write through another server is seen
    /// at once. No sole server can start beside them.
    Shared,
    /// This server is the database's only server (`laa serve
    /// --sole-server`): reads answer from the heads it remembers, and no
    /// other server can start beside it.
    Sole,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_url_holds_no_password() {
        for (url, shown) in [
            (
                "postgres://laa:s3cret@db:5432/laa",
                "postgres://laa:***@db:5432/laa",
            ),
            (
                "postgres://laa:p@ss/w0rd@db/laa?sslmode=require",
                "postgres://laa:***@db/laa?sslmode=require",
            ),
            (
                "postgresql://db/laa?user=laa&password=s3cret",
                "postgresql://db/laa?user=laa&password=***",
            ),
            ("postgres://laa@db/laa", "postgres://laa@db/laa"),
            ("sqlite://laa.db?mode=rwc", "sqlite://laa.db?mode=rwc"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redacted(url), shown, "{url}");
        }
    }

    #[test]
    fn a_message_quoting_the_url_or_the_password_is_masked() {
        let url = "postgres://laa:p%40ss@db/laa?password=other";
        let message = format!("cannot parse '{url}'; also p@ss, p%40ss and other");
        let shown = masked(&message, url);
        for secret in ["p@ss", "p%40ss", "other"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("postgres://laa:***@db/laa"), "{shown}");
    }

    #[test]
    fn a_url_written_wrongly_shows_no_password_either() {
        for url in [
            "postgres:/u:S3cret@127.0.0.1/db",
            "u:S3cret@127.0.0.1:5432/db",
            "sqlite://u:S3cret@/tmp/x.db",
            "postgres//u:S3cret@h/db",
        ] {
            assert!(
                !redacted(url).contains("S3cret"),
                "{url}: {}",
                redacted(url)
            );
            let message = format!("cannot open {url}: /tmp/u:S3cret@/x.db");
            assert!(!masked(&message, url).contains("S3cret"), "{url}");
        }
    }

    #[test]
    fn an_sqlite_url_names_its_file() {
        assert_eq!(sqlite_file("sqlite://laa.db?mode=rwc"), Some("laa.db"));
        assert_eq!(
            sqlite_file("sqlite:/var/lib/laa/laa.db"),
            Some("/var/lib/laa/laa.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://db/laa"), None);
    }
}
