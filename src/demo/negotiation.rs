//! The negotiations themselves: one task per area, each a real gRPC
//! conversation between the area's GO, its council and Ministers.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use laa_core::{Catalogue, Region, Role, Scope};
use laa_proto::v1 as pb;
use laa_store::Store;

use super::calendar::RoundCalendar;
use super::selections::{PLACE_SURVEY, Rng, department_for, placeholder, shaped};
use crate::client::{CliError, Clients, Limits};

/// The credentials the demo acts with.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// One GO negotiator per region.
    pub go: BTreeMap<Region, String>,
    /// One negotiator per area code.
    pub area: BTreeMap<String, String>,
    /// Ministers' sign-off.
    pub sign_off: String,
    /// A CLG auditor.
    pub auditor: String,
    /// An administrator (who creates the rounds after 2008-11).
    pub admin: String,
}

/// Issues the demo's credentials on the store.
pub async fn issue_credentials(
    store: &Store,
    areas: &[laa_core::areas::AreaEntry],
) -> Result<Credentials, String> {
    let issue = |role: Role, scope: Scope, label: String| async move {
        store
            .credentials()
            .issue_token(role, scope, &label)
            .await
            .map(|(_, secret)| secret)
            .map_err(|e| format!("error: issuing a demo credential: {e}"))
    };
    let mut go = BTreeMap::new();
    for region in Region::ALL {
        go.insert(
            region,
            issue(
                Role::GoNegotiator,
                Scope::Region(region),
                format!("{region}:demo-negotiator"),
            )
            .await?,
        );
    }
    let mut area = BTreeMap::new();
    for a in areas {
        area.insert(
            a.code.to_string(),
            issue(
                Role::AreaNegotiator,
                Scope::Area(a.code.clone()),
                format!("{}:demo-officer", a.code),
            )
            .await?,
        );
    }
    Ok(Credentials {
        go,
        area,
        sign_off: issue(Role::SignOff, Scope::National, "clg:demo-minister".into()).await?,
        auditor: issue(Role::Auditor, Scope::National, "clg:demo-auditor".into()).await?,
        admin: issue(Role::Admin, Scope::National, "clg:demo-admin".into()).await?,
    })
}

/// One area's negotiation, driven through three clients.
struct Negotiation<'a> {
    go: Clients,
    area: Clients,
    minister: Clients,
    name: String,
    version: i64,
    rng: Rng,
    catalogue: &'a Catalogue,
    commands: u64,
    /// The round negotiated, and its dates.
    calendar: RoundCalendar,
    /// Whether commands carry their 2008 dates (on the demo's own server,
    /// which decides them at those dates: `laa_store::Clock::Replay`).
    dated: bool,
    /// When the next command happens, on the round's timeline.
    clock: std::cell::Cell<DateTime<Utc>>,
}

macro_rules! call {
    ($self:ident, $client:ident . $method:ident ( $req:expr )) => {{
        let response = $self
            .$client
            .agreements
            .$method($req)
            .await
            .map_err(|s| {
                format!(
                    "{} {}: {}",
                    $self.name,
                    stringify!($method),
                    CliError::from_status(&s, "the demo's server").text()
                )
            })?
            .into_inner();
        $self.commands += 1;
        if let Some(a) = &response.agreement {
            $self.version = a.version;
        }
        response
    }};
}

mod delivery;
mod resume;
mod round;
mod succession;

use resume::{Principals, Resume};
pub use round::{Replay, RoundReport, national_round};
pub use succession::{close_round, create_round};

