//! sea-orm entities for the tables the migrations create.
//!
//! These are the store's private view of the schema; the public API speaks
//! in `laa-core` types. Column names follow `laa_migration::tables`.

/// `indicator_sets`: versions of the National Indicator Set.
pub mod indicator_set {
    use sea_orm::entity::prelude::*;

    /// One set version.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "indicator_sets")]
    pub struct Model {
        /// The year of publication.
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        /// `draft` or `published`.
        pub status: String,
        /// The published set a draft was drafted from (none for the embedded sets).
        pub based_on: Option<i32>,
        /// The consultation's first day, `YYYY-MM-DD`.
        pub consultation_opens: Option<String>,
        /// The consultation's end: the first day of publication, `YYYY-MM-DD`.
        pub consultation_closes: Option<String>,
        /// When the draft was created through the API.
        pub created_at: Option<DateTimeUtc>,
        /// When it was published through the API.
        pub published_at: Option<DateTimeUtc>,
        /// The relations it declares between its indicators, as JSON; null for none.
        pub relations: Option<String>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `indicators`: each indicator as listed in one set version.
pub mod indicator {
    use sea_orm::entity::prelude::*;

    /// One indicator in one set.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "indicators")]
    pub struct Model {
        /// The set version.
        #[sea_orm(primary_key, auto_increment = false)]
        pub set_version: i32,
        /// The NI number.
        #[sea_orm(primary_key, auto_increment = false)]
        pub number: i32,
        /// Title.
        pub title: String,
        /// Subject group.
        pub subject_group: String,
        /// PSA number, if linked to one.
        pub psa: Option<i32>,
        /// DSO department, if linked to one.
        pub dso_department: Option<String>,
        /// Statutory flag.
        pub statutory: bool,
        /// `active` or `withdrawn`.
        pub status: String,
        /// Set version that introduced it.
        pub added_in: i32,
        /// Set version that withdrew it.
        pub withdrawn_in: Option<i32>,
        /// How many 2008 agreements chose it.
        #[sea_orm(column_name = "laa_selections_2008")]
        pub laa_selections_2008: Option<i32>,
        /// The whole indicator (`laa_core::Indicator`) as JSON, in this
        /// set's wording; the columns above are kept for queries.
        #[sea_orm(column_type = "Text", nullable)]
        pub definition: Option<String>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `regions`: the nine Government Office regions.
pub mod region {
    use sea_orm::entity::prelude::*;

    /// One region.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "regions")]
    pub struct Model {
        /// Its code, such as `gose`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        /// The Government Office's name.
        pub name: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `areas`: the upper-tier areas.
pub mod area {
    use sea_orm::entity::prelude::*;

    /// One area.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "areas")]
    pub struct Model {
        /// Its code, such as `kent`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        /// Its name.
        pub name: String,
        /// Its region's code.
        pub region: String,
        /// Its kind.
        pub kind: String,
        /// When it was created.
        pub created_at: DateTimeUtc,
        /// Its population as last set (`laa_core::area::Population` as JSON).
        pub population: Option<String>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `agreements`: the agreement projection.
pub mod agreement {
    use sea_orm::entity::prelude::*;

    /// One agreement as of its last event.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreements")]
    pub struct Model {
        /// Its id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Its area's code.
        pub area: String,
        /// Its region's code.
        pub region: String,
        /// Its status.
        pub status: String,
        /// Its version.
        pub version: i64,
        /// The bound indicator set.
        pub indicator_set: Option<i32>,
        /// The hash of its last event.
        pub head_hash: String,
        /// When its last event was appended.
        pub updated_at: DateTimeUtc,
        /// The version the snapshot is of.
        pub snapshot_version: i64,
        /// The whole state at `snapshot_version`, as JSON.
        #[sea_orm(column_type = "Text")]
        pub snapshot: String,
        /// The round it belongs to (`2008-11`).
        pub round: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `targets`: the target projection.
pub mod target {
    use sea_orm::entity::prelude::*;

    /// One target of one agreement.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "targets")]
    pub struct Model {
        /// The agreement.
        #[sea_orm(primary_key, auto_increment = false)]
        pub agreement_id: String,
        /// The target's number.
        #[sea_orm(primary_key, auto_increment = false)]
        pub target_id: i32,
        /// The National Indicator, for national targets.
        pub indicator_number: Option<i32>,
        /// The local indicator's code, for local targets.
        pub local_code: Option<String>,
        /// Its kind.
        pub kind: String,
        /// Its status.
        pub status: String,
        /// The agreed terms as JSON.
        #[sea_orm(column_type = "Text", nullable)]
        pub terms: Option<String>,
        /// The refresh an agreed placeholder is due in.
        pub due_refresh: Option<String>,
        /// When the row last changed.
        pub updated_at: DateTimeUtc,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `events`: the event log.
pub mod event {
    use sea_orm::entity::prelude::*;

