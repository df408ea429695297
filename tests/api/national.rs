//! National targets built bottom-up (recommendation 15, DOMAIN.md 9) on
//! both databases: an area's population set and read back, a department's
//! proposed national target recorded once, and an independent client
//! checking NI 117's trajectory against the worked example in
//! docs/DOMAIN.md, on the data `laa demo national-round --areas 12 --seed
//! 2008` loads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use laa_proto::v1 as pb;
use rust_decimal::Decimal;
use tonic::Code;

use crate::cli::{demo, fails, fits, laa, laa_on_terminal, ok};
use crate::support::*;

/// One row of the worked example: a name, a population and the four
/// figures (baseline, then each year).
type Row = (String, Decimal, [Decimal; 4]);

fn number(text: &str) -> Decimal {
    text.trim()
        .replace(',', "")
        .parse()
        .unwrap_or_else(|e| panic!("{text:?} is a number: {e}"))
}

/// The worked example's table, as DOMAIN.md writes it, by its first column.
fn worked_example() -> BTreeMap<String, Row> {
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/DOMAIN.md"))
            .expect("DOMAIN.md");
    let (_, after) = doc
        .split_once("<!-- worked-example: NI 117")
        .expect("the worked example's marker");
    after
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 6, "{line}");
            let figures = [1, 2, 3, 4].map(|i| number(cells[i + 1]));
            (
                cells[0].to_owned(),
                (cells[0].to_owned(), number(cells[1]), figures),
            )
        })
        .collect()
}

