//! Spreadsheets in and out against a real server: `ImportTargets` applied
//! whole or not at all, its preview recording nothing, a retried request
//! recording nothing twice; and through the `laa` binary, an exported
//! agreement imported into another agreement with the same terms, and the
//! exit codes of a bad sheet and a refused import.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::cli::laa;
use crate::support::*;

fn statutory_ni() -> i32 {
    i32::from(laa_core::policy::STATUTORY_2008[0])
}

fn row(n: i32, terms: pb::Terms) -> pb::TargetRow {
    pb::TargetRow {
        indicator: Some(pb::target_row::Indicator::IndicatorNumber(n)),
        terms: Some(terms),
        rationale: "from the partnership's spreadsheet".into(),
        ..Default::default()
    }
}

fn import(
    v: i64,
    request_id: &str,
    rows: Vec<pb::TargetRow>,
    dry: bool,
) -> pb::ImportTargetsRequest {
    pb::ImportTargetsRequest {
        agreement: KENT.into(),
        request_id: request_id.into(),
        expected_version: v,
        rows,
        validate_only: dry,
        occurred_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_recorded_whole_or_not_at_all_and_once() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let v = open_kent(&mut go).await;
        let events = app.event_count("kent-2008-11").await;
        let mut wrong_unit = fitting(130);
        if let Some(pb::terms::Kind::Values(values)) = &mut wrong_unit.kind {
            values.unit = "count".into();
        }
        let rows = vec![
            row(statutory_ni(), fitting(statutory_ni())),
            row(117, fitting(117)),
            row(130, wrong_unit),
        ];

        // The preview answers every row and records nothing.
        let preview = kent
            .agreements
            .import_targets(import(v, "", rows.clone(), true))
            .await
            .expect("preview")
            .into_inner();
        assert!(preview.applied.is_none());
        let seen: Vec<(i32, &str, u32, bool, &str, &str)> = preview
            .rows
            .iter()
            .map(|r| {
                (
                    r.row,
                    r.action.as_str(),
                    r.target,
                    r.accepted,
                    r.reason.as_str(),
                    r.field.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (0, "counter", 1, true, "", ""),
                (1, "propose", 17, true, "", ""),
                (
                    2,
                    "propose",
                    18,
                    false,
                    "INVALID_TERMS",
                    "rows[2].terms.values.unit"
                ),
            ]
        );
        assert_eq!(app.event_count("kent-2008-11").await, events);

        // One refused row refuses the whole, naming it.
        let status = assert_refused(
            kent.agreements
                .import_targets(import(v, &rid(), rows.clone(), false))
                .await,
            Code::InvalidArgument,
            "INVALID_TERMS",
        );
        assert_eq!(bad_fields(&status), ["rows[2].terms.values.unit"]);
        assert_eq!(app.event_count("kent-2008-11").await, events);

        // Corrected, it is recorded whole: one append, one event per row.
        let mut rows = rows;
        rows[2] = row(130, fitting(130));
        let request_id = rid();
        let done = kent
            .agreements
            .import_targets(import(v, &request_id, rows.clone(), false))
            .await
            .expect("import")
            .into_inner();
        let applied = done.applied.expect("applied");
        assert_eq!(applied.last_sequence - applied.first_sequence, 2);
        assert_eq!(done.rows.len(), 3);
        assert!(done.rows.iter().all(|r| r.accepted), "{:?}", done.rows);
        assert_eq!(app.event_count("kent-2008-11").await, events + 3);

        // The same request again records nothing twice.
        let again = kent
            .agreements
            .import_targets(import(v, &request_id, rows, false))
            .await
            .expect("retry")
            .into_inner();
        let replayed = again.applied.expect("applied");
        assert!(replayed.replayed);
        assert_eq!(replayed.first_sequence, applied.first_sequence);
        assert_eq!(app.event_count("kent-2008-11").await, events + 3);

        // Only negotiators in scope import.
        let mut surrey = app.clients(Some(&app.tokens.surrey)).await;
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        for client in [&mut surrey, &mut auditor] {
            assert_refused(
                client
                    .agreements
                    .import_targets(import(v + 3, &rid(), vec![row(117, fitting(117))], true))
                    .await,
                Code::PermissionDenied,
                "OUT_OF_SCOPE",
            );
        }
    })
    .await;
}

/// A sheet as people write one: a statutory target's terms (a
/// deal-breaker), a new designated target, a local one and a placeholder.
fn kent_sheet() -> String {
    let stat = statutory_ni();
    let years = |n: i32| match measure(n).1 {
        laa_core::Polarity::HigherIsBetter => "50,2007,52,54,56",
        laa_core::Polarity::LowerIsBetter => "50,2007,48,46,44",
    };
    format!(
        "Indicator,Title,Unit,Baseline,Baseline period,2008/09,2009/10,2010/11,Placeholder,Due,Rationale,Evidence,Deal-breaker\n\
         NI {stat},,,{},,,evidence from the schools,,yes\n\
         ni117,,,{},,,NEET reduction,\"LSP 2007\nConnexions\",\n\
         local:l-graffiti,Graffiti removed within a day,percent,40,2007,50,60,70,,,a local priority,,\n\
         NI 4,,,,,,,,awaiting_survey,2009,Place Survey in autumn 2008,,\n",
        years(stat),
        years(117)
    )
}

