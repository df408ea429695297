//! Email notification subscriptions: an address is needed to be told;
//! turning them on takes what already waits as told; of two writers of the
//! told set only one wins; an unsent item is forgotten to be sent again; a
//! revoked token's holder is nobody to tell; a rotated token keeps its
//! holder's subscription.

use std::collections::BTreeSet;
use std::time::Duration;

use laa_core::{AreaCode, Role, Scope};
use laa_store::{StoreError, TokenId};

use crate::support::for_each_database;

fn keys(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|k| (*k).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_keep_what_was_told_and_follow_their_token() {
    for_each_database(|db| async move {
        let s = &db.store;
        let kent = Scope::Area(AreaCode::new("kent").unwrap());
        let (officer, _) = s
            .credentials()
            .issue_token(Role::AreaNegotiator, kent.clone(), "kent:bob")
            .await
            .unwrap();

        // Refused: nothing is saved.
        for (email, enabled) in [("", true), ("a\nb@example.org", true)] {
            let error = s
                .notifications()
                .save_subscription(&officer, email, enabled, &keys(&[]))
                .await
                .unwrap_err();
            assert!(
                matches!(error, StoreError::InvalidArgument { .. }),
                "{error}"
            );
        }
        let long = format!("{}@example.org", "a".repeat(260));
        assert!(
            s.notifications()
                .save_subscription(&officer, &long, false, &keys(&[]))
                .await
                .is_err()
        );
        assert_eq!(
            s.notifications().subscription(&officer).await.unwrap(),
            None
        );
        let missing = s
            .notifications()
            .save_subscription(
                &TokenId::new("tok_missing"),
                "x@example.org",
                true,
                &keys(&[]),
            )
            .await
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");

        // Turning on: what waits now counts as told.
        let on = s
            .notifications()
            .save_subscription(&officer, " bob@kent.example.org ", true, &keys(&["a", "b"]))
            .await
            .unwrap();
        assert_eq!(
            (on.email.as_str(), on.notified.clone()),
            ("bob@kent.example.org", keys(&["a", "b"]))
        );
        // Saving again while on keeps the told set.
        let again = s
            .notifications()
            .save_subscription(&officer, "bob@kent.example.org", true, &keys(&["z"]))
            .await
            .unwrap();
        assert_eq!(again.notified, keys(&["a", "b"]));
        let listed = s.notifications().subscribers().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].1.token_id, officer);
        assert_eq!(listed[0].1.scope, kent);

        // Two writers of the told set at one version: one wins.
        let v = again.version;
        assert!(
            s.notifications()
                .replace_notified(&officer, v, &keys(&["b", "c"]))
                .await
                .unwrap()
        );
        assert!(
            !s.notifications()
                .replace_notified(&officer, v, &keys(&["b", "d"]))
                .await
                .unwrap()
        );
        assert_eq!(
            s.notifications()
                .subscription(&officer)
                .await
                .unwrap()
                .unwrap()
                .notified,
            keys(&["b", "c"])
        );
        // A message not sent is forgotten, to be sent again.
        s.notifications()
            .forget_notified(&officer, &["c".to_owned()])
            .await
            .unwrap();
        assert_eq!(
            s.notifications()
                .subscription(&officer)
                .await
                .unwrap()
                .unwrap()
                .notified,
            keys(&["b"])
        );

        // Off: nobody to tell, and the told set cannot be claimed.
        let off = s
            .notifications()
            .save_subscription(&officer, "bob@kent.example.org", false, &keys(&[]))
            .await
            .unwrap();
        assert!(s.notifications().subscribers().await.unwrap().is_empty());
        assert!(
            !s.notifications()
                .replace_notified(&officer, off.version, &keys(&["e"]))
                .await
                .unwrap()
        );
        // On again: what waits then is the told set.
        let on = s
            .notifications()
            .save_subscription(&officer, "bob@kent.example.org", true, &keys(&["f"]))
            .await
            .unwrap();
        assert_eq!(on.notified, keys(&["f"]));
        assert!(on.version > off.version);

        // A rotated token keeps its holder's subscription; a revoked one's
        // holder is told nothing.
        let (rotated, _) = s
            .credentials()
            .rotate_token(&officer, Duration::from_secs(3600))
            .await
            .unwrap();
        assert_eq!(
            s.notifications().subscription(&officer).await.unwrap(),
            None
        );
        let carried = s
            .notifications()
            .subscription(&rotated)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (carried.email.as_str(), carried.enabled),
            ("bob@kent.example.org", true)
        );
        assert_eq!(
            s.notifications().subscribers().await.unwrap()[0].1.token_id,
            rotated
        );
        assert!(s.credentials().revoke_token(&rotated).await.unwrap());
        assert!(s.notifications().subscribers().await.unwrap().is_empty());
    })
    .await;
}
