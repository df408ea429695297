//! Stored contexts, as `gh auth login` and kubectl keep them: a server,
//! the CA certificate to trust for it and a token, under a name, in the
//! user's configuration directory (`$XDG_CONFIG_HOME/laa/contexts.json`,
//! else `~/.config/laa/contexts.json`), readable by the user alone (0600,
//! in a 0700 directory). `laa login` stores one and makes it current,
//! `laa context list` and `laa context use NAME` show and choose.
//!
//! A flag or an environment variable always wins: the context fills only
//! what neither gave (`--server`/`LAA_SERVER`, `--ca-cert`/`LAA_CA_CERT`,
//! `--token`/`LAA_TOKEN`). `--context NAME` (`LAA_CONTEXT`) picks a
//! context other than the current one for one command.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

use super::args::{DEFAULT_SERVER, Format, Global};
use super::connect::{Clients, Limits};
use super::error::{CliError, Exit};
use super::output::{Output, Rows};

/// The file's name in the configuration directory.
const FILE: &str = "contexts.json";

/// One stored context.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    /// The server's address, with its scheme.
    pub server: String,
    /// A CA certificate (PEM) to trust for the server, if one is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
    /// The bearer token.
    pub token: String,
}

/// Every stored context and the current one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contexts {
    /// The context used when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// The contexts by name.
    #[serde(default)]
    pub contexts: BTreeMap<String, Context>,
}

/// `laa login`: store a server, its CA and a token as a context.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// The context's name (default: `default`, or the one --context names).
    #[arg(long = "name", value_name = "NAME")]
    pub name: Option<String>,
    /// Store the token without checking it against the server first.
    #[arg(long)]
    pub no_check: bool,
}

/// `laa context`: the stored contexts.
#[derive(Debug, Clone, Subcommand)]
pub enum ContextCommand {
    /// List the stored contexts (never their tokens); `*` marks the current one.
    List,
    /// Make a stored context the current one.
    Use {
        /// The context's name.
        name: String,
    },
    /// Forget a stored context and its token.
    Remove {
        /// The context's name.
        name: String,
    },
}

/// The contexts file: in `$XDG_CONFIG_HOME/laa`, else `~/.config/laa`.
pub fn path() -> Result<PathBuf, CliError> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })
        .ok_or_else(|| {
            CliError::usage("no configuration directory: neither XDG_CONFIG_HOME nor HOME is set")
        })?;
    Ok(base.join("laa").join(FILE))
}

impl Contexts {
    /// The stored contexts (none when the file does not exist).
    pub fn load(file: &Path) -> Result<Self, CliError> {
        match std::fs::read_to_string(file) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                CliError::failure(format!("{} is not a contexts file: {e}", file.display()))
                    .hint("fix it, or remove it and `laa login` again")
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(CliError::failure(format!(
                "cannot read {}: {e}",
                file.display()
            ))),
        }
    }

    /// Writes the contexts, readable by the user alone: the directory 0700,
    /// the file 0600 from the moment it exists (written beside, then
    /// renamed over the old one).
    pub fn save(&self, file: &Path) -> Result<(), CliError> {
        let failed =
            |e: std::io::Error| CliError::failure(format!("cannot write {}: {e}", file.display()));
        let dir = file.parent().unwrap_or(Path::new("."));
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(failed)?;
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| CliError::failure(format!("cannot write the contexts: {e}")))?;
        let beside = file.with_extension("json.new");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = options.open(&beside).map_err(failed)?;
        // A file left by an older write may have other bits: set them.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            out.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(failed)?;
        }
        out.write_all(text.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.sync_all())
            .map_err(failed)?;
        std::fs::rename(&beside, file).map_err(failed)
    }

    /// The context `name` names, else the current one.
    pub fn chosen(&self, name: Option<&str>) -> Result<Option<(&str, &Context)>, CliError> {
        let Some(name) = name.or(self.current.as_deref()) else {
            return Ok(None);
        };
        match self.contexts.get_key_value(name) {
            Some((n, c)) => Ok(Some((n.as_str(), c))),
            None => Err(self.unknown(name)),
        }
    }

    fn unknown(&self, name: &str) -> CliError {
        let known: Vec<&str> = self.contexts.keys().map(String::as_str).collect();
        CliError::new(
            Exit::NotFound,
            "NOT_FOUND",
            format!("there is no stored context '{name}'"),
        )
        .hint(if known.is_empty() {
            "store one with `laa login`".to_owned()
        } else {
            format!(
                "stored: {}; see `laa context list`, or store it with `laa login --name {name}`",
                known.join(", ")
            )
        })
    }
}