/// The open offers' terms, by indicator.
async fn offers(c: &mut Clients, name: &str) -> Vec<(String, Option<pb::Terms>)> {
    let agreement = c
        .agreements
        .get_agreement(pb::GetAgreementRequest { name: name.into() })
        .await
        .expect("get")
        .into_inner();
    let mut offers: Vec<_> = agreement
        .targets
        .iter()
        .filter_map(|t| {
            let offer = t.open_offer.as_ref()?;
            let indicator = match &t.indicator {
                Some(pb::target::Indicator::IndicatorNumber(n)) => format!("NI {n}"),
                Some(pb::target::Indicator::LocalIndicator(l)) => l.code.clone(),
                None => String::new(),
            };
            Some((indicator, offer.terms.clone()))
        })
        .collect();
    offers.sort_by(|a, b| a.0.cmp(&b.0));
    offers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sheet_through_the_command_line_exports_and_imports_to_the_same_terms() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = |name: &str| dir.path().join(name).display().to_string();
        let mut go = app.clients(Some(&t.go)).await;
        open_kent(&mut go).await;
        let opened = laa(
            &app,
            Some(&t.go),
            &["agreement", "open", "--area", "surrey"],
        );
        assert!(opened.status.success(), "{opened:?}");

        // A bad cell: named by row and column, exit 2, nothing sent.
        let bad = kent_sheet().replacen(",50,2007,", ",fifty,2007,", 1)
            + "NI 117,,,8,2007,7,6,5,,,why,,,extra\n";
        std::fs::write(path("bad.csv"), bad).unwrap();
        let events = app.event_count("kent-2008-11").await;
        let out = laa(
            &app,
            Some(&t.kent),
            &["target", "import", "kent-2008-11", &path("bad.csv")],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("row 2, column 'baseline': 'fifty' is not a number"),
            "{stderr}"
        );
        assert!(
            stderr.contains("row 6: it has cells beyond the last named column"),
            "{stderr}"
        );

        // The sheet, tried, then imported: each row's outcome printed.
        std::fs::write(path("kent.csv"), kent_sheet()).unwrap();
        let out = laa(
            &app,
            Some(&t.kent),
            &[
                "target",
                "import",
                &path("kent.csv"),
                "--agreement",
                "kent-2008-11",
                "--dry-run",
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout.matches("would be accepted").count(), 4, "{stdout}");
        assert!(stdout.contains("dry run: nothing was recorded"), "{stdout}");
        assert_eq!(app.event_count("kent-2008-11").await, events);
        let out = laa(
            &app,
            Some(&t.kent),
            &["target", "import", "kent-2008-11", &path("kent.csv")],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout.matches("recorded").count(), 4, "{stdout}");
        assert_eq!(app.event_count("kent-2008-11").await, events + 4);

        // The same sheet again only restates the area's own offers: a dry
        // run says every row is unchanged, and the import is refused as
        // changing nothing (exit 2).
        let out = laa(
            &app,
            Some(&t.kent),
            &[
                "target",
                "import",
                "kent-2008-11",
                &path("kent.csv"),
                "--dry-run",
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            stdout.matches("unchanged: nothing to record").count(),
            4,
            "{stdout}"
        );
        let out = laa(
            &app,
            Some(&t.kent),
            &["target", "import", "kent-2008-11", &path("kent.csv")],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("nothing would change"), "{stderr}");
        assert_eq!(app.event_count("kent-2008-11").await, events + 4);

        // Other terms on a row the area already offered would counter its
        // own offer: refused whole (exit 4), the row told as its sheet row.
        let edited = kent_sheet().replacen(",50,2007,", ",49,2007,", 1);
        assert_ne!(edited, kent_sheet(), "the first row's baseline is edited");
        std::fs::write(path("kent-edited.csv"), edited).expect("write");
        let out = laa(
            &app,
            Some(&t.kent),
            &["target", "import", "kent-2008-11", &path("kent-edited.csv")],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{stderr}");
        assert!(stderr.contains("NOT_YOUR_TURN"), "{stderr}");
        assert!(stderr.contains("rows[0] is row 2"), "{stderr}");
        assert_eq!(app.event_count("kent-2008-11").await, events + 4);

        // Kent's agreement as a workbook, imported into Surrey's: the same terms.
        let out = laa(
            &app,
            Some(&t.kent),
            &[
                "agreement",
                "export",
                "kent-2008-11",
                "--format",
                "xlsx",
                "--file",
                &path("kent.xlsx"),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = laa(
            &app,
            Some(&t.surrey),
            &["target", "import", "surrey-2008-11", &path("kent.xlsx")],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut surrey = app.clients(Some(&t.surrey)).await;
        let kent_offers = offers(&mut kent, KENT).await;
        assert_eq!(kent_offers.len(), 4);
        assert_eq!(
            kent_offers,
            offers(&mut surrey, "agreements/surrey-2008-11").await
        );

        // The region, as CSV on standard output: both agreements' rows.
        let out = laa(
            &app,
            Some(&t.go),
            &["agreement", "export", "--region", "gose", "--format", "csv"],
        );
        let csv = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            csv.starts_with("agreement,target,kind,status,terms,indicator,title"),
            "{csv}"
        );
        assert!(
            csv.contains("\nkent-2008-11,17,designated,draft,offer by area,NI 117,"),
            "{csv}"
        );
        assert!(csv.contains("\nsurrey-2008-11,"), "{csv}");
    })
    .await;
}
