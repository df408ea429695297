//! The names of the schema's tables and columns, shared by every migration.

use sea_orm_migration::prelude::*;

/// The table whose presence says a database holds laa's schema (the
/// event log, created by the first migrations and never dropped by an
/// upgrade).
pub const LAA_TABLE: &str = "events";

/// Versions of the National Indicator Set.
#[derive(DeriveIden)]
pub enum IndicatorSets {
    /// The table.
    Table,
    /// The set's version: the year it was published (primary key).
    Version,
    /// `draft` or `published`.
    Status,
}

/// Each indicator as listed in one set version.
#[derive(DeriveIden)]
pub enum Indicators {
    /// The table.
    Table,
    /// The set version listing it (part of the primary key).
    SetVersion,
    /// The indicator's number (part of the primary key).
    Number,
    /// Its title.
    Title,
    /// Its subject group.
    SubjectGroup,
    /// The PSA it is linked to, if any.
    Psa,
    /// The department whose DSO it is linked to, if any.
    DsoDepartment,
    /// True for the statutory education indicators.
    Statutory,
    /// `active` or `withdrawn` in this set version.
    Status,
    /// The set version that introduced it.
    AddedIn,
    /// The set version that withdrew it, if any.
    WithdrawnIn,
    /// How many of the 2008 agreements chose it.
    #[sea_orm(iden = "laa_selections_2008")]
    LaaSelections2008,
}

/// The nine Government Office regions.
#[derive(DeriveIden)]
pub enum Regions {
    /// The table.
    Table,
    /// The region's code, such as `gose` (primary key).
    Code,
    /// The Government Office's name.
    Name,
}

/// The upper-tier areas.
#[derive(DeriveIden)]
pub enum Areas {
    /// The table.
    Table,
    /// The area's code, such as `kent` (primary key).
    Code,
    /// Its name.
    Name,
    /// Its region's code.
    Region,
    /// `county`, `unitary`, `metropolitan` or `london_borough`.
    Kind,
    /// When it was created.
    CreatedAt,
    /// Its population as last set, as JSON, or null.
    Population,
}

/// The agreement projection: one row per agreement, its state as of its last event.
#[derive(DeriveIden)]
pub enum Agreements {
    /// The table.
    Table,
    /// The agreement's id (primary key).
    Id,
    /// Its area's code.
    Area,
    /// Its region's code.
    Region,
    /// Its status.
    Status,
    /// Its version: the sequence of its last event.
    Version,
    /// The indicator set version it is bound to.
    IndicatorSet,
    /// The hash of its last event.
    HeadHash,
    /// When its last event was appended.
    UpdatedAt,
    /// The version the snapshot is of (at most a few events behind).
    SnapshotVersion,
    /// The whole state at `snapshot_version`, as JSON. Last, so that on
    /// SQLite the columns updated by every append sit before its overflow pages.
    Snapshot,
    /// The round it belongs to (`2008-11`): added after `snapshot`, and
    /// read from an index, never from the row.
    Round,
}

/// The target projection: one row per target, for queries across agreements.
#[derive(DeriveIden)]
pub enum Targets {
    /// The table.
    Table,
    /// The agreement (part of the primary key).
    AgreementId,
    /// The target's number within it (part of the primary key).
    TargetId,
    /// The National Indicator, for national targets.
    IndicatorNumber,
    /// The local indicator's code, for local targets.
    LocalCode,
    /// `statutory`, `designated` or `local`.
    Kind,
    /// The target's status.
    Status,
    /// The agreed terms, as JSON, if any.
    Terms,
    /// The refresh an agreed placeholder is due in.
    DueRefresh,
    /// When the row last changed.
    UpdatedAt,
}

/// The event log: every agreement's history, append-only, hash-chained.
#[derive(DeriveIden)]
pub enum Events {
    /// The table.
    Table,
    /// A global, monotonically increasing position across all agreements.
    Id,
    /// The agreement.
    AgreementId,
    /// The event's sequence within its agreement, from 1.
    Sequence,
    /// When the store recorded it.
    RecordedAt,
    /// The principal whose command it records.
    Actor,
    /// The event's kind, such as `offer_made`.
    Kind,
    /// The event, as canonical JSON.
    Payload,
    /// The request id of the command that produced it.
    RequestId,
    /// The previous event's hash (64 zeros for the first).
    PrevHash,
    /// This event's SHA-256 hash, in hex.
    Hash,
}

/// The idempotency records: one per applied request.
#[derive(DeriveIden)]
pub enum Requests {
    /// The table.
    Table,
    /// The agreement (part of the primary key).
    AgreementId,
    /// The request id (part of the primary key).
    RequestId,
    /// The first sequence it appended.
    FirstSequence,
    /// The last sequence it appended.
    LastSequence,
    /// The agreement's version after it.
    Version,
    /// When it was applied.
    CreatedAt,
    /// Hex SHA-256 of the request first sent with the id (null before it was kept).
    Fingerprint,
}

