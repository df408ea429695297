//! `laa indicator set`: one set version shown with its consultation and
//! comments; drafting the next, commenting on a draft, publishing it.

use laa_proto::v1 as pb;

use crate::client::args::{Format, SetCommand};
use crate::client::connect::{Session, rpc};
use crate::client::error::CliError;
use crate::client::output::{Output, Rows};

/// Parses "NUMBER|TITLE|SUBJECT GROUP|OWNER|UNIT|POLARITY" (OWNER: a
/// department's code, `psa:N`, or empty; UNIT and POLARITY may be left off
/// an amendment, which then keeps the indicator's) into the indicator of
/// an edit.
pub fn indicator_spec(spec: &str, statutory: bool) -> Result<pb::Indicator, CliError> {
    let usage = || {
        CliError::usage(format!(
            "'{spec}' is not NUMBER|TITLE|SUBJECT GROUP|OWNER|UNIT|POLARITY, such as \"201|Businesses helped to grow|Local economy|BERR|count|higher_is_better\""
        ))
    };
    let parts: Vec<&str> = spec.split('|').map(str::trim).collect();
    let (number, title, group, owner, unit, polarity) = match parts[..] {
        [number, title, group, owner] => (number, title, group, owner, "", ""),
        [number, title, group, owner, unit, polarity] => {
            (number, title, group, owner, unit, polarity)
        }
        _ => return Err(usage()),
    };
    let number: i32 = number.parse().map_err(|_| usage())?;
    let (psa, dso_department) = match owner.strip_prefix("psa:") {
        Some(n) => (n.trim().parse::<i32>().map_err(|_| usage())?, String::new()),
        None => (0, owner.to_owned()),
    };
    Ok(pb::Indicator {
        number,
        title: title.to_owned(),
        subject_group: group.to_owned(),
        psa,
        dso_department,
        statutory,
        unit: unit.to_owned(),
        polarity: polarity.to_owned(),
        ..Default::default()
    })
}

/// Runs `laa indicator set`.
pub async fn run(session: &Session, command: SetCommand) -> Result<(), CliError> {
    let out = &session.out;
    match command {
        SetCommand::Show { set: version } => {
            let set = rpc!(
                session,
                indicators.get_indicator_set(pb::GetIndicatorSetRequest {
                    name: format!("indicatorSets/{version}"),
                })
            )?;
            show(out, &set)
        }
        SetCommand::Draft {
            set: version,
            from,
            add,
            withdraw,
            amend,
            relate,
            unrelate,
            statutory,
            consultation_closes,
            request_id,
        } => {
            let mut edits = Vec::new();
            for spec in &relate {
                edits.push(pb::indicator_set_edit::Edit::Relate(relation_spec(
                    spec, true,
                )?));
            }
            for spec in &unrelate {
                edits.push(pb::indicator_set_edit::Edit::Unrelate(relation_spec(
                    spec, false,
                )?));
            }
            for spec in &add {
                edits.push(pb::indicator_set_edit::Edit::Add(indicator_spec(
                    spec, statutory,
                )?));
            }
            for spec in &amend {
                edits.push(pb::indicator_set_edit::Edit::Amend(indicator_spec(
                    spec, statutory,
                )?));
            }
            edits.extend(
                withdraw
                    .iter()
                    .map(|n| pb::indicator_set_edit::Edit::Withdraw(*n)),
            );
            let set = rpc!(
                session,
                indicators.create_indicator_set(pb::CreateIndicatorSetRequest {
                    request_id: super::change::request_id(request_id),
                    version,
                    based_on: format!("indicatorSets/{from}"),
                    edits: edits
                        .iter()
                        .cloned()
                        .map(|e| pb::IndicatorSetEdit { edit: Some(e) })
                        .collect(),
                    consultation_closes: consultation_closes.clone().unwrap_or_default(),
                    occurred_at: None,
                })
            )?;
            show(out, &set)
        }
        SetCommand::Comment {
            set: version,
            text,
            request_id,
        } => {
            let comment = rpc!(
                session,
                indicators.comment_on_indicator_set(pb::CommentOnIndicatorSetRequest {
                    request_id: super::change::request_id(request_id),
                    indicator_set: format!("indicatorSets/{version}"),
                    text: text.clone(),
                    occurred_at: None,
                })
            )?;
            if out.format() == Format::Json {
                return out.message(&comment);
            }
            out.rows(&comment_rows(std::slice::from_ref(&comment)));
            Ok(())
        }
        SetCommand::Publish {
            set: version,
            request_id,
        } => {
            let set = rpc!(
                session,
                indicators.publish_indicator_set(pb::PublishIndicatorSetRequest {
                    request_id: super::change::request_id(request_id),
                    name: format!("indicatorSets/{version}"),
                    occurred_at: None,
                })
            )?;
            show(out, &set)
        }
    }
}

