//! The envelope of every command that changes an agreement: the agreement
//! as read, the version to name, the request id, the target meant.

use laa_proto::v1 as pb;

use crate::client::args::{Change, Which};
use crate::client::connect::{Session, rpc};
use crate::client::error::{CliError, Exit};
use crate::client::render;
use crate::client::suggest::nearest_numbers;

use super::catalogue::unknown_area;

/// `agreements/kent-2008-11` from `kent-2008-11` or the full name.
pub fn agreement_name(a: &str) -> String {
    let a = a.trim();
    if a.starts_with("agreements/") {
        a.to_owned()
    } else {
        format!("agreements/{a}")
    }
}

/// The area part of an agreement's id: `kent` of `kent-2008-11`.
pub(super) fn area_of(agreement: &str) -> Option<&str> {
    let id = agreement.trim().trim_start_matches("agreements/");
    let mut parts = id.rsplitn(3, '-');
    let (end, start, area) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    (digits(end) && digits(start)).then_some(area)
}

/// Reads an agreement, saying which area was meant when it does not exist.
pub async fn get_agreement(session: &Session, agreement: &str) -> Result<pb::Agreement, CliError> {
    let name = agreement_name(agreement);
    match rpc!(
        session,
        agreements.get_agreement(pb::GetAgreementRequest { name: name.clone() })
    ) {
        Err(e) if e.exit == Exit::NotFound => Err(explain_not_found(session, agreement, e).await),
        other => other,
    }
}

/// A not-found agreement: a mistyped area, or an agreement not yet opened.
pub async fn explain_not_found(session: &Session, agreement: &str, error: CliError) -> CliError {
    let Some(area) = area_of(agreement) else {
        return error.hint("name an agreement as AREA-ROUND, such as kent-2008-11");
    };
    match unknown_area(session, area).await {
        Some(unknown) => error.hint(format!(
            "there is no area '{area}': {}",
            unknown.hint.unwrap_or_default()
        )),
        None => error.hint(format!(
            "{area}'s agreement is not open: a GO negotiator opens it with `laa agreement open --area {area}`"
        )),
    }
}

/// A command about to change an agreement.
pub struct Prepared<'a> {
    pub session: &'a Session,
    /// `agreements/{id}`.
    pub agreement: String,
    pub request_id: String,
    /// The version named as expected.
    pub version: i64,
    /// The agreement as read.
    pub current: pb::Agreement,
    /// When the change happened, if `--occurred-at` said.
    pub occurred_at: Option<prost_types::Timestamp>,
}

/// The request id to send: the one given (so a retry repeats it), or a
/// fresh one. The one place the client makes request ids.
pub fn request_id(given: Option<String>) -> String {
    given.unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Parses `--occurred-at`: a date (midnight UTC) or an RFC 3339 time.
pub fn occurred_at(text: Option<&str>) -> Result<Option<prost_types::Timestamp>, CliError> {
    let Some(text) = text.map(str::trim) else {
        return Ok(None);
    };
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        })
        .map_err(|_| {
            CliError::usage(format!(
                "--occurred-at '{text}' is neither a date (2008-06-01) nor an RFC 3339 time"
            ))
        })?;
    Ok(Some(prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }))
}

impl<'a> Prepared<'a> {
    /// Reads the agreement and settles the version and the request id.
    pub async fn new(session: &'a Session, change: &Change) -> Result<Self, CliError> {
        if let Some(v) = change.expected_version
            && v < 0
        {
            return Err(CliError::usage("--expected-version must be 0 or more"));
        }
        let agreement = change.agreement()?;
        let current = get_agreement(session, agreement).await?;
        Ok(Self {
            session,
            agreement: agreement_name(agreement),
            request_id: request_id(change.request_id.clone()),
            version: change.expected_version.unwrap_or(current.version),
            current,
            occurred_at: occurred_at(change.occurred_at.as_deref())?,
        })
    }

    /// The target meant: by number, or the live target on an indicator.
    pub fn target(&self, which: &Which) -> Result<u32, CliError> {
        if let Some(t) = which.target {
            return Ok(t);
        }
        self.target_on(which.indicator.unwrap_or_default())
    }

    /// The live target on indicator `n`.
    pub fn target_on(&self, n: i32) -> Result<u32, CliError> {
        let live = || {
            self.current
                .targets
                .iter()
                .filter(|t| t.status != pb::TargetStatus::Withdrawn as i32)
        };
        if let Some(t) =
            live().find(|t| t.indicator == Some(pb::target::Indicator::IndicatorNumber(n)))
        {
            return Ok(t.id);
        }
        let numbers: Vec<String> = live()
            .filter_map(|t| match t.indicator {
                Some(pb::target::Indicator::IndicatorNumber(i)) => Some(i.to_string()),
                _ => None,
            })
            .collect();
        let name = &self.current.name;
        Err(CliError::new(
            Exit::NotFound,
            "NOT_FOUND",
            format!("{name} has no live target on NI {n}"),
        )
        .hint({
            let near = nearest_numbers(&n.to_string(), numbers.iter().map(String::as_str));
            if near.is_empty() {
                format!("see `laa agreement show {name}`")
            } else {
                let near: Vec<String> = near.iter().map(|n| format!("NI {n}")).collect();
                format!(
                    "did you mean {}? (see `laa agreement show {name}`)",
                    near.join(" or ")
                )
            }
        }))
    }

    /// Prints the outcome of the change.
    pub fn finish(
        &self,
        what: &str,
        result: Result<pb::AgreementResponse, CliError>,
    ) -> Result<(), CliError> {
        render::changed(&self.session.out, what, &result?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_area_is_read_from_an_agreement_id() {
        assert_eq!(area_of("kentt-2008-11"), Some("kentt"));
        assert_eq!(
            area_of("agreements/east-sussex-2008-11"),
            Some("east-sussex")
        );
        assert_eq!(area_of("kent"), None);
    }
}