/// The global options with what a flag or environment variable did not
/// give taken from the chosen context (`--context`, else the current one).
pub fn apply(global: &Global) -> Result<Global, CliError> {
    let file = match path() {
        Ok(file) => file,
        // With nowhere to look there is no context: unless one was asked for.
        Err(e) if global.context.is_some() => return Err(e),
        Err(_) => return Ok(global.clone()),
    };
    let contexts = Contexts::load(&file)?;
    let Some((_, context)) = contexts.chosen(global.context.as_deref())? else {
        return Ok(global.clone());
    };
    let mut filled = global.clone();
    filled.server = filled.server.or_else(|| Some(context.server.clone()));
    filled.token = filled.token.or_else(|| Some(context.token.clone()));
    filled.ca_cert = filled.ca_cert.or_else(|| context.ca_cert.clone());
    Ok(filled)
}

/// Reads the token to store: `--token`/`LAA_TOKEN`, else one line of
/// standard input (not echoed on a terminal).
fn token_to_store(global: &Global) -> Result<String, CliError> {
    if let Some(token) = global.token.as_deref().filter(|t| !t.trim().is_empty()) {
        return Ok(token.trim().to_owned());
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("token: ");
        let _ = std::io::stderr().flush();
    }
    let echo = terminal.then(EchoOff::new).flatten();
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    drop(echo);
    if terminal {
        eprintln!();
    }
    read.map_err(|e| CliError::failure(format!("cannot read the token: {e}")))?;
    let token = line.trim().to_owned();
    if token.is_empty() {
        return Err(CliError::usage("no token given").hint(
            "pass it on standard input (`laa login < token.txt`) or in LAA_TOKEN; \
             an administrator issues one with `laa token issue`",
        ));
    }
    Ok(token)
}

/// A terminal's echo turned off while a secret is typed, and on again when
/// dropped.
struct EchoOff {
    #[cfg(unix)]
    saved: libc::termios,
}

impl EchoOff {
    #[cfg(unix)]
    fn new() -> Option<Self> {
        // SAFETY: tcgetattr fills the termios it is given (a zeroed one is
        // a valid value of that plain C struct); tcsetattr reads one.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut saved) != 0 {
                return None;
            }
            let mut quiet = saved;
            quiet.c_lflag &= !libc::ECHO;
            (libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &quiet) == 0)
                .then_some(EchoOff { saved })
        }
    }

    #[cfg(not(unix))]
    fn new() -> Option<Self> {
        None
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: restores the settings read in `new`.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
    }
}

