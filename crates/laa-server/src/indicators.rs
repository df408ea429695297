//! `IndicatorService`: the National Indicator Set, by version, and the
//! drafting, consultation and publication of new versions.
//!
//! The rules are `laa_core::indicator_sets`'; this file parses, hands the
//! command to the stream's command path (`streams.rs`) and renders.

use chrono::{DateTime, NaiveDate, Utc};
use laa_core::catalogue::Owner;
use laa_core::indicator_sets::{DraftRequest, IndicatorSets, SetCommand, SetComment, SetEdit};
use laa_core::{Department, Indicator, IndicatorNumber, IndicatorStatus, SetVersion, StreamId};
use laa_proto::v1 as pb;
use laa_store::IndicatorSetInfo;
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, indicator_to_pb};
use crate::error::ApiError;

/// A relation of an edit from the wire: its two numbers must be indicator
/// numbers; the rest is the core's to judge.
fn relation_from_pb(
    field: &'static str,
    r: &pb::IndicatorRelation,
) -> Result<laa_core::catalogue::Relation, ApiError> {
    let number = |n: i32| {
        u16::try_from(n)
            .ok()
            .and_then(|n| IndicatorNumber::new(n).ok())
            .ok_or_else(|| ApiError::bad_argument(field, format!("{n} is not an indicator number")))
    };
    Ok(laa_core::catalogue::Relation {
        first: number(r.first)?,
        second: number(r.second)?,
        note: r.note.clone(),
    })
}

/// A set to the wire, with its comments when they were read.
fn set_to_pb(
    s: &IndicatorSetInfo,
    comments: &[SetComment],
    catalogue: &laa_core::Catalogue,
) -> pb::IndicatorSet {
    pb::IndicatorSet {
        relations: catalogue
            .set(s.version)
            .map(|set| set.relations.iter().map(convert::relation_to_pb).collect())
            .unwrap_or_default(),
        name: format!("indicatorSets/{}", s.version),
        version: i32::from(s.version.get()),
        status: match s.status {
            laa_core::SetStatus::Draft => "draft".into(),
            laa_core::SetStatus::Published => "published".into(),
        },
        active_count: i32::try_from(s.active).unwrap_or(i32::MAX),
        withdrawn_count: i32::try_from(s.withdrawn).unwrap_or(i32::MAX),
        based_on: s.based_on.map_or(0, |b| i32::from(b.get())),
        consultation_opens: s
            .consultation
            .map(|c| c.opens.to_string())
            .unwrap_or_default(),
        consultation_closes: s
            .consultation
            .map(|c| c.closes.to_string())
            .unwrap_or_default(),
        create_time: s.created_at.map(convert::timestamp),
        publish_time: s.published_at.map(convert::timestamp),
        comments: comments.iter().map(comment_to_pb).collect(),
    }
}

fn comment_to_pb(c: &SetComment) -> pb::IndicatorSetComment {
    pb::IndicatorSetComment {
        author: c.author.clone(),
        role: c.role.to_string(),
        text: c.text.clone(),
        create_time: Some(convert::timestamp(c.at)),
    }
}

