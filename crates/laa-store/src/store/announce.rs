//! Announcements between the servers of one PostgreSQL database: the
//! streams a server appended to, sent with `NOTIFY` after the commit, and
//! received with `LISTEN` by every other server, which wakes its own
//! followers (or reads the catalogue again). On SQLite a database has one server, and nothing is sent.

use std::time::Duration;

use laa_core::{AgreementId, StreamId};
use sea_orm::sqlx;

use super::Store;
use crate::error::StoreError;
use crate::options::Backend;

/// The PostgreSQL channel on which every server of a database announces
/// the agreements it appended to.
pub const EVENTS_CHANNEL: &str = "laa_events";

/// How long to wait before listening again after the notifications were
/// lost (meanwhile followers still re-read on their own).
const LISTEN_AGAIN_AFTER: Duration = Duration::from_millis(500);

impl Store {
    /// Announces to the other servers of the database that `agreements`
    /// have new events: one `NOTIFY` per agreement, all in one statement
    /// that commits without waiting for the disk (`synchronous_commit` off
    /// for it alone). An announcement only wakes followers, who also
    /// re-read on their own, so it needs no flush of its own. Does nothing
    /// on SQLite.
    pub async fn announce(&self, agreements: &[AgreementId]) -> Result<(), StoreError> {
        let ids: Vec<&str> = agreements.iter().map(AgreementId::as_str).collect();
        self.announce_names(&ids).await
    }

    /// Announces streams by their stored names.
    pub(crate) async fn announce_names(&self, ids: &[&str]) -> Result<(), StoreError> {
        if self.backend() != Backend::Postgres || ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, id) \
             FROM unnest($2::text[]) AS ids(id)",
        )
        .bind(EVENTS_CHANNEL)
        .bind(ids)
        .execute(self.connection().get_postgres_connection_pool())
        .await
        .map_err(super::db_err)?;
        Ok(())
    }

    /// Passes every agreement another server of the database announces to
    /// `announced`, for as long as the returned future is polled: it never
    /// ends on PostgreSQL, listening again after a failure (logged), and
    /// ends at once on SQLite, where there is no other server. An
    /// announcement of the National Indicator Set's stream reads the
    /// catalogue again, so that this server decides with a set another
    /// server drafted or published from a moment after its commit.
    pub async fn follow_announcements(&self, mut announced: impl FnMut(AgreementId)) {
        if self.backend() != Backend::Postgres {
            return;
        }
        let pool = self.connection().get_postgres_connection_pool().clone();
        loop {
            let listening = async {
                let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
                listener.listen(EVENTS_CHANNEL).await?;
                loop {
                    let notification = listener.recv().await?;
                    match StreamId::parse(notification.payload()) {
                        Ok(StreamId::Agreement(id)) => announced(id),
                        Ok(StreamId::IndicatorSets) => {
                            let store = self.clone();
                            tokio::spawn(async move {
                                if let Err(error) = store.refresh_catalogue().await {
                                    tracing::warn!(%error, "cannot read the catalogue another server changed");
                                }
                            });
                        }
                        Ok(_) | Err(_) => {}
                    }
                }
            };
            let ended: Result<std::convert::Infallible, sqlx::Error> = listening.await;
            let Err(error) = ended;
            tracing::warn!(%error, "lost the PostgreSQL notifications; listening again");
            tokio::time::sleep(LISTEN_AGAIN_AFTER).await;
        }
    }
}