impl Negotiation<'_> {
    /// The date of the next command, when dated: the timeline moves on
    /// three hours a command.
    fn when(&self) -> Option<prost_types::Timestamp> {
        if !self.dated {
            return None;
        }
        let at = self.clock.get();
        self.clock.set(at + Duration::hours(3));
        Some(prost_types::Timestamp {
            seconds: at.timestamp(),
            nanos: 0,
        })
    }

    /// Moves the timeline on to `at`, if it is not there already.
    fn from(&self, at: DateTime<Utc>) {
        if at > self.clock.get() {
            self.clock.set(at);
        }
    }

    /// The agreement, a request id and the expected version for the next
    /// command: the request id is derived from the agreement and its
    /// version, so a rerun of the same seed sends the same ids.
    fn envelope(&self) -> (String, String, i64) {
        (self.name.clone(), self.rid(), self.version)
    }

    fn rid(&self) -> String {
        format!(
            "demo-{}-{}",
            self.name.trim_start_matches("agreements/"),
            self.version
        )
    }

    /// The negotiation, from opening to the first refresh's sign-off.
    async fn negotiate(&mut self, area: &str, selections: &[u16]) -> Result<(), String> {
        let request_id = self.rid();
        let opened = call!(
            self,
            go.open_agreement(pb::OpenAgreementRequest {
                area: format!("areas/{area}"),
                round: self.calendar.name(),
                indicator_set: self.calendar.opening_set(),
                request_id,
                expected_version: 0,
                occurred_at: self.when(),
            })
        );
        let statutory: Vec<(u32, u16)> = opened
            .agreement
            .map(|a| {
                a.targets
                    .iter()
                    .map(|t| (t.id, target_indicator(t)))
                    .collect()
            })
            .unwrap_or_default();
        // The statutory targets: the GO proposes for DCSF, the area accepts;
        // the last year (2010/11) is set at the first refresh (2009).
        for (target, n) in statutory {
            let base = 40.0 + self.rng.below(40) as f64;
            let (agreement, request_id, expected_version) = self.envelope();
            call!(
                self,
                go.counter_offer(pb::CounterOfferRequest {
                    agreement,
                    request_id,
                    expected_version,
                    target,
                    terms: Some(shaped(&self.calendar, self.catalogue, n, base, 4.0, true)),
                    rationale: "DCSF floor targets, from the 2007 results".into(),
                    evidence: vec!["DCSF statistical first release 2007".into()],
                    deal_breaker: false,
                    department: "DCSF".into(),
                    occurred_at: self.when(),
                })
            );
            self.accept(target, false).await?;
        }
        // Designated targets: proposals from both sides, some countered, Place Survey ones as placeholders.
        for &n in selections {
            let by_go = self.rng.chance(45);
            let terms = if PLACE_SURVEY.contains(&n) {
                placeholder(&self.calendar)
            } else {
                shaped(
                    &self.calendar,
                    self.catalogue,
                    n,
                    30.0 + self.rng.below(50) as f64,
                    3.0,
                    false,
                )
            };
            let department = if by_go {
                department_for(self.catalogue, n)
            } else {
                String::new()
            };
            let (agreement, request_id, expected_version) = self.envelope();
            let proposal = pb::ProposeTargetRequest {
                priority: 0,
                agreement,
                request_id,
                expected_version,
                indicator: Some(pb::propose_target_request::Indicator::IndicatorNumber(
                    i32::from(n),
                )),
                terms: Some(terms.clone()),
                rationale: "a local priority on the evidence of three-year rolling averages".into(),
                evidence: vec!["Local Strategic Partnership evidence base".into()],
                department,
                occurred_at: self.when(),
            };
            let r = if by_go {
                call!(self, go.propose_target(proposal))
            } else {
                call!(self, area.propose_target(proposal))
            };
            let target = r.target;
            let countered = !PLACE_SURVEY.contains(&n) && self.rng.chance(30);
            if countered {
                let stretch = shaped(
                    &self.calendar,
                    self.catalogue,
                    n,
                    30.0 + self.rng.below(50) as f64,
                    4.0,
                    false,
                );
                let deal_breaker = self.rng.chance(10);
                let (agreement, request_id, expected_version) = self.envelope();
                let counter = pb::CounterOfferRequest {
                    agreement,
                    request_id,
                    expected_version,
                    target,
                    terms: Some(stretch),
                    rationale: "the evidence supports a different trajectory".into(),
                    evidence: vec![],
                    deal_breaker,
                    department: if by_go {
                        String::new()
                    } else {
                        department_for(self.catalogue, n)
                    },
                    occurred_at: self.when(),
                };
                if by_go {
                    call!(self, area.counter_offer(counter))
                } else {
                    call!(self, go.counter_offer(counter))
                };
                self.accept(target, by_go).await?;
            } else {
                self.accept(target, !by_go).await?;
            }
        }
        // Now and then a department asks for one more, late (in May or June,
        // after the cut-off), and the area refuses it as a deal-breaker.
        if self.rng.chance(15) && selections.len() < 35 && !selections.contains(&120) {
            let late = self.rng.below(40) as i64;
            self.from(self.calendar.day(2008, 5, 6) + Duration::days(late));
            let (agreement, request_id, expected_version) = self.envelope();
            let r = call!(
                self,
                go.propose_target(pb::ProposeTargetRequest {
                    priority: 0,
                    agreement,
                    request_id,
                    expected_version,
                    indicator: Some(pb::propose_target_request::Indicator::IndicatorNumber(120)),
                    terms: Some(shaped(
                        &self.calendar,
                        self.catalogue,
                        120,
                        70.0,
                        1.5,
                        false
                    )),
                    rationale: "DH: all-age all-cause mortality".into(),
                    evidence: vec![],
                    department: "DH".into(),
                    occurred_at: self.when(),
                })
            );
            let (agreement, request_id, expected_version) = self.envelope();
            call!(
                self,
                area.decline_target(pb::DeclineTargetRequest {
                    agreement,
                    request_id,
                    expected_version,
                    target: r.target,
                    reason: "this is a deal breaker: we do not want this indicator in".into(),
                    deal_breaker: true,
                    occurred_at: self.when(),
                })
            );
        }
        // Ministers signed all 150 off on 30 June 2008.
        self.sign_off(self.calendar.day(2008, 6, 30)).await?;
        self.refresh(0).await
    }

    /// The round's refresh `k` (0 the first): opened in November (the
    /// 2008-11 round's first rebinding to set 2008), the placeholders and
    /// deferred years given values, a quarter of the other targets
    /// revisited, signed off in March.
    async fn refresh(&mut self, k: i32) -> Result<(), String> {
        let refresh_day = self.rng.below(20) as i64;
        self.from(self.calendar.day(2008 + k, 11, 3) + Duration::days(refresh_day));
        let (agreement, request_id, expected_version) = self.envelope();
        call!(
            self,
            go.open_refresh(pb::OpenRefreshRequest {
                agreement,
                request_id,
                expected_version,
                round: self.calendar.refresh(k),
                // Rebound to set 2008 at 2008-11's first refresh; kept after.
                indicator_set: if self.calendar.opening_set() == 2008 {
                    0
                } else {
                    2008
                },
                occurred_at: self.when(),
            })
        );
        // A command's answer carries the targets it changed; the whole
        // agreement is a read.
        let targets = self
            .go
            .agreements
            .get_agreement(pb::GetAgreementRequest {
                name: self.name.clone(),
            })
            .await
            .map_err(|s| {
                format!(
                    "{} get_agreement: {}",
                    self.name,
                    CliError::from_status(&s, "the demo's server").text()
                )
            })?
            .into_inner()
            .targets;
        for t in targets
            .iter()
            .filter(|t| t.status != pb::TargetStatus::Withdrawn as i32)
        {
            let due = match t.agreed.as_ref().and_then(|a| a.kind.as_ref()) {
                Some(pb::terms::Kind::Placeholder(_)) => true,
                Some(pb::terms::Kind::Values(v)) => v
                    .trajectory
                    .iter()
                    .any(|y| matches!(y.value, Some(pb::year_value::Value::DeferredTo(_)))),
                None => false,
            };
            if !due && !self.rng.chance(25) {
                continue;
            }
            let (agreement, request_id, expected_version) = self.envelope();
            call!(
                self,
                go.counter_offer(pb::CounterOfferRequest {
                    agreement,
                    request_id,
                    expected_version,
                    target: t.id,
                    terms: Some(shaped(
                        &self.calendar,
                        self.catalogue,
                        target_indicator(t),
                        35.0 + self.rng.below(40) as f64,
                        3.5,
                        false,
                    )),
                    rationale: if due {
                        "values now that the Place Survey has reported".into()
                    } else {
                        format!("revisited at the {} refresh", self.calendar.refresh(k))
                    },
                    evidence: vec![format!("Place Survey {}", self.calendar.survey())],
                    deal_breaker: false,
                    department: match t.indicator {
                        Some(pb::target::Indicator::IndicatorNumber(n))
                            if t.department.is_empty() =>
                        {
                            department_for(self.catalogue, u16::try_from(n).unwrap_or(1))
                        }
                        _ if t.department.is_empty() => "CLG".into(),
                        _ => String::new(),
                    },
                    occurred_at: self.when(),
                })
            );
            self.accept(t.id, false).await?;
        }
        self.sign_off(self.calendar.day(2009 + k, 3, 16)).await
    }

    /// The side that did not make the offer accepts it.
    async fn accept(&mut self, target: u32, go_accepts: bool) -> Result<(), String> {
        let (agreement, request_id, expected_version) = self.envelope();
        let request = pb::AcceptOfferRequest {
            agreement,
            request_id,
            expected_version,
            target,
            occurred_at: self.when(),
        };
        if go_accepts {
            call!(self, go.accept_offer(request))
        } else {
            call!(self, area.accept_offer(request))
        };
        Ok(())
    }

    /// Endorsed and submitted in the week before `on`, signed off on it.
    async fn sign_off(&mut self, on: DateTime<Utc>) -> Result<(), String> {
        self.from(on - Duration::days(7));
        let (agreement, request_id, expected_version) = self.envelope();
        call!(
            self,
            area.endorse_agreement(pb::EndorseAgreementRequest {
                agreement,
                request_id,
                expected_version,
                occurred_at: self.when(),
            })
        );
        let (agreement, request_id, expected_version) = self.envelope();
        call!(
            self,
            go.submit_agreement(pb::SubmitAgreementRequest {
                agreement,
                request_id,
                expected_version,
                occurred_at: self.when(),
            })
        );
        self.from(on);
        let (agreement, request_id, expected_version) = self.envelope();
        call!(
            self,
            minister.sign_off_agreement(pb::SignOffAgreementRequest {
                agreement,
                request_id,
                expected_version,
                occurred_at: self.when(),
            })
        );
        Ok(())
    }
}

/// Clients for one of the demo's principals, over the round's channel.
pub fn connect(channel: &tonic::transport::Channel, token: &str) -> Result<Clients, String> {
    Clients::on(channel.clone(), Some(token)).map_err(|e| e.text())
}

/// The round's one connection to the server: every principal's calls go
/// over it side by side (HTTP/2 streams), each with its own credential, as
/// they would through an organisation's gateway.
pub fn channel(server: &str) -> Result<tonic::transport::Channel, String> {
    Ok(crate::client::endpoint(server, Limits::default())
        .map_err(|e| e.text())?
        .connect_lazy())
}

/// The National Indicator a target is on (0 for a local indicator).
fn target_indicator(t: &pb::Target) -> u16 {
    match t.indicator {
        Some(pb::target::Indicator::IndicatorNumber(n)) => u16::try_from(n).unwrap_or(0),
        _ => 0,
    }
}