/// Credentials: hashes of bearer tokens, with their role and scope.
#[derive(DeriveIden)]
pub enum Credentials {
    /// The table.
    Table,
    /// The token's public id (primary key).
    Id,
    /// SHA-256 of the secret, in hex.
    TokenHash,
    /// The role it grants.
    Role,
    /// `national`, `region` or `area`.
    ScopeKind,
    /// The region or area code, for scoped tokens.
    ScopeValue,
    /// When it stops working (`NULL`: never, for tokens issued before expiry existed).
    ExpiresAt,
    /// When it last authenticated a call (updated at most once a minute).
    LastUsedAt,
    /// A label saying whose it is.
    Label,
    /// When it was issued.
    CreatedAt,
    /// When it was revoked, if it was.
    RevokedAt,
}

/// Agreements whose history is known to be broken: writes to them are
/// refused until an administrator restores the history.
#[derive(DeriveIden)]
pub enum BrokenHistories {
    /// The table.
    Table,
    /// The agreement.
    AgreementId,
    /// The first sequence that is not what was appended.
    FirstBadSequence,
    /// What was found.
    Problem,
    /// When it was found.
    FoundAt,
}

/// The negotiating rounds, each with its whole policy.
#[derive(DeriveIden)]
pub enum Rounds {
    /// The table.
    Table,
    /// The round's name, such as `2008-11` (primary key).
    Name,
    /// The indicator set version the round's policy was validated against.
    IndicatorSet,
    /// The round's policy (`laa_core::RoundPolicy`), as JSON.
    Policy,
    /// When the round was created.
    CreatedAt,
}

/// The columns `m20261126_000030_indicator_set_consultation` adds to
/// `indicator_sets` and `indicators`.
#[derive(DeriveIden)]
pub enum SetConsultation {
    /// `indicator_sets.based_on`: the published set a draft was drafted from.
    BasedOn,
    /// `indicator_sets.consultation_opens`: the window's first day (`YYYY-MM-DD`).
    ConsultationOpens,
    /// `indicator_sets.consultation_closes`: the first day of publication (`YYYY-MM-DD`).
    ConsultationCloses,
    /// `indicator_sets.created_at`: when the draft was created.
    CreatedAt,
    /// `indicator_sets.published_at`: when the set was published through the API.
    PublishedAt,
    /// `indicators.definition`: the indicator (`laa_core::Indicator`) as JSON,
    /// the whole of it, in the set's wording.
    Definition,
}

/// Comments recorded on a draft indicator set during its consultation.
#[derive(DeriveIden)]
pub enum IndicatorSetComments {
    /// The table.
    Table,
    /// The comment's id, in the order comments were recorded.
    Id,
    /// The set version commented on.
    SetVersion,
    /// The principal who commented.
    Author,
    /// Their role.
    Role,
    /// What they said.
    Text,
    /// When.
    CreatedAt,
}

/// The workspace's sessions: a person signed in with a token.
#[derive(DeriveIden)]
pub enum Sessions {
    /// The table.
    Table,
    /// SHA-256 of the session cookie's secret, in hex (primary key).
    IdHash,
    /// The token the session acts for.
    TokenId,
    /// The session's anti-forgery token, sent in every form.
    Csrf,
    /// When it began.
    CreatedAt,
    /// When it stops working, whatever happens meanwhile.
    ExpiresAt,
    /// When the person signed out, if they did.
    EndedAt,
}

/// One-time sign-in links an administrator issued.
#[derive(DeriveIden)]
pub enum SignInLinks {
    /// The table.
    Table,
    /// SHA-256 of the link's code, in hex (primary key).
    CodeHash,
    /// The token a sign-in by the link acts for.
    TokenId,
    /// When it was issued.
    CreatedAt,
    /// When it stops working if unused.
    ExpiresAt,
    /// When it was used (a link works once).
    UsedAt,
}

/// Who asked to be told by email when something starts waiting on them,
/// and what they have been told of.
#[derive(DeriveIden)]
pub enum NotificationSubscriptions {
    /// The table.
    Table,
    /// The token the person signs in with (primary key).
    TokenId,
    /// Where to write; empty only while notifications are off.
    Email,
    /// True while the person wants to be told.
    Enabled,
    /// What waits on them and has been told (or is being told), as a JSON
    /// array of item keys: only an item missing from it is sent.
    Notified,
    /// Bumped on every change of `notified`, so that of two servers only
    /// one claims an item.
    Version,
    /// When the person last changed the subscription.
    UpdatedAt,
}

/// The column of `indicator_sets` added for relations between indicators.
#[derive(DeriveIden)]
pub enum IndicatorRelations {
    /// `indicator_sets.relations`: the set's relations
    /// (`Vec<laa_core::catalogue::Relation>`) as JSON; null for none.
    Relations,
}
