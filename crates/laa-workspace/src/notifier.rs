//! The email notifier: tells each person who asked
//! ([`crate::notifications`]) when something starts waiting on them,
//! through the operator's SMTP relay.
//!
//! `laa serve --smtp-url` starts it beside the server. It hears of new
//! events from the engine's announcements ([`laa_server::Engine::feed`]:
//! this server's commands and, on PostgreSQL, every other server's) and
//! works out again what waits on each subscriber whose scope covers a
//! changed agreement, with the inbox's own [`inbox::waiting`] as that
//! person, so a message never tells of anything the person could not
//! see. Every [`SWEEP_EVERY`] it works it out for every subscriber: what
//! starts waiting without an event (an overdue refresh, a consultation
//! opening), an announcement it missed, and the messages that failed.
//!
//! One message per item that newly appears. The items told are kept in the
//! database ([`laa_store::notifications`]), claimed before the message is
//! sent: a restart sends nothing twice, and of several servers only the
//! one that claims an item sends it. An item that stops waiting is
//! forgotten, so when it waits again it is told again; each offer is an
//! item of its own ([`Waiting::occurrence`]), so the next offer on a
//! target is told even when the notifier never saw the last one answered.
//! A message the relay could not take is unclaimed and tried again at the
//! next sweep; one it refused for good (a permanent SMTP error, such as an
//! unknown mailbox) is not tried again until the item waits anew. A crash
//! (or a shutdown) between the claim and the send loses that one message
//! rather than risking a second.
//!
//! The message is [`crate::mail::letter`]'s: what waits and the agreement,
//! with a link, and nothing of the terms.
//!
//! Sent and failed messages are counted in
//! `laa_notifications_total{outcome="sent"|"failed"}`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use laa_core::{Actor, AgreementId};
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use laa_store::{Principal, Subscription};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::Workspace;
use crate::agreement::area_name;
use crate::inbox::{self, Waiting};
use crate::mail::{Letter, Named, Relay, Undelivered, letter};
use crate::session::Person;

/// How often everyone's items are worked out again, events or not.
pub const SWEEP_EVERY: Duration = Duration::from_secs(5 * 60);

/// How long the notifier waits after an announcement for the others of a
/// burst (sixteen offers accepted in a row), so each person's items are
/// worked out once for them all.
const SETTLE: Duration = Duration::from_millis(200);

/// The key an item is remembered by: where, what, and which occurrence
/// ([`Waiting::occurrence`]: a new offer on a target is a new item even
/// if the notifier never saw the last one answered). Once an item stops
/// waiting it is forgotten.
pub fn key(item: &Waiting) -> String {
    format!("{} {} {}", item.link, item.what, item.occurrence)
}

/// The notifier: what [`Notifier::run`] needs.
pub struct Notifier {
    workspace: Workspace,
    relay: Relay,
    web_url: String,
    sweep_every: Duration,
}

/// How one attempt to send went.
enum Sent {
    /// The relay took it.
    Taken,
    /// It could not be sent now: try again later.
    Later,
    /// The relay refused it for good: do not try again.
    Refused,
}

impl Notifier {
    /// A notifier over `workspace`'s engine and store, sending through
    /// `relay`, its links beginning with `web_url` (the public address of
    /// the pages, as `laa token issue --sign-in-link` has it).
    pub fn new(workspace: Workspace, relay: Relay, web_url: &str) -> Self {
        Self {
            workspace,
            relay,
            web_url: web_url.trim().trim_end_matches('/').to_owned(),
            sweep_every: SWEEP_EVERY,
        }
    }

    /// Sweeps every `every` instead of [`SWEEP_EVERY`] (at least every
    /// 10 ms).
    pub fn sweeping_every(mut self, every: Duration) -> Self {
        self.sweep_every = every.max(Duration::from_millis(10));
        self
    }

    /// Tells subscribers what starts waiting on them, for as long as it is
    /// polled: a sweep at once (what began waiting while no server ran),
    /// then on every announcement and every sweep. It never ends and
    /// never fails; problems are logged and tried again.
    pub async fn run(self) {
        tracing::info!(relay = %self.relay.host(), "email notifications on");
        let mut feed = self.workspace.engine.feed().subscribe();
        let mut sweep = tokio::time::interval(self.sweep_every);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut hearing = true;
        loop {
            let changed = tokio::select! {
                _ = sweep.tick() => None,
                heard = feed.recv(), if hearing => match heard {
                    Ok(first) => {
                        tokio::time::sleep(SETTLE).await;
                        let mut ids = BTreeSet::from([first]);
                        let mut everyone = false;
                        loop {
                            match feed.try_recv() {
                                Ok(id) => {
                                    ids.insert(id);
                                }
                                Err(TryRecvError::Lagged(_)) => everyone = true,
                                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                            }
                        }
                        (!everyone).then_some(ids)
                    }
                    Err(RecvError::Lagged(_)) => None,
                    Err(RecvError::Closed) => {
                        hearing = false;
                        continue;
                    }
                },
            };
            self.tell(changed.as_ref()).await;
        }
    }