fn comment_rows(comments: &[pb::IndicatorSetComment]) -> Rows {
    let mut rows = Rows::new(&["WHEN", "AUTHOR", "ROLE", "COMMENT"]);
    for c in comments {
        let when = c
            .create_time
            .as_ref()
            .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        rows.push(vec![when, c.author.clone(), c.role.clone(), c.text.clone()]);
    }
    rows
}

/// One set: a line with its status, base and window, then its comments.
fn show(out: &Output, set: &pb::IndicatorSet) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(set);
    }
    let mut rows = Rows::new(&[
        "SET",
        "STATUS",
        "ACTIVE",
        "WITHDRAWN",
        "BASED ON",
        "CONSULTATION",
        "COMMENTS",
    ]);
    let window = if set.consultation_opens.is_empty() {
        String::new()
    } else {
        format!(
            "{} to {} (publishable from {})",
            set.consultation_opens, set.consultation_closes, set.consultation_closes
        )
    };
    rows.push(vec![
        set.version.to_string(),
        set.status.clone(),
        set.active_count.to_string(),
        set.withdrawn_count.to_string(),
        match set.based_on {
            0 => String::new(),
            b => b.to_string(),
        },
        window,
        set.comments.len().to_string(),
    ]);
    out.rows(&rows);
    if !set.comments.is_empty() && out.format() == Format::Table {
        out.rows(&comment_rows(&set.comments));
    }
    Ok(())
}

/// A relation as typed: "FIRST|SECOND|NOTE" (the note only when relating).
fn relation_spec(spec: &str, with_note: bool) -> Result<pb::IndicatorRelation, CliError> {
    let parts: Vec<&str> = spec.splitn(3, '|').map(str::trim).collect();
    let number = |text: &str| crate::client::args::indicator_number(text).map_err(CliError::usage);
    match (parts.as_slice(), with_note) {
        ([first, second, note], true) => Ok(pb::IndicatorRelation {
            first: number(first)?,
            second: number(second)?,
            note: (*note).to_owned(),
        }),
        ([first, second], false) => Ok(pb::IndicatorRelation {
            first: number(first)?,
            second: number(second)?,
            note: String::new(),
        }),
        _ => Err(CliError::usage(if with_note {
            format!(
                "--relate '{spec}' is not FIRST|SECOND|NOTE, such as \"117|163|Fewer NEETs raise Level 2 attainment\""
            )
        } else {
            format!("--unrelate '{spec}' is not FIRST|SECOND, such as 117|163")
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_indicator_is_typed_as_four_fields() {
        let i = indicator_spec("201| Businesses helped |Local economy|BERR", false).unwrap();
        assert_eq!(
            (i.number, i.title.as_str(), i.dso_department.as_str(), i.psa),
            (201, "Businesses helped", "BERR", 0)
        );
        assert_eq!(
            indicator_spec("15|Crime|Safer communities|psa:23", true)
                .unwrap()
                .psa,
            23
        );
        assert!(indicator_spec("15|Crime", false).is_err());
        assert!(indicator_spec("x|a|b|", false).is_err());
    }
}