    /// One stored event.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "events")]
    pub struct Model {
        /// Global position.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The agreement.
        pub agreement_id: String,
        /// Sequence within the agreement.
        pub sequence: i64,
        /// When the store recorded it.
        pub recorded_at: DateTimeUtc,
        /// The acting principal.
        pub actor: String,
        /// The event's kind.
        pub kind: String,
        /// The event as canonical JSON.
        #[sea_orm(column_type = "Text")]
        pub payload: String,
        /// The request that produced it.
        pub request_id: String,
        /// The previous event's hash.
        pub prev_hash: String,
        /// This event's hash.
        pub hash: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `requests`: the idempotency records.
pub mod request {
    use sea_orm::entity::prelude::*;

    /// One applied request.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "requests")]
    pub struct Model {
        /// The agreement.
        #[sea_orm(primary_key, auto_increment = false)]
        pub agreement_id: String,
        /// The request id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub request_id: String,
        /// First sequence appended.
        pub first_sequence: i64,
        /// Last sequence appended.
        pub last_sequence: i64,
        /// Version after it.
        pub version: i64,
        /// When it was applied.
        pub created_at: DateTimeUtc,
        /// The request's fingerprint (`None` for records older than it).
        pub fingerprint: Option<String>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `credentials`: token hashes with role and scope.
pub mod credential {
    use sea_orm::entity::prelude::*;

    /// One issued token.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "credentials")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// SHA-256 of the secret, hex.
        #[sea_orm(unique)]
        pub token_hash: String,
        /// Role.
        pub role: String,
        /// `national`, `region` or `area`.
        pub scope_kind: String,
        /// Region or area code.
        pub scope_value: Option<String>,
        /// Whose it is.
        pub label: String,
        /// Issued at.
        pub created_at: DateTimeUtc,
        /// Revoked at.
        pub revoked_at: Option<DateTimeUtc>,
        /// Stops working at (`None`: never; tokens issued before expiry existed).
        pub expires_at: Option<DateTimeUtc>,
        /// Last authenticated a call at (updated at most once a minute).
        pub last_used_at: Option<DateTimeUtc>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `rounds` table.
pub mod round {
    use sea_orm::entity::prelude::*;

    /// One negotiating round.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rounds")]
    pub struct Model {
        /// Its name, such as `2008-11`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        /// The indicator set version its policy was validated against.
        pub indicator_set: i32,
        /// Its policy, as JSON.
        #[sea_orm(column_type = "Text")]
        pub policy: String,
        /// When it was created.
        pub created_at: DateTimeUtc,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `indicator_set_comments`: comments recorded on draft sets.
pub mod indicator_set_comment {
    use sea_orm::entity::prelude::*;

    /// One comment.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "indicator_set_comments")]
    pub struct Model {
        /// Its id, in recording order.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The set version commented on.
        pub set_version: i32,
        /// The principal who commented.
        pub author: String,
        /// Their role.
        pub role: String,
        /// What they said.
        #[sea_orm(column_type = "Text")]
        pub text: String,
        /// When.
        pub created_at: DateTimeUtc,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `sessions`: the workspace's signed-in sessions.
pub mod session {
    use sea_orm::entity::prelude::*;

    /// One session.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        /// SHA-256 of the cookie's secret, hex.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        /// The token it acts for.
        pub token_id: String,
        /// The anti-forgery token of its forms.
        pub csrf: String,
        /// Began at.
        pub created_at: DateTimeUtc,
        /// Stops working at.
        pub expires_at: DateTimeUtc,
        /// Signed out at.
        pub ended_at: Option<DateTimeUtc>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `sign_in_links`: one-time sign-in links.
pub mod sign_in_link {
    use sea_orm::entity::prelude::*;

    /// One link.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sign_in_links")]
    pub struct Model {
        /// SHA-256 of the code, hex.
        #[sea_orm(primary_key, auto_increment = false)]
        pub code_hash: String,
        /// The token a sign-in by it acts for.
        pub token_id: String,
        /// Issued at.
        pub created_at: DateTimeUtc,
        /// Stops working at, if unused.
        pub expires_at: DateTimeUtc,
        /// Used at.
        pub used_at: Option<DateTimeUtc>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `notification_subscriptions`: who is told by email what waits on them.
pub mod notification_subscription {
    use sea_orm::entity::prelude::*;

    /// One person's subscription.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_subscriptions")]
    pub struct Model {
        /// The token the person signs in with.
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_id: String,
        /// Where to write.
        pub email: String,
        /// True while they want to be told.
        pub enabled: bool,
        /// The items told, a JSON array of keys.
        pub notified: String,
        /// Bumped on every change of `notified`.
        pub version: i64,
        /// Last changed by the person at.
        pub updated_at: DateTimeUtc,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
