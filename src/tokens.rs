//! `laa token`: credentials, managed directly on the database.

use std::time::Duration;

use clap::{Subcommand, ValueEnum};
use laa_core::{AreaCode, Region, Role, Scope};
use laa_store::TokenId;

use crate::client::{CliError, Exit, Format, Global, Output, Rows};
use crate::database::{ToolDatabase, open_existing};

/// A role, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Government Office negotiator (needs --region).
    GoNegotiator,
    /// Council negotiator (needs --area).
    AreaNegotiator,
    /// Minister / CLG sign-off.
    SignOff,
    /// CLG auditor: reads everything, changes nothing.
    Auditor,
    /// Administrator: areas and credentials.
    Admin,
    /// Negotiating champion: reads, comments on and brokers the agreements
    /// an administrator assigns (`laa champion assign`) to the token's label.
    Champion,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::GoNegotiator => Role::GoNegotiator,
            RoleArg::AreaNegotiator => Role::AreaNegotiator,
            RoleArg::SignOff => Role::SignOff,
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Admin => Role::Admin,
            RoleArg::Champion => Role::Champion,
        }
    }
}

/// Credential commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a bearer token; its secret is printed once and only its hash is kept.
    Issue {
        /// The role the token grants.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The Government Office region (go-negotiator): gone, gonw, goyh, goem, gowm, goeast, gol, gose, gosw.
        #[arg(long, conflicts_with = "area")]
        region: Option<String>,
        /// The area (area-negotiator), such as kent.
        #[arg(long)]
        area: Option<String>,
        /// Whose token it is, as recorded in the deal history (default: role and scope). A champion's is required, as organisation:person (clg:jsmith): the principal `laa champion assign` names.
        #[arg(long)]
        label: Option<String>,
        /// How long the token works: a number and a unit, s, m, h, d or w (30d, 12h).
        #[arg(long, default_value = "90d", value_parser = parse_lifetime)]
        expires_in: Duration,
        /// Print a one-time sign-in link to the workspace instead of the secret: it works once, within --sign-in-link-expires-in, and signs its holder in with this token.
        #[arg(long)]
        sign_in_link: bool,
        /// How long the sign-in link works if unused: a number and a unit, s, m, h, d (at most 7d).
        #[arg(long, default_value = "24h", value_parser = parse_lifetime, requires = "sign_in_link")]
        sign_in_link_expires_in: Duration,
        /// The web address the server's pages are reached at, which the link begins with.
        #[arg(
            long,
            env = "LAA_WEB_URL",
            default_value = "http://127.0.0.1:8080",
            requires = "sign_in_link"
        )]
        web_url: String,
        #[command(flatten)]
        db: ToolDatabase,
    },
    /// Replace a live token: a new secret with the same role, scope and label; the old one is revoked.
    Rotate {
        /// The token's id, such as tok_3f9a0c1b2d4e5f60.
        id: String,
        /// How long the new token works: a number and a unit, s, m, h, d or w (30d, 12h).
        #[arg(long, default_value = "90d", value_parser = parse_lifetime)]
        expires_in: Duration,
        #[command(flatten)]
        db: ToolDatabase,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        db: ToolDatabase,
    },
    /// Revoke a token by its id (as `laa token list` shows it).
    Revoke {
        /// The token's id, such as tok_3f9a0c1b2d4e5f60.
        id: String,
        #[command(flatten)]
        db: ToolDatabase,
    },
}

fn scope_for(role: Role, region: Option<String>, area: Option<String>) -> Result<Scope, CliError> {
    let usage = |m: String| CliError::usage(m);
    match (role, region, area) {
        (Role::GoNegotiator, Some(r), None) => {
            // Codes (gose) and names (south_east) alike, with suggestions.
            let region = crate::client::parse_region(&r)?;
            laa_proto::names::region_code(region)
                .parse::<Region>()
                .map(Scope::Region)
                .map_err(|e| usage(e.to_string()))
        }
        (Role::GoNegotiator, _, _) => Err(usage("a go-negotiator token needs --region (gone, gonw, goyh, goem, gowm, goeast, gol, gose, gosw)".into())),
        (Role::AreaNegotiator, None, Some(a)) => AreaCode::new(a).map(Scope::Area).map_err(|e| usage(e.to_string())),
        (Role::AreaNegotiator, _, _) => Err(usage("an area-negotiator token needs --area, such as --area kent".into())),
        (_, None, None) => Ok(Scope::National),
        (role, _, _) => Err(usage(format!("{} token is national: drop --region and --area", crate::client::words::a(&role.to_string())))),
    }
}