/// An indicator of an `add` or `amend` edit from the wire.
/// An indicator of an edit from the wire. Its unit and polarity are
/// required for a new indicator; an amendment without them keeps those of
/// `base` (the base set's wording of the indicator).
fn indicator_from_pb(
    field: &'static str,
    i: &pb::Indicator,
    version: SetVersion,
    base: Option<&Indicator>,
) -> Result<Indicator, ApiError> {
    let number = u16::try_from(i.number)
        .ok()
        .and_then(|n| IndicatorNumber::new(n).ok())
        .ok_or_else(|| {
            ApiError::bad_argument(
                format!("{field}.number"),
                format!("{} is not an indicator number", i.number),
            )
        })?;
    let owner = match (i.psa, i.dso_department.trim()) {
        (0, "") => Owner::Unassigned,
        (psa, "") => Owner::Psa(u8::try_from(psa).ok().filter(|p| *p > 0).ok_or_else(|| {
            ApiError::bad_argument(format!("{field}.psa"), format!("{psa} is not a PSA number"))
        })?),
        (0, dso) => {
            Owner::Dso(Department::new(dso).map_err(|e| {
                ApiError::bad_argument(format!("{field}.dso_department"), e.problem)
            })?)
        }
        _ => {
            return Err(ApiError::bad_argument(
                format!("{field}.psa"),
                "an indicator serves a PSA or a department's DSO, not both",
            ));
        }
    };
    // An amendment of an indicator its base does not hold is refused by
    // the core (with the reason that says so); until then it keeps the
    // defaults of an unmeasured indicator, which are never stored.
    let amendment = field == "edits.amend";
    let unit = match (i.unit.trim(), base) {
        ("", Some(base)) => base.unit,
        ("", None) if amendment => laa_core::Unit::Score,
        (text, _) => laa_core::Unit::parse(text)
            .map_err(|e| ApiError::bad_argument(format!("{field}.unit"), e.problem))?,
    };
    let polarity = match (i.polarity.trim(), base) {
        ("", Some(base)) => base.polarity,
        ("", None) if amendment => laa_core::Polarity::default(),
        (text, _) => laa_core::Polarity::parse(text)
            .map_err(|e| ApiError::bad_argument(format!("{field}.polarity"), e.problem))?,
    };
    Ok(Indicator::introduced(
        number,
        i.title.clone(),
        i.subject_group.clone(),
        owner,
        i.statutory,
        version,
        unit,
        polarity,
    ))
}

impl Engine {
    /// The time a set command is decided at: now, or the `occurred_at` of
    /// a server on a replaying clock (others refuse one).
    fn set_clock(
        &self,
        occurred_at: Option<&prost_types::Timestamp>,
    ) -> Result<Option<DateTime<Utc>>, ApiError> {
        match convert::occurred_at(occurred_at)? {
            None => Ok(None),
            Some(at) if self.store.clock().replays() => Ok(Some(at)),
            Some(_) => Err(ApiError::bad_argument(
                "occurred_at",
                "only a server replaying a historic round (laa serve --clock replay) accepts a date for indicator sets; leave it unset",
            )),
        }
    }

    /// One set as the database lists it.
    async fn set_info(&self, version: SetVersion) -> Result<IndicatorSetInfo, ApiError> {
        self.queries
            .indicator_sets()
            .await?
            .into_iter()
            .find(|s| s.version == version)
            .ok_or_else(|| ApiError::NotFound {
                what: "indicator set",
                key: version.to_string(),
            })
    }
}

#[tonic::async_trait]
impl pb::indicator_service_server::IndicatorService for Engine {
    async fn list_departments(
        &self,
        request: Request<pb::ListDepartmentsRequest>,
    ) -> Result<Response<pb::ListDepartmentsResponse>, Status> {
        authenticate(&self.credentials, &request).await?;
        Ok(Response::new(pb::ListDepartmentsResponse {
            departments: laa_core::departments::departments_2008()
                .iter()
                .map(|d| pb::Department {
                    name: format!("departments/{}", d.code),
                    code: d.code.to_string(),
                    display_name: d.name.clone(),
                    kind: d.kind.clone(),
                })
                .collect(),
        }))
    }

    async fn list_partners(
        &self,
        request: Request<pb::ListPartnersRequest>,
    ) -> Result<Response<pb::ListPartnersResponse>, Status> {
        authenticate(&self.credentials, &request).await?;
        Ok(Response::new(pb::ListPartnersResponse {
            partners: laa_core::partners::partners_2008()
                .iter()
                .map(|p| pb::Partner {
                    name: format!("partners/{}", p.code),
                    code: p.code.to_string(),
                    display_name: p.name.clone(),
                    kind: p.kind.clone(),
                })
                .collect(),
        }))
    }

