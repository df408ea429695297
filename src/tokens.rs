//! `laa token`: credentials, managed directly on the database.

use clap::{Args, Subcommand, ValueEnum};
use laa_core::{AreaCode, Region, Role, Scope};
use laa_store::TokenId;

use crate::DEFAULT_DATABASE_URL;
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

fn scope_for(role: Role, region: Option<String>, area: Option<String>) -> Result<Scope, String> {
    match (role, region, area) {
        (Role::GoNegotiator, Some(r), None) => r.parse::<Region>().map(Scope::Region).map_err(|e| format!("error: {e}")),
        (Role::GoNegotiator, _, _) => Err("error: a go-negotiator token needs --region (gone, gonw, goyh, goem, gowm, goeast, gol, gose, gosw)".into()),
        (Role::AreaNegotiator, None, Some(a)) => AreaCode::new(a).map(Scope::Area).map_err(|e| format!("error: {e}")),
        (Role::AreaNegotiator, _, _) => Err("error: an area-negotiator token needs --area, such as --area kent".into()),
        (_, None, None) => Ok(Scope::National),
        (role, _, _) => Err(format!("error: a {role} token is national: drop --region and --area")),
    }
}

/// Runs a token command.
pub async fn run(command: TokenCommand) -> Result<(), String> {
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
                && store
                    .area(a)
                    .await
                    .map_err(|e| format!("error: {e}"))?
                    .is_none()
            {
                return Err(format!(
                    "error: there is no area '{a}': list them with `laa areas list`"
                ));
            }
            let (id, secret) = store
                .issue_token(role, scope.clone(), &label)
                .await
                .map_err(|e| format!("error: {e}"))?;
            store.close().await.map_err(|e| format!("error: {e}"))?;
            eprintln!("issued {id} ({role}, {scope}, label '{label}'); the secret is shown once:");
            println!("{secret}");
            Ok(())
        }
        TokenCommand::List { db } => {
            let store = open_store(&db.database_url, SyncMode::Full).await?;
            let tokens = store
                .list_tokens()
                .await
                .map_err(|e| format!("error: {e}"))?;
            println!(
                "{:<22} {:<16} {:<14} {:<28} {:<20} REVOKED",
                "ID", "ROLE", "SCOPE", "LABEL", "ISSUED"
            );
            for t in tokens {
                println!(
                    "{:<22} {:<16} {:<14} {:<28} {:<20} {}",
                    t.id,
                    t.role,
                    t.scope.to_string(),
                    t.label,
                    t.created_at.format("%Y-%m-%d %H:%M"),
                    t.revoked_at
                        .map(|r| r.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_else(|| "-".into())
                );
            }
            store.close().await.map_err(|e| format!("error: {e}"))
        }
        TokenCommand::Revoke { id, db } => {
            let store = open_store(&db.database_url, SyncMode::Full).await?;
            let revoked = store
                .revoke_token(&TokenId::new(id.clone()))
                .await
                .map_err(|e| format!("error: {e}"))?;
            store.close().await.map_err(|e| format!("error: {e}"))?;
            if revoked {
                println!("revoked {id}");
                Ok(())
            } else {
                Err(format!(
                    "error: no active token '{id}': see `laa token list`"
                ))
            }
        }
    }
}