/// A token's lifetime as typed: `30d`, `12h`, `90m`, `45s`, `2w`.
pub fn parse_lifetime(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("'{text}' has no unit: write 30d, 12h, 90m, 45s or 2w"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' does not start with a whole number, as in 30d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        "w" => 7 * 24 * 60 * 60,
        _ => return Err(format!("unknown unit '{unit}': use s, m, h, d or w")),
    };
    match number.checked_mul(seconds) {
        Some(s) if s > 0 && s <= 3650 * 24 * 60 * 60 => Ok(Duration::from_secs(s)),
        _ => Err(format!("'{text}' is not between 1 second and 10 years")),
    }
}

/// A token as `laa token list --output json` prints it: camelCase names
/// and timestamps in UTC ending in `Z`, as the proto3 JSON mapping writes
/// them everywhere else.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    id: String,
    role: String,
    scope: String,
    label: String,
    issued: String,
    expires: Option<String>,
    last_used: Option<String>,
    revoked: Option<String>,
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::failure(e.to_string())
}

/// No live token has this id: it never existed, or it was revoked.
fn no_active_token(id: &str) -> CliError {
    CliError::new(
        Exit::NotFound,
        "NOT_FOUND",
        format!("no active token '{id}'"),
    )
    .hint("see `laa token list`")
}