    async fn list_indicator_sets(
        &self,
        request: Request<pb::ListIndicatorSetsRequest>,
    ) -> Result<Response<pb::ListIndicatorSetsResponse>, Status> {
        authenticate(&self.credentials, &request).await?;
        let sets = self
            .queries
            .indicator_sets()
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::ListIndicatorSetsResponse {
            indicator_sets: sets
                .iter()
                .map(|s| set_to_pb(s, &[], &self.store.catalogue()))
                .collect(),
        }))
    }

    async fn get_indicator_set(
        &self,
        request: Request<pb::GetIndicatorSetRequest>,
    ) -> Result<Response<pb::IndicatorSet>, Status> {
        authenticate(&self.credentials, &request).await?;
        let version = convert::set_name("name", &request.get_ref().name)?;
        let info = self.set_info(version).await?;
        let comments = self
            .queries
            .indicator_set_comments(version)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(set_to_pb(
            &info,
            &comments,
            &self.store.catalogue(),
        )))
    }

    async fn create_indicator_set(
        &self,
        request: Request<pb::CreateIndicatorSetRequest>,
    ) -> Result<Response<pb::IndicatorSet>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        // Who may draft is answered before anything else is read.
        laa_core::authorise::authorise_administration(&actor).map_err(ApiError::from)?;
        let r = request.into_inner();
        let occurred_at = self.set_clock(r.occurred_at.as_ref())?;
        let request_id = convert::request_id(&r.request_id)?;
        let version = convert::set_version("version", r.version)?;
        let based_on = convert::set_name("based_on", &r.based_on)?;
        let consultation_closes = match r.consultation_closes.trim() {
            "" => None,
            text => Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                ApiError::bad_argument(
                    "consultation_closes",
                    format!("{} is not a date such as 2010-09-01", laa_core::quote(text)),
                )
            })?),
        };
        if r.edits.len() > laa_core::indicator_sets::MAX_EDITS {
            return Err(ApiError::bad_argument(
                "edits",
                format!(
                    "at most {} edits per draft",
                    laa_core::indicator_sets::MAX_EDITS
                ),
            )
            .into());
        }
        let catalogue = self.store.catalogue();
        let edits = r
            .edits
            .iter()
            .map(|e| match &e.edit {
                Some(pb::indicator_set_edit::Edit::Add(i)) => {
                    indicator_from_pb("edits.add", i, version, None).map(SetEdit::Add)
                }
                Some(pb::indicator_set_edit::Edit::Amend(i)) => {
                    let base = u16::try_from(i.number)
                        .ok()
                        .and_then(|n| IndicatorNumber::new(n).ok())
                        .and_then(|n| catalogue.indicator_in(based_on, n));
                    indicator_from_pb("edits.amend", i, version, base).map(SetEdit::Amend)
                }
                Some(pb::indicator_set_edit::Edit::Withdraw(n)) => u16::try_from(*n)
                    .ok()
                    .and_then(|n| IndicatorNumber::new(n).ok())
                    .map(SetEdit::Withdraw)
                    .ok_or_else(|| {
                        ApiError::bad_argument(
                            "edits.withdraw",
                            format!("{n} is not an indicator number"),
                        )
                    }),
                Some(pb::indicator_set_edit::Edit::Relate(r)) => {
                    relation_from_pb("edits.relate", r).map(SetEdit::Relate)
                }
                Some(pb::indicator_set_edit::Edit::Unrelate(r)) => {
                    relation_from_pb("edits.unrelate", r)
                        .map(|r| SetEdit::Unrelate(r.first, r.second))
                }
                None => Err(ApiError::bad_argument(
                    "edits",
                    "each edit is an add, a withdraw, an amend, a relate or an unrelate",
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let command = SetCommand::Draft(DraftRequest {
            version,
            based_on,
            edits,
            consultation_closes,
        });
        self.execute::<IndicatorSets>(
            &StreamId::IndicatorSets,
            &actor,
            request_id,
            None,
            command,
            occurred_at,
        )
        .await?;
        tracing::info!(indicator_set = %version, principal = %actor.principal, "indicator set drafted");
        Ok(Response::new(set_to_pb(
            &self.set_info(version).await?,
            &[],
            &self.store.catalogue(),
        )))
    }

    async fn comment_on_indicator_set(
        &self,
        request: Request<pb::CommentOnIndicatorSetRequest>,
    ) -> Result<Response<pb::IndicatorSetComment>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let occurred_at = self.set_clock(r.occurred_at.as_ref())?;
        let request_id = convert::request_id(&r.request_id)?;
        let version = convert::set_name("indicator_set", &r.indicator_set)?;
        let text = r.text.trim().to_owned();
        let command = SetCommand::Comment {
            set: version,
            text: r.text,
        };
        let executed = self
            .execute::<IndicatorSets>(
                &StreamId::IndicatorSets,
                &actor,
                request_id,
                None,
                command,
                occurred_at,
            )
            .await?;
        // The comment as recorded: this one, or the same words recorded
        // before (the command then recorded nothing).
        let mine: Vec<&SetComment> = executed
            .after
            .state
            .comments_on(version)
            .iter()
            .filter(|c| c.author == actor.principal)
            .collect();
        let comment = mine
            .iter()
            .rev()
            .find(|c| c.text == text)
            .or(mine.last())
            .map(|c| (*c).clone())
            .ok_or_else(|| ApiError::NotFound {
                what: "comment",
                key: version.to_string(),
            })?;
        tracing::info!(indicator_set = %version, principal = %actor.principal, "comment recorded");
        Ok(Response::new(comment_to_pb(&comment)))
    }

    async fn publish_indicator_set(
        &self,
        request: Request<pb::PublishIndicatorSetRequest>,
    ) -> Result<Response<pb::IndicatorSet>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        laa_core::authorise::authorise_administration(&actor).map_err(ApiError::from)?;
        let r = request.into_inner();
        let occurred_at = self.set_clock(r.occurred_at.as_ref())?;
        let request_id = convert::request_id(&r.request_id)?;
        let version = convert::set_name("name", &r.name)?;
        self.execute::<IndicatorSets>(
            &StreamId::IndicatorSets,
            &actor,
            request_id,
            None,
            SetCommand::Publish { set: version },
            occurred_at,
        )
        .await?;
        tracing::info!(indicator_set = %version, principal = %actor.principal, "indicator set published");
        let comments = self
            .queries
            .indicator_set_comments(version)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(set_to_pb(
            &self.set_info(version).await?,
            &comments,
            &self.store.catalogue(),
        )))
    }

    async fn list_indicators(
        &self,
        request: Request<pb::ListIndicatorsRequest>,
    ) -> Result<Response<pb::ListIndicatorsResponse>, Status> {
        authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let version = convert::set_name("indicator_set", &r.indicator_set)?;
        let size = convert::page_size(r.page_size, laa_store::PageLimits::INDICATORS)?;
        // An offset token is 1 or more (the first page has no token).
        let offset: usize =
            convert::parse_page_token(&r.page_token, convert::numeric_position)?.unwrap_or(0);
        let status = match r.status.trim() {
            "" => None,
            "active" => Some(IndicatorStatus::Active),
            "withdrawn" => Some(IndicatorStatus::Withdrawn),
            other => {
                return Err(ApiError::bad_argument(
                    "status",
                    format!("{} is not active or withdrawn", laa_core::quote(other)),
                )
                .into());
            }
        };
        let (catalogue, _) = self
            .store
            .refresh_catalogue()
            .await
            .map_err(ApiError::from)?;
        let catalogue = &*catalogue;
        let set = catalogue.set(version).ok_or(ApiError::NotFound {
            what: "indicator set",
            key: version.to_string(),
        })?;
        let matching: Vec<pb::Indicator> = set
            .members
            .iter()
            .filter(|(_, s)| status.is_none_or(|wanted| **s == wanted))
            .filter_map(|(n, _)| indicator_to_pb(catalogue, version, *n))
            .filter(|i| r.statutory.is_none_or(|s| i.statutory == s))
            .filter(|i| {
                r.subject_group.is_empty()
                    || i.subject_group.eq_ignore_ascii_case(r.subject_group.trim())
            })
            .collect();
        let end = offset
            .saturating_add(usize::try_from(size).unwrap_or(usize::MAX))
            .min(matching.len());
        let page = matching
            .get(offset.min(end)..end)
            .unwrap_or_default()
            .to_vec();
        let next = if end < matching.len() {
            convert::page_token(&end.to_string())
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListIndicatorsResponse {
            indicators: page,
            next_page_token: next,
        }))
    }

    async fn get_indicator(
        &self,
        request: Request<pb::GetIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        authenticate(&self.credentials, &request).await?;
        let (version, number) = convert::indicator_name("name", &request.get_ref().name)?;
        let (catalogue, _) = self
            .store
            .refresh_catalogue()
            .await
            .map_err(ApiError::from)?;
        indicator_to_pb(&catalogue, version, number)
            .map(Response::new)
            .ok_or_else(|| {
                ApiError::NotFound {
                    what: "indicator",
                    key: request.get_ref().name.clone(),
                }
                .into()
            })
    }
}