    /// Tells every subscriber whose scope covers one of the `changed`
    /// agreements (every subscriber when `None`) what newly waits on them.
    pub async fn tell(&self, changed: Option<&BTreeSet<AgreementId>>) {
        let subscribers = match self.workspace.notifications.subscribers().await {
            Ok(subscribers) => subscribers,
            Err(error) => {
                tracing::warn!(%error, "the notifier cannot read the subscriptions; trying again later");
                return;
            }
        };
        if subscribers.is_empty() {
            return;
        }
        let mut places = changed.map(|ids| Vec::with_capacity(ids.len()));
        for id in changed.into_iter().flatten() {
            match self.workspace.queries.load_shared(id).await {
                Ok(Some(a)) => {
                    if let (Some(places), Some(opening)) = (places.as_mut(), &a.opening) {
                        places.push((opening.area.clone(), opening.region));
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, agreement = %id, "the notifier cannot read a changed agreement; telling everyone");
                    places = None;
                    break;
                }
            }
        }
        let mut relay_up = true;
        for (subscription, principal) in subscribers {
            let concerned = places.as_ref().is_none_or(|places| {
                places
                    .iter()
                    .any(|(area, region)| principal.scope.covers(area, *region))
            });
            if concerned {
                relay_up = self.tell_one(subscription, principal, relay_up).await;
            }
        }
    }

    /// Tells one person what newly waits on them. `relay_up` false: the
    /// relay failed earlier in this round, so nothing is tried now (each
    /// attempt would wait for it again). Returns whether the relay is still
    /// thought up.
    async fn tell_one(
        &self,
        subscription: Subscription,
        principal: Principal,
        relay_up: bool,
    ) -> bool {
        let token = principal.token_id.clone();
        // The person as the workspace sees them; the notifier has no
        // session, so no forms token and no secret.
        let person = Person {
            actor: Actor::new(
                principal.label.clone(),
                principal.role,
                principal.scope.clone(),
            ),
            principal,
            csrf: String::new(),
            secret: String::new(),
        };
        let items = inbox::waiting(&self.workspace, &person).await;
        let now: BTreeMap<String, &Waiting> = items.iter().map(|i| (key(i), i)).collect();
        let keys: BTreeSet<String> = now.keys().cloned().collect();
        if keys == subscription.notified {
            return relay_up;
        }
        let fresh: Vec<(&String, &Waiting)> = now
            .iter()
            .filter(|(k, _)| !subscription.notified.contains(*k))
            .map(|(k, i)| (k, *i))
            .collect();
        if !relay_up && !fresh.is_empty() {
            // Claim nothing: the next round tries again.
            return false;
        }
        match self
            .workspace
            .notifications
            .replace_notified(&token, subscription.version, &keys)
            .await
        {
            Ok(true) => {}
            // Another server claimed these items, or the person changed
            // their choice: the next round sees which.
            Ok(false) => return relay_up,
            Err(error) => {
                tracing::warn!(%error, token_id = %token, "the notifier cannot record what it tells; trying again later");
                return relay_up;
            }
        }
        let mut names = BTreeMap::new();
        let mut unsent = Vec::new();
        let mut up = relay_up;
        for (key, item) in fresh {
            if !up {
                unsent.push(key.clone());
                continue;
            }
            let named = self.agreement_of(&person, item, &mut names).await;
            let letter = letter(item, named.as_ref(), &self.web_url);
            match self.send(&subscription.email, &letter, &token).await {
                Sent::Taken => {}
                Sent::Refused => {}
                Sent::Later => {
                    up = false;
                    unsent.push(key.clone());
                }
            }
        }
        if let Err(error) = self
            .workspace
            .notifications
            .forget_notified(&token, &unsent)
            .await
        {
            tracing::warn!(%error, token_id = %token, unsent = unsent.len(), "the notifier cannot unclaim the messages it could not send; they are not tried again");
        }
        up
    }

    /// The agreement an item's link leads to, as the person reads it
    /// (remembered in `names` for the round).
    async fn agreement_of(
        &self,
        person: &Person,
        item: &Waiting,
        names: &mut BTreeMap<String, Option<Named>>,
    ) -> Option<Named> {
        let prefix = format!("{}/agreements/", crate::ROOT);
        let id = item
            .link
            .strip_prefix(&prefix)?
            .split('/')
            .next()?
            .to_owned();
        if let Some(named) = names.get(&id) {
            return named.clone();
        }
        let named = self
            .workspace
            .engine
            .get_agreement(person.request(pb::GetAgreementRequest {
                name: format!("agreements/{id}"),
            }))
            .await
            .ok()
            .map(|a| {
                let a = a.into_inner();
                Named {
                    id: id.clone(),
                    area: area_name(&a),
                    round: a.round,
                }
            });
        names.insert(id, named.clone());
        named
    }

    /// Hands one message to the relay, logging and counting the outcome.
    async fn send(&self, to: &str, letter: &Letter, token: &laa_store::TokenId) -> Sent {
        let relay = self.relay.host();
        match self.relay.send(to, letter).await {
            Ok(()) => {
                metrics::counter!("laa_notifications_total", "outcome" => "sent").increment(1);
                tracing::info!(%relay, token_id = %token, "sent a notification");
                Sent::Taken
            }
            Err(Undelivered::Refused(error)) => {
                metrics::counter!("laa_notifications_total", "outcome" => "failed").increment(1);
                tracing::warn!(%relay, %error, token_id = %token, "a notification was refused for good; it is not tried again");
                Sent::Refused
            }
            Err(Undelivered::Later(error)) => {
                metrics::counter!("laa_notifications_total", "outcome" => "failed").increment(1);
                tracing::warn!(%relay, %error, token_id = %token, "cannot send a notification through the SMTP relay; trying again later");
                Sent::Later
            }
        }
    }
}