/// Runs a token command.
pub async fn run(global: &Global, command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Issue {
            role,
            region,
            area,
            label,
            expires_in,
            sign_in_link,
            sign_in_link_expires_in,
            web_url,
            db,
        } => {
            let role = Role::from(role);
            let scope = scope_for(role, region, area)?;
            let label = match (role, label) {
                // A champion's label is the principal the assignments
                // name, so it must be one they can name.
                (Role::Champion, Some(label)) => {
                    laa_core::actor::champion_principal(&label).map_err(CliError::usage)?
                }
                (Role::Champion, None) => {
                    return Err(CliError::usage(
                        "a champion token needs --label, the principal assignments name, such as --label clg:jsmith",
                    ));
                }
                (_, Some(label)) => label,
                (_, None) => match &scope {
                    Scope::National => role.to_string(),
                    Scope::Region(r) => format!("{role}@{r}"),
                    Scope::Area(a) => format!("{role}@{a}"),
                },
            };
            let store = open_existing(&db.db.database_url, db.create).await?;
            if let Scope::Area(a) = &scope
                && store.queries().area(a).await.map_err(failed)?.is_none()
            {
                return Err(CliError::new(
                    Exit::NotFound,
                    "NOT_FOUND",
                    format!("there is no area '{a}'"),
                )
                .hint("list them with `laa area list`"));
            }
            let (id, secret) = store
                .credentials()
                .issue_token_for(role, scope.clone(), &label, expires_in)
                .await
                .map_err(failed)?;
            let expires = store
                .credentials()
                .list_tokens()
                .await
                .map_err(failed)?
                .into_iter()
                .find(|t| t.id == id)
                .and_then(|t| t.expires_at)
                .map_or_else(|| "never".to_owned(), utc);
            if sign_in_link {
                let code = store
                    .sessions()
                    .issue_sign_in_link(&id, sign_in_link_expires_in)
                    .await
                    .map_err(failed)?;
                store.close().await.map_err(failed)?;
                drop(secret);
                eprintln!(
                    "issued {id} ({role}, {scope}, label '{label}', expires {expires}); its one-time sign-in link (works once, for {}), shown once:",
                    humanise(sign_in_link_expires_in)
                );
                println!(
                    "{}{}/sign-in/link/{code}",
                    web_url.trim_end_matches('/'),
                    laa_workspace::ROOT
                );
                return Ok(());
            }
            store.close().await.map_err(failed)?;
            eprintln!(
                "issued {id} ({role}, {scope}, label '{label}', expires {expires}); the secret is shown once:"
            );
            println!("{secret}");
            Ok(())
        }
        TokenCommand::Rotate { id, expires_in, db } => {
            let store = open_existing(&db.db.database_url, db.create).await?;
            let rotated = store
                .credentials()
                .rotate_token(&TokenId::new(id.clone()), expires_in)
                .await;
            let (new_id, secret) = match rotated {
                Ok(issued) => issued,
                Err(laa_store::StoreError::NotFound { .. }) => {
                    store.close().await.map_err(failed)?;
                    return Err(no_active_token(&id));
                }
                Err(e) => return Err(failed(e)),
            };
            store.close().await.map_err(failed)?;
            eprintln!("revoked {id}; issued {new_id} in its place; the secret is shown once:");
            println!("{secret}");
            Ok(())
        }
        TokenCommand::List { db } => {
            let store = open_existing(&db.db.database_url, db.create).await?;
            let tokens = store.credentials().list_tokens().await.map_err(failed)?;
            let listed: Vec<Listed> = tokens
                .iter()
                .map(|t| Listed {
                    id: t.id.to_string(),
                    role: t.role.to_string(),
                    scope: t.scope.to_string(),
                    label: t.label.clone(),
                    issued: utc(t.created_at),
                    expires: t.expires_at.map(utc),
                    last_used: t.last_used_at.map(utc),
                    revoked: t.revoked_at.map(utc),
                })
                .collect();
            let out = Output::new(global.output);
            match global.output {
                Format::Json => out.json(&listed)?,
                Format::Csv => {
                    let mut rows = Rows::new(&[
                        "ID",
                        "ROLE",
                        "SCOPE",
                        "LABEL",
                        "ISSUED",
                        "EXPIRES",
                        "LAST USED",
                        "REVOKED",
                    ]);
                    for t in listed {
                        rows.push(vec![
                            t.id,
                            t.role,
                            t.scope,
                            t.label,
                            t.issued,
                            t.expires.unwrap_or_default(),
                            t.last_used.unwrap_or_default(),
                            t.revoked.unwrap_or_default(),
                        ]);
                    }
                    out.rows(&rows);
                }
                // For a terminal: to the minute, and a revoked token's
                // state in place of when it expires.
                Format::Table => {
                    let mut rows =
                        Rows::new(&["ID", "ROLE", "SCOPE", "LABEL", "EXPIRES", "LAST USED"]);
                    for t in &tokens {
                        rows.push(vec![
                            t.id.to_string(),
                            t.role.to_string(),
                            t.scope.to_string(),
                            t.label.clone(),
                            match (t.revoked_at, t.expires_at) {
                                (Some(at), _) => format!("revoked {}", minute(at)),
                                (None, Some(at)) => minute(at),
                                (None, None) => "never".into(),
                            },
                            t.last_used_at.map_or_else(|| "-".into(), minute),
                        ]);
                    }
                    out.rows(&rows);
                }
            }
            store.close().await.map_err(failed)
        }
        TokenCommand::Revoke { id, db } => {
            let store = open_existing(&db.db.database_url, db.create).await?;
            let revoked = store
                .credentials()
                .revoke_token(&TokenId::new(id.clone()))
                .await;
            store.close().await.map_err(failed)?;
            // A token that never existed and one revoked already are the
            // same failure to the operator: there is no live token to revoke.
            match revoked {
                Ok(true) => {
                    println!("revoked {id}");
                    Ok(())
                }
                Ok(false) | Err(laa_store::StoreError::NotFound { .. }) => {
                    Err(no_active_token(&id))
                }
                Err(e) => Err(failed(e)),
            }
        }
    }
}

/// A lifetime as people say it: `24 hours`, `7 days`.
fn humanise(lifetime: Duration) -> String {
    let seconds = lifetime.as_secs();
    match seconds {
        s if s % 86_400 == 0 => format!("{} day{}", s / 86_400, if s == 86_400 { "" } else { "s" }),
        s if s % 3_600 == 0 => format!("{} hour{}", s / 3_600, if s == 3_600 { "" } else { "s" }),
        s if s % 60 == 0 => format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" }),
        s => format!("{s} seconds"),
    }
}

/// A time for a terminal's table: UTC, to the minute.
fn minute(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%MZ").to_string()
}

/// A time as proto3 JSON writes it: UTC, microseconds, ending in `Z`.
fn utc(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
