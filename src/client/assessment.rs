//! An area's assessment as people read it (recommendation 2): part 1, the
//! negotiated targets and who delivers them; part 2, the rest of the
//! National Indicator Set against the areas of the same kind. The two
//! parts are printed apart, under their own headings, never as one list.

use laa_proto::v1 as pb;

use super::args::Format;
use super::error::CliError;
use super::output::{Output, Rows};
use super::render::better;
use super::words::count;

fn last_part(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

fn indicator(p: &pb::TargetPerformance) -> String {
    if p.indicator_number != 0 {
        format!("NI {}", p.indicator_number)
    } else {
        format!("local {}", p.local_indicator)
    }
}

fn statuses(counts: &[pb::StatusCount]) -> String {
    counts
        .iter()
        .map(|c| format!("{} {}", c.status, c.count))
        .collect::<Vec<_>>()
        .join(", ")
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text.to_owned()
    }
}

fn rank(s: Option<&pb::Standing>) -> String {
    match s {
        None => "-".into(),
        Some(s) if s.rank == 0 => "unranked".into(),
        Some(s) if s.top_quartile => format!("{} of {} (top quarter)", s.rank, s.group_size),
        Some(s) => format!("{} of {}", s.rank, s.group_size),
    }
}

/// The negotiated targets, one row each.
fn targets(negotiated: &pb::NegotiatedTargets) -> Rows {
    let mut rows = Rows::new(&[
        "TARGET",
        "INDICATOR",
        "TITLE",
        "KIND",
        "STATUS",
        "LEAD",
        "CONTRIBUTORS",
        "RANK",
    ]);
    for t in &negotiated.targets {
        let Some(p) = &t.performance else { continue };
        rows.push(vec![
            last_part(&p.target).to_owned(),
            indicator(p),
            p.title.clone(),
            super::render::target_kind(p.kind),
            p.status.clone(),
            or_dash(&t.lead_partner),
            or_dash(&t.contributing_partners.join(", ")),
            rank(t.standing.as_ref()),
        ]);
    }
    rows
}

/// The targets by partner.
fn partners(negotiated: &pb::NegotiatedTargets) -> Rows {
    let mut rows = Rows::new(&[
        "PARTNER",
        "LEADS",
        "LED BY STATUS",
        "CONTRIBUTES TO",
        "CONTRIBUTED BY STATUS",
    ]);
    for c in &negotiated.partners {
        rows.push(vec![
            c.partner.clone(),
            or_dash(
                &c.leads
                    .iter()
                    .map(|t| last_part(t))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            or_dash(&statuses(&c.led)),
            or_dash(
                &c.contributes
                    .iter()
                    .map(|t| last_part(t))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            or_dash(&statuses(&c.contributed)),
        ]);
    }
    rows
}

/// The rest of the set, one row per indicator.
fn wider(a: &pb::AreaAssessment) -> Rows {
    let mut rows = Rows::new(&[
        "INDICATOR",
        "TITLE",
        "BETTER",
        "YEAR",
        "VALUE",
        "GROUP",
        "MEDIAN",
        "POSITION",
        "QUARTILE",
    ]);
    for c in &a.wider {
        let placed = c.position != 0;
        rows.push(vec![
            format!("NI {}", c.indicator_number),
            c.title.clone(),
            better(&c.polarity).to_owned(),
            c.year.clone(),
            c.value.to_string(),
            format!("{} ({})", a.comparator_group, c.group_size),
            or_dash(&c.group_median),
            if placed {
                format!("{} of {}", c.position, c.group_size)
            } else {
                c.unplaced_because.clone()
            },
            if placed {
                c.quartile.to_string()
            } else {
                "-".into()
            },
        ]);
    }
    rows
}

/// One CSV table of both parts, told apart by its first column.
fn both(a: &pb::AreaAssessment) -> Rows {
    let mut rows = Rows::new(&[
        "PART",
        "TARGET",
        "INDICATOR",
        "TITLE",
        "STATUS",
        "LEAD",
        "CONTRIBUTORS",
        "RANK",
        "YEAR",
        "VALUE",
        "GROUP SIZE",
        "MEDIAN",
        "POSITION",
        "QUARTILE",
    ]);
    if let Some(n) = &a.negotiated {
        for t in &n.targets {
            let Some(p) = &t.performance else { continue };
            rows.push(vec![
                "negotiated".into(),
                last_part(&p.target).to_owned(),
                indicator(p),
                p.title.clone(),
                p.status.clone(),
                t.lead_partner.clone(),
                t.contributing_partners.join(" "),
                t.standing
                    .as_ref()
                    .map(|s| s.rank.to_string())
                    .unwrap_or_default(),
                String::new(),
                String::new(),
                t.standing
                    .as_ref()
                    .map(|s| s.group_size.to_string())
                    .unwrap_or_default(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
    }
    for c in &a.wider {
        rows.push(vec![
            "wider".into(),
            String::new(),
            format!("NI {}", c.indicator_number),
            c.title.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            c.year.clone(),
            c.value.to_string(),
            c.group_size.to_string(),
            c.group_median.clone(),
            c.position.to_string(),
            c.quartile.to_string(),
        ]);
    }
    rows
}

/// `laa area assessment`: both parts, apart.
pub fn assessment(out: &Output, a: &pb::AreaAssessment) -> Result<(), CliError> {
    match out.format() {
        Format::Json => return out.message(a),
        Format::Csv => {
            out.rows(&both(a));
            return Ok(());
        }
        Format::Table => {}
    }
    let negotiated = a.negotiated.clone().unwrap_or_default();
    println!(
        "{} ({}; compared with the other areas of its kind: {})",
        last_part(&a.agreement),
        a.round,
        a.comparator_group
    );
    println!();
    println!(
        "Part 1: the negotiated targets ({})",
        count(negotiated.targets.len(), "target")
    );
    out.rows(&targets(&negotiated));
    if let Some(r) = &negotiated.reward {
        if r.assessed {
            println!("reward: £{} of a pot of £{}", r.total, r.pot);
        } else {
            println!(
                "reward: not assessed yet (once every reward-bearing target has its final year's actual)"
            );
        }
    }
    println!();
    println!("By partner (lead and contributing partners named on each target)");
    if negotiated.partners.is_empty() {
        println!("no partner has been named on a target yet");
    } else {
        out.rows(&partners(&negotiated));
    }
    if !negotiated.unassigned.is_empty() {
        println!(
            "no partner named: {}",
            negotiated
                .unassigned
                .iter()
                .map(|t| last_part(t))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!();
    println!(
        "Part 2: the rest of the National Indicator Set ({} reported without a target, against the areas of its kind: {})",
        count(a.wider.len(), "indicator"),
        a.comparator_group
    );
    if a.wider.is_empty() {
        println!("no actual has been reported on an indicator without a target");
    } else {
        out.rows(&wider(a));
    }
    Ok(())
}