/// The table's own arithmetic: each total row is what its area rows make.
fn check_the_tables_sums(table: &BTreeMap<String, Row>) {
    let areas: Vec<&Row> = table
        .values()
        .filter(|(name, ..)| name.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect();
    assert_eq!(areas.len(), 9);
    let local = &table["local targets alone"];
    let floor = &table["at the floor (141 areas)"];
    let england = &table["England, implied"];
    let people: Decimal = areas.iter().map(|(_, p, _)| *p).sum();
    assert_eq!(local.1, people);
    assert_eq!(local.1 + floor.1, england.1);
    for k in 0..4 {
        let weighted: Decimal = areas.iter().map(|(_, p, f)| p * f[k]).sum();
        assert_eq!((weighted / people).round_dp(2), local.2[k], "column {k}");
        let national = (weighted + floor.1 * floor.2[k]) / england.1;
        assert_eq!(national.round_dp(2), england.2[k], "column {k}");
    }
}

/// How many events a stream holds.
async fn stream_length(app: &TestApp, stream: &str) -> u64 {
    app.store
        .stream_version(&laa_core::StreamId::parse(stream).expect("a stream"))
        .await
        .expect("its version")
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn dcsf(request_id: &str) -> pb::ProposeNationalTargetRequest {
    pb::ProposeNationalTargetRequest {
        round: "rounds/2008-11".into(),
        indicator_number: 117,
        department: "dcsf".into(),
        year: "2010/11".into(),
        value: "7.6".into(),
        floor: "9".into(),
        rationale: "PSA 10: raise the participation of 16 to 18 year olds".into(),
        request_id: request_id.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ni_117s_national_trajectory_is_the_docs_worked_example() {
    let table = worked_example();
    check_the_tables_sums(&table);
    for_each_database(|app| async move {
        let table = worked_example();
        demo(&app, Some(12), "2008");
        let mut minister = app.clients(Some(&app.tokens.sign_off)).await;
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let backend = app.backend;

        // The independent client reads each area's population and its
        // signed-off NI 117 terms itself, and finds the docs' rows.
        for (name, (_, population, figures)) in &table {
            if !name.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                continue;
            }
            let area = auditor
                .areas
                .get_area(pb::GetAreaRequest {
                    name: format!("areas/{name}"),
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(Decimal::from(area.population), *population, "{name}");
            assert_eq!(area.population_as_of, "2007-06-30");
            let agreement = auditor
                .agreements
                .get_agreement(pb::GetAgreementRequest {
                    name: format!("agreements/{name}-2008-11"),
                })
                .await
                .unwrap()
                .into_inner();
            let target = agreement
                .targets
                .iter()
                .find(|t| {
                    t.indicator == Some(pb::target::Indicator::IndicatorNumber(117))
                        && t.status != pb::TargetStatus::Withdrawn as i32
                })
                .unwrap_or_else(|| panic!("{name} has NI 117"));
            let Some(pb::terms::Kind::Values(v)) =
                target.agreed.as_ref().and_then(|t| t.kind.clone())
            else {
                panic!("{name}: agreed values")
            };
            let mut got = vec![d(&v.baseline.unwrap().value.to_string())];
            for y in &v.trajectory {
                let Some(pb::year_value::Value::Amount(a)) = y.value else {
                    panic!("{name}: {y:?}")
                };
                got.push(d(&a.to_string()));
            }
            assert_eq!(got, figures.to_vec(), "{name} ({backend})");
        }

        // DCSF's proposal, recorded by sign-off; a retry records nothing.
        let answer = minister
            .rounds
            .propose_national_target(dcsf("ni-117-dcsf"))
            .await
            .unwrap()
            .into_inner();
        let before = stream_length(&app, "rounds/2008-11").await;
        let again = minister
            .rounds
            .propose_national_target(dcsf("ni-117-dcsf"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(again, answer);
        assert_eq!(
            stream_length(&app, "rounds/2008-11").await,
            before,
            "one event"
        );

        let t = auditor
            .rounds
            .get_national_trajectory(pb::GetNationalTrajectoryRequest {
                round: "2008-11".into(),
                indicator_number: 117,
                floor: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(t, answer, "the proposal's floor is the trajectory's");
        assert_eq!(t.aggregation, "population_weighted");
        assert_eq!(t.floor, "9");
        assert_eq!((t.areas_with_target, t.areas_without_target), (9, 141));
        let local = &table["local targets alone"];
        let england = &table["England, implied"];
        assert_eq!(Decimal::from(t.population_with_target), local.1);
        assert_eq!(
            Decimal::from(t.population_with_target + t.population_without_target),
            england.1
        );
        assert_eq!(t.rows.len(), 4);
        for (k, row) in t.rows.iter().enumerate() {
            assert_eq!(d(&row.local), local.2[k], "row {k} ({backend})");
            assert_eq!(d(&row.national), england.2[k], "row {k} ({backend})");
            assert_eq!((row.areas_with_value, row.areas_at_floor), (9, 141));
        }
        let gap = t.gap.expect("a gap");
        assert_eq!(
            (d(&gap.implied), d(&gap.difference)),
            (d("10.15"), d("-2.55"))
        );
        assert!(gap.more_demanding);
        let proposal = t.proposal.expect("the proposal");
        assert_eq!(proposal.department, "DCSF");

        // Another floor, asked for, records nothing and changes the figure:
        // the docs' 6.356... brings England to the proposal.
        let what_if = auditor
            .rounds
            .get_national_trajectory(pb::GetNationalTrajectoryRequest {
                round: String::new(),
                indicator_number: 117,
                floor: "6.356".into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(what_if.rows[3].national, "7.6");
        assert_eq!(stream_length(&app, "rounds/2008-11").await, before);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_population_is_set_by_an_administrator_once_and_weights_the_figures() {
    for_each_database(|app| async move {
        let mut admin = app.clients(Some(&app.tokens.admin)).await;
        let mut minister = app.clients(Some(&app.tokens.sign_off)).await;
        let set = |request_id: &str, population: i64| pb::SetAreaPopulationRequest {
            area: "areas/hartlepool".into(),
            population,
            as_of: "2008-06-30".into(),
            source: "ONS mid-2008 estimate".into(),
            request_id: request_id.into(),
        };
        let before = stream_length(&app, "areas/hartlepool").await;
        assert_eq!(before, 2, "created with its mid-2007 population");
        let area = admin
            .areas
            .set_area_population(set("hartlepool-2008", 91_300))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (area.population, area.population_as_of.as_str()),
            (91_300, "2008-06-30")
        );
        // The same figure again (a retry, or another request) records nothing.
        admin
            .areas
            .set_area_population(set("hartlepool-2008", 91_300))
            .await
            .unwrap();
        admin
            .areas
            .set_area_population(set("hartlepool-again", 91_300))
            .await
            .unwrap();
        assert_eq!(stream_length(&app, "areas/hartlepool").await, before + 1);
        for (bad, field) in [
            (set("zero", 0), "population"),
            (set("neg", -5), "population"),
        ] {
            let e = admin.areas.set_area_population(bad).await.unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument);
            assert_eq!(bad_fields(&e), [field]);
        }
        let e = minister
            .areas
            .set_area_population(set("minister", 1))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let e = admin
            .areas
            .set_area_population(pb::SetAreaPopulationRequest {
                area: "areas/atlantis".into(),
                ..set("atlantis", 1)
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);

        // With no target anywhere, England is the floor, whatever the weights.
        let t = minister
            .rounds
            .get_national_trajectory(pb::GetNationalTrajectoryRequest {
                round: "rounds/2008-11".into(),
                indicator_number: 117,
                floor: "9".into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((t.areas_with_target, t.areas_without_target), (0, 150));
        assert!(
            t.rows
                .iter()
                .all(|r| r.national == "9" && r.local.is_empty())
        );
        assert_eq!(t.population_without_target, 51_109_000 - 91_000 + 91_300);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_national_target_is_proposed_by_sign_off_for_a_department_and_checked() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let e = go
            .rounds
            .propose_national_target(dcsf("by-a-go"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        assert_eq!(reason(&e), "OUT_OF_SCOPE");
        let mut minister = app.clients(Some(&app.tokens.sign_off)).await;
        for (request, field) in [
            (
                pb::ProposeNationalTargetRequest {
                    department: "Nowhere".into(),
                    ..dcsf("dept")
                },
                "department",
            ),
            (
                pb::ProposeNationalTargetRequest {
                    year: "2011/12".into(),
                    ..dcsf("year")
                },
                "year",
            ),
            (
                pb::ProposeNationalTargetRequest {
                    value: "120".into(),
                    ..dcsf("value")
                },
                "value",
            ),
            (
                pb::ProposeNationalTargetRequest {
                    floor: "nine".into(),
                    ..dcsf("floor")
                },
                "floor",
            ),
            (
                pb::ProposeNationalTargetRequest {
                    indicator_number: 31,
                    ..dcsf("ni-31")
                },
                "indicator_number",
            ),
        ] {
            let e = minister
                .rounds
                .propose_national_target(request)
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{field}: {e:?}");
            assert_eq!(bad_fields(&e), [field], "{e:?}");
        }
        let e = minister
            .rounds
            .propose_national_target(pb::ProposeNationalTargetRequest {
                round: "2011-14".into(),
                ..dcsf("no-round")
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        assert_eq!(
            stream_length(&app, "rounds/2008-11").await,
            1,
            "nothing recorded"
        );
        // Administrators read no agreements, so no trajectory either.
        let mut admin = app.clients(Some(&app.tokens.admin)).await;
        let e = admin
            .rounds
            .get_national_trajectory(pb::GetNationalTrajectoryRequest {
                indicator_number: 117,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
    })
    .await;
}

/// The command line: an administrator sets a population, sign-off records
/// DCSF's proposal, and an auditor reads the trajectory as a table that
/// fits an 80-column terminal and as proto3 JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn national_targets_through_the_command_line() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let out = ok(&laa(
            &app,
            Some(&t.admin),
            &[
                "area",
                "set-population",
                "kent",
                "--population",
                "1394700",
                "--as-of",
                "2007-06-30",
                "--source",
                "ONS mid-2007 estimate",
            ],
        ));
        assert!(
            out.contains("population set: kent 1394700 (2007-06-30, ONS mid-2007 estimate)"),
            "{out}"
        );
        let proposed = [
            "round",
            "propose-target",
            "117",
            "--department",
            "DCSF",
            "--year",
            "2010/11",
            "--value",
            "7.6",
            "--floor",
            "9",
            "--rationale",
            "PSA 10",
        ];
        let out = fails(&laa(&app, Some(&t.go), &proposed));
        assert!(out.contains("only sign-off"), "{out}");
        let out = ok(&laa(&app, Some(&t.sign_off), &proposed));
        assert!(
            out.contains("proposed by DCSF: 7.6 in 2010/11 (PSA 10)"),
            "{out}"
        );
        let shown = laa_on_terminal(&app, &t.auditor, &["round", "trajectory", "117"], 80);
        fits(&shown, 80, &["LOCAL TARGETS", "NATIONAL", "AT FLOOR"]);
        assert!(shown.contains("2010/11"), "{shown}");
        assert!(shown.contains("0 areas with a target"), "{shown}");
        let json: serde_json::Value = serde_json::from_str(&ok(&laa(
            &app,
            Some(&t.auditor),
            &["round", "trajectory", "117", "--floor", "8", "-o", "json"],
        )))
        .expect("JSON");
        assert_eq!(json["floor"], "8");
        assert_eq!(json["rows"][3]["national"], "8");
        assert_eq!(json["aggregation"], "population_weighted");
    })
    .await;
}

/// The workspace: the administrator sets an area's population through its
/// form on the areas page, and sign-off records DCSF's proposal through
/// the rounds page's form; each form is shown only to the role that may
/// use it, and a refusal comes back on its field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn national_targets_through_the_workspace() {
    use crate::workspace::{Visitor, offers, serve_workspace};
    for_each_database(|app| async move {
        let address = serve_workspace(&app).await;
        let mut admin = Visitor::at(address);
        assert_eq!(admin.sign_in(&app.tokens.admin).await.status, 303);
        let set = admin
            .submit(
                "/workspace/areas",
                "SetAreaPopulation",
                &[
                    ("area", "kent"),
                    ("population", "1,394,700"),
                    ("as_of", "2007-06-30"),
                    ("source", "ONS mid-2007 estimate"),
                ],
            )
            .await;
        assert_eq!(set.status, 303, "{}", set.body);
        let areas = admin.get("/workspace/areas").await.body;
        assert!(areas.contains("1394700 (2007-06-30)"), "{areas}");
        assert!(!offers(
            &admin.get("/workspace/rounds").await.body,
            "ProposeNationalTarget"
        ));

        let mut minister = Visitor::at(address);
        assert_eq!(minister.sign_in(&app.tokens.sign_off).await.status, 303);
        assert!(!offers(
            &minister.get("/workspace/areas").await.body,
            "SetAreaPopulation"
        ));
        let fields = [
            ("round", "2008-11"),
            ("indicator_number", "117"),
            ("department", "DCSF"),
            ("year", "2010/11"),
            ("value", "107.6"),
            ("floor", "9"),
            ("rationale", "PSA 10"),
        ];
        let refused = minister
            .submit("/workspace/rounds", "ProposeNationalTarget", &fields)
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refused.body.contains("href=\"#value\""), "{}", refused.body);
        let proposed = minister
            .submit_from(&refused.body, "ProposeNationalTarget", &[("value", "7.6")])
            .await;
        assert_eq!(proposed.status, 303, "{}", proposed.body);
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let t = auditor
            .rounds
            .get_national_trajectory(pb::GetNationalTrajectoryRequest {
                indicator_number: 117,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(t.proposal.map(|p| p.value), Some("7.6".into()));
    })
    .await;
}
