//! Explaining a database that cannot be opened, for `laa serve`, `laa
//! token` and `laa demo`: without the driver's internal details, and with
//! the command to run when a PostgreSQL database does not exist yet.

/// The message without locations internal to the database server, such as
/// PostgreSQL's "at line 948" (a line of its own source code).
pub fn without_internals(message: &str) -> String {
    message
        .lines()
        .map(|line| match line.rfind(" at line ") {
            Some(at) if line[at + 9..].chars().all(|c| c.is_ascii_digit()) => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// When `message` says a PostgreSQL database does not exist: the command
/// that creates it, for the URL named in the message.
pub fn missing_database_hint(message: &str) -> Option<String> {
    let start = message.find("database \"")? + "database \"".len();
    let name = &message[start..];
    let name = &name[..name.find("\" does not exist")?];
    let url = message
        .split_whitespace()
        .find(|w| w.starts_with("postgres://") || w.starts_with("postgresql://"))?
        .trim_end_matches(':');
    let rest = url.split_once("://")?.1;
    let (user, host) = match rest.split_once('@') {
        Some((credentials, host)) => (credentials.split(':').next().unwrap_or_default(), host),
        None => ("", rest),
    };
    let host = host.split(['/', '?']).next().unwrap_or_default();
    let (host, port) = host.split_once(':').unwrap_or((host, "5432"));
    let mut createdb = String::from("createdb");
    if !host.is_empty() {
        createdb.push_str(&format!(" -h {host}"));
    }
    if port != "5432" {
        createdb.push_str(&format!(" -p {port}"));
    }
    if !user.is_empty() {
        createdb.push_str(&format!(" -U {user}"));
    }
    Some(format!(
        "the database '{name}' does not exist yet: create it with `{createdb} {name}` (or `psql` and `create database {name};`), then start again; the schema is created on first start"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &str = "cannot open the database postgres://postgres@127.0.0.1:5432/laa: database error: Connection Error: error returned from database: database \"laa\" does not exist at line 948";

    #[test]
    fn internal_lines_are_dropped() {
        assert!(without_internals(MESSAGE).ends_with("database \"laa\" does not exist"));
        assert_eq!(without_internals("at line one"), "at line one");
    }

    #[test]
    fn a_missing_database_gets_the_command_that_creates_it() {
        let hint = missing_database_hint(MESSAGE).unwrap();
        assert!(
            hint.contains("`createdb -h 127.0.0.1 -U postgres laa`"),
            "{hint}"
        );
        assert_eq!(missing_database_hint("connection refused"), None);
    }
}