/// Runs `laa login`: checks the token against the server (any signed-in
/// principal may list the departments), then stores the context and makes
/// it current.
pub async fn login(global: &Global, args: LoginArgs) -> Result<(), CliError> {
    let file = path()?;
    let mut contexts = Contexts::load(&file)?;
    let name = args
        .name
        .or_else(|| global.context.clone())
        .unwrap_or_else(|| "default".into());
    let server = global
        .server
        .clone()
        .unwrap_or_else(|| DEFAULT_SERVER.into());
    let ca_cert = match &global.ca_cert {
        Some(ca) => Some(
            std::path::absolute(ca)
                .map_err(|e| CliError::usage(format!("cannot resolve {}: {e}", ca.display())))?,
        ),
        None => None,
    };
    if let Some(ca) = &ca_cert
        && !ca.is_file()
    {
        return Err(CliError::usage(format!(
            "--ca-cert {}: no such file",
            ca.display()
        )));
    }
    let token = token_to_store(global)?;
    if !args.no_check {
        let checking = Global {
            server: Some(server.clone()),
            ca_cert: ca_cert.clone(),
            token: Some(token.clone()),
            ..global.clone()
        };
        let limits = Limits::from_global(&checking)?;
        let mut clients = Clients::new(&server, Some(&token), limits)?;
        clients
            .indicators
            .list_departments(laa_proto::v1::ListDepartmentsRequest {})
            .await
            .map_err(|s| CliError::from_status(&s, &server))
            .map_err(|e| e.hint("nothing was stored; check the server and the token, or store it anyway with --no-check"))?;
    }
    contexts.contexts.insert(
        name.clone(),
        Context {
            server: server.clone(),
            ca_cert,
            token,
        },
    );
    contexts.current = Some(name.clone());
    contexts.save(&file)?;
    eprintln!(
        "logged in to {server} as context '{name}' (now current), stored in {}",
        file.display()
    );
    Ok(())
}

/// Runs `laa context list|use|remove`.
pub fn run(global: &Global, command: ContextCommand) -> Result<(), CliError> {
    let file = path()?;
    let mut contexts = Contexts::load(&file)?;
    match command {
        ContextCommand::List => {
            let out = Output::new(global.output);
            if global.output == Format::Json {
                let listed: Vec<serde_json::Value> = contexts
                    .contexts
                    .iter()
                    .map(|(name, c)| {
                        serde_json::json!({
                            "name": name,
                            "current": contexts.current.as_deref() == Some(name.as_str()),
                            "server": c.server,
                            "caCert": c.ca_cert,
                        })
                    })
                    .collect();
                return out.json(&listed);
            }
            let mut rows = Rows::new(&["CURRENT", "NAME", "SERVER", "CA CERT"]);
            for (name, c) in &contexts.contexts {
                rows.push(vec![
                    if contexts.current.as_deref() == Some(name.as_str()) {
                        "*".into()
                    } else {
                        String::new()
                    },
                    name.clone(),
                    c.server.clone(),
                    c.ca_cert
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                ]);
            }
            out.rows(&rows);
            Ok(())
        }
        ContextCommand::Use { name } => {
            if !contexts.contexts.contains_key(&name) {
                return Err(contexts.unknown(&name));
            }
            contexts.current = Some(name.clone());
            contexts.save(&file)?;
            eprintln!("the current context is '{name}'");
            Ok(())
        }
        ContextCommand::Remove { name } => {
            if contexts.contexts.remove(&name).is_none() {
                return Err(contexts.unknown(&name));
            }
            if contexts.current.as_deref() == Some(name.as_str()) {
                contexts.current = None;
            }
            contexts.save(&file)?;
            eprintln!("forgot the context '{name}'");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_fills_only_what_no_flag_or_variable_gave() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("laa").join(FILE);
        let mut contexts = Contexts::default();
        contexts.contexts.insert(
            "pilot".into(),
            Context {
                server: "https://pilot.example:50051".into(),
                ca_cert: Some("/etc/laa/ca.pem".into()),
                token: "laa_secret".into(),
            },
        );
        contexts.current = Some("pilot".into());
        contexts.save(&file).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&file), 0o600);
            assert_eq!(mode(file.parent().unwrap()), 0o700);
        }
        let loaded = Contexts::load(&file).unwrap();
        assert_eq!(loaded, contexts);
        let (name, chosen) = loaded.chosen(None).unwrap().unwrap();
        assert_eq!((name, chosen.token.as_str()), ("pilot", "laa_secret"));
        assert!(loaded.chosen(Some("staging")).is_err());
        assert!(
            Contexts::load(&dir.path().join("none.json"))
                .unwrap()
                .contexts
                .is_empty()
        );
    }
}
