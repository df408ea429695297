//! `laa token`: credentials, managed directly on the database.

use clap::{Args, Subcommand, ValueEnum};
use laa_core::{AreaCode, Region, Role, Scope};
use laa_store::TokenId;

use crate::DEFAULT_DATABASE_URL;
use crate::client::{CliError, Exit, Format, Global, Output, Rows};
use crate::serve::{SyncMode, open_store};

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
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::GoNegotiator => Role::GoNegotiator,
            RoleArg::AreaNegotiator => Role::AreaNegotiator,
            RoleArg::SignOff => Role::SignOff,
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// Where the database is.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// The database: sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "LAA_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
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
        /// Whose token it is, as recorded in the deal history (default: role and scope).
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Revoke a token by its id (as `laa token list` shows it).
    Revoke {
        /// The token's id, such as tok_3f9a0c1b2d4e5f60.
        id: String,
        #[command(flatten)]
        db: DatabaseArg,
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
        (role, _, _) => Err(usage(format!("a {role} token is national: drop --region and --area"))),
    }
}

/// A token as `laa token list --output json` prints it.
#[derive(Debug, serde::Serialize)]
struct Listed {
    id: String,
    role: String,
    scope: String,
    label: String,
    issued: String,
    revoked: Option<String>,
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::failure(e.to_string())
}

/// Runs a token command.
pub async fn run(global: &Global, command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Issue {
            role,
            region,
            area,
            label,
            db,
        } => {
            let role = Role::from(role);
            let scope = scope_for(role, region, area)?;
            let label = label.unwrap_or_else(|| match &scope {
                Scope::National => role.to_string(),
                Scope::Region(r) => format!("{role}@{r}"),
                Scope::Area(a) => format!("{role}@{a}"),
            });
            let store = open_store(&db.database_url, SyncMode::Full).await?;
            if let Scope::Area(a) = &scope
                && store.area(a).await.map_err(failed)?.is_none()
            {
                return Err(CliError::new(
                    Exit::NotFound,
                    "NOT_FOUND",
                    format!("there is no area '{a}'"),
                )
                .hint("list them with `laa area list`"));
            }
            let (id, secret) = store
                .issue_token(role, scope.clone(), &label)
                .await
                .map_err(failed)?;
            store.close().await.map_err(failed)?;
            eprintln!("issued {id} ({role}, {scope}, label '{label}'); the secret is shown once:");
            println!("{secret}");
            Ok(())
        }
        TokenCommand::List { db } => {
            let store = open_store(&db.database_url, SyncMode::Full).await?;
            let tokens = store.list_tokens().await.map_err(failed)?;
            let listed: Vec<Listed> = tokens
                .into_iter()
                .map(|t| Listed {
                    id: t.id.to_string(),
                    role: t.role.to_string(),
                    scope: t.scope.to_string(),
                    label: t.label,
                    issued: t.created_at.to_rfc3339(),
                    revoked: t.revoked_at.map(|r| r.to_rfc3339()),
                })
                .collect();
            let out = Output::new(global.output);
            if global.output == Format::Json {
                out.json(&listed)?;
            } else {
                let mut rows = Rows::new(&["ID", "ROLE", "SCOPE", "LABEL", "ISSUED", "REVOKED"]);
                for t in listed {
                    rows.push(vec![
                        t.id,
                        t.role,
                        t.scope,
                        t.label,
                        t.issued,
                        t.revoked.unwrap_or_else(|| "-".into()),
                    ]);
                }
                out.rows(&rows);
            }
            store.close().await.map_err(failed)
        }
        TokenCommand::Revoke { id, db } => {
            let store = open_store(&db.database_url, SyncMode::Full).await?;
            let revoked = store
                .revoke_token(&TokenId::new(id.clone()))
                .await
                .map_err(failed)?;
            store.close().await.map_err(failed)?;
            if revoked {
                println!("revoked {id}");
                Ok(())
            } else {
                Err(CliError::new(
                    Exit::NotFound,
                    "NOT_FOUND",
                    format!("no active token '{id}'"),
                )
                .hint("see `laa token list`"))
            }
        }
    }
}
