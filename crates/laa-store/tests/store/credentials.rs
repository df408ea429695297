//! Credentials: tokens resolve to their principal until revoked, and only
//! their hashes are stored.

use laa_core::{AreaCode, Region, Role, Scope};
use laa_store::{StoreError, TokenId};
use sea_orm::{ConnectionTrait, Statement};

use crate::support::for_each_database;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_resolve_until_revoked() {
    for_each_database(|db| async move {
        let s = &db.store;
        let (go_id, go_secret) = s
            .credentials()
            .issue_token(
                Role::GoNegotiator,
                Scope::Region(Region::SouthEast),
                "gose:alice",
            )
            .await
            .unwrap();
        let kent = Scope::Area(AreaCode::new("kent").unwrap());
        let (kent_id, kent_secret) = s
            .credentials()
            .issue_token(Role::AreaNegotiator, kent.clone(), "kent:bob")
            .await
            .unwrap();
        assert!(go_secret.starts_with("laa_") && go_secret.len() == 4 + 64);
        assert_ne!(go_secret, kent_secret);
        assert_ne!(go_id, kent_id);

        let principal = s
            .credentials()
            .resolve_token(&kent_secret)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(principal.token_id, kent_id);
        assert_eq!(
            (principal.role, principal.scope),
            (Role::AreaNegotiator, kent)
        );
        assert_eq!(principal.label, "kent:bob");
        assert_eq!(
            s.credentials()
                .resolve_token("laa_not-a-token")
                .await
                .unwrap(),
            None
        );
        assert_eq!(s.credentials().resolve_token("").await.unwrap(), None);

        assert!(s.credentials().revoke_token(&go_id).await.unwrap());
        assert!(
            !s.credentials().revoke_token(&go_id).await.unwrap(),
            "already revoked"
        );
        assert_eq!(
            s.credentials().resolve_token(&go_secret).await.unwrap(),
            None
        );
        assert!(
            s.credentials()
                .resolve_token(&kent_secret)
                .await
                .unwrap()
                .is_some()
        );
        let err = s
            .credentials()
            .revoke_token(&TokenId::new("tok_missing"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }));

        let listed = s.credentials().list_tokens().await.unwrap();
        assert_eq!(listed.len(), 2);
        let go = listed.iter().find(|t| t.id == go_id).unwrap();
        assert!(go.revoked_at.is_some());
        assert_eq!(go.scope, Scope::Region(Region::SouthEast));
        assert!(
            listed
                .iter()
                .find(|t| t.id == kent_id)
                .unwrap()
                .revoked_at
                .is_none()
        );

        // The database holds no secret, only its hash.
        let conn = s.connection();
        let rows = conn
            .query_all_raw(Statement::from_string(
                conn.get_database_backend(),
                "SELECT id, token_hash, role, scope_kind, label FROM credentials",
            ))
            .await
            .unwrap();
        for row in rows {
            for i in 0..5 {
                let value: String = row.try_get_by_index(i).unwrap();
                assert!(!value.contains(&go_secret[4..]) && !value.contains(&kent_secret[4..]));
            }
        }
        assert!(matches!(
            s.credentials()
                .issue_token(Role::Admin, Scope::National, " ")
                .await,
            Err(StoreError::InvalidArgument { field: "label", .. })
        ));
    })
    .await;
}
