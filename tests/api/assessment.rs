//! Recommendation 2 through the API, on both databases: actuals on
//! indicators without a target, partners named on a target, and an area's
//! two-part assessment (its negotiated targets, then the rest of the set
//! against the areas of its kind), read with the generated client and with
//! the `laa` binary, an independent client speaking only the wire.

use laa_core::{AreaCode, Role, Scope};
use laa_proto::v1 as pb;
use tonic::Code;

use crate::cli::{laa, ok};
use crate::plain_http::get;
use crate::support::*;

const KENT: &str = "agreements/kent-2008-11";

/// The South East's counties and each one's NI 192 (household waste
/// recycled, higher is better) for 2009/10: Kent shares 41 with Hampshire;
/// Surrey and East Sussex do better.
const COUNTIES: [(&str, f64); 6] = [
    ("kent", 41.0),
    ("surrey", 45.0),
    ("hampshire", 41.0),
    ("oxfordshire", 30.0),
    ("west-sussex", 35.0),
    ("east-sussex", 50.0),
];

/// The version an agreement command answered with.
fn version_of(r: Result<tonic::Response<pb::AgreementResponse>, tonic::Status>, what: &str) -> i64 {
    r.unwrap_or_else(|e| panic!("{what}: {e:?}"))
        .into_inner()
        .agreement
        .expect("agreement")
        .version
}

/// `area`'s agreement opened, its statutory targets settled, `extra`
/// agreed (Kent's NI 117), endorsed, submitted and signed off; the version.
async fn signed_off(
    go: &mut Clients,
    council: &mut Clients,
    minister: &mut Clients,
    area: &str,
    extra: Option<(i32, pb::Terms)>,
) -> i64 {
    let name = format!("agreements/{area}-2008-11");
    let mut v = version_of(
        go.agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: format!("areas/{area}"),
                round: String::new(),
                indicator_set: 2007,
                request_id: rid(),
                expected_version: 0,
                occurred_at: None,
            })
            .await,
        "open",
    );
    let accept = |v: i64, target: u32| pb::AcceptOfferRequest {
        agreement: name.clone(),
        request_id: rid(),
        expected_version: v,
        target,
        occurred_at: None,
    };
    for target in 1..=16u32 {
        v = version_of(
            go.agreements
                .counter_offer(pb::CounterOfferRequest {
                    agreement: name.clone(),
                    request_id: rid(),
                    expected_version: v,
                    target,
                    terms: Some(pct_deferred(60.0, 62.0, 64.0)),
                    rationale: "DCSF floor".into(),
                    ..Default::default()
                })
                .await,
            "statutory offer",
        );
        v = version_of(
            council.agreements.accept_offer(accept(v, target)).await,
            "accept",
        );
    }
    if let Some((n, terms)) = extra {
        let mut request = go_proposal(v, n, terms, "DCSF");
        request.agreement = name.clone();
        v = version_of(go.agreements.propose_target(request).await, "propose");
        v = version_of(
            council.agreements.accept_offer(accept(v, 17)).await,
            "accept",
        );
    }
    v = version_of(
        council
            .agreements
            .endorse_agreement(pb::EndorseAgreementRequest {
                agreement: name.clone(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await,
        "endorse",
    );
    v = version_of(
        go.agreements
            .submit_agreement(pb::SubmitAgreementRequest {
                agreement: name.clone(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await,
        "submit",
    );
    version_of(
        minister
            .agreements
            .sign_off_agreement(pb::SignOffAgreementRequest {
                agreement: name.clone(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await,
        "sign off",
    )
}

fn indicator_actual(
    area: &str,
    v: i64,
    n: i32,
    year: &str,
    value: f64,
) -> pb::RecordIndicatorActualRequest {
    pb::RecordIndicatorActualRequest {
        agreement: format!("agreements/{area}-2008-11"),
        request_id: rid(),
        expected_version: v,
        indicator_number: n,
        year: year.into(),
        value,
        source: "WasteDataFlow".into(),
        occurred_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_area_is_assessed_on_its_negotiated_targets_apart_from_the_rest_of_the_set() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut minister = app.clients(Some(&t.sign_off)).await;
        for (area, recycling) in COUNTIES {
            let token = match area {
                "kent" => t.kent.clone(),
                "surrey" => t.surrey.clone(),
                other => {
                    app.store
                        .credentials()
                        .issue_token(
                            Role::AreaNegotiator,
                            Scope::Area(AreaCode::new(other).unwrap()),
                            other,
                        )
                        .await
                        .expect("token")
                        .1
                }
            };
            let mut council = app.clients(Some(&token)).await;
            let neet = (area == "kent").then(|| (117, pct(8.0, [7.8, 7.4, 7.0])));
            let v = signed_off(&mut go, &mut council, &mut minister, area, neet).await;
            council
                .agreements
                .record_indicator_actual(indicator_actual(area, v, 192, "2009/10", recycling))
                .await
                .unwrap_or_else(|e| panic!("{area} reports NI 192: {e:?}"));
        }
        let mut kent = app.clients(Some(&t.kent)).await;
        let v = version(&mut kent, KENT).await;

        // The same rules as any actual: a negotiated indicator takes its
        // actual on its target, a percentage is at most 100, and only the
        // area records it.
        let refused = kent
            .agreements
            .record_indicator_actual(indicator_actual("kent", v, 117, "2008/09", 7.6))
            .await
            .unwrap_err();
        assert_eq!(
            (refused.code(), reason(&refused).as_str()),
            (Code::InvalidArgument, "INVALID_TERMS")
        );
        let refused = kent
            .agreements
            .record_indicator_actual(indicator_actual("kent", v, 192, "2008/09", 101.0))
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&refused), ["value"]);
        let refused = go
            .agreements
            .record_indicator_actual(indicator_actual("kent", v, 192, "2008/09", 38.0))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);

        // Retried with its request id, an indicator actual is recorded once.
        let first = indicator_actual("kent", v, 191, "2009/10", 600.0);
        let v1 = version_of(
            kent.agreements.record_indicator_actual(first.clone()).await,
            "NI 191",
        );
        let again = version_of(
            kent.agreements.record_indicator_actual(first).await,
            "the retry",
        );
        assert_eq!((v1, again), (v + 1, v + 1));

        // Kent records NEET on its target and names who delivers it.
        let v = version_of(
            kent.agreements
                .record_actual(pb::RecordActualRequest {
                    agreement: KENT.into(),
                    request_id: rid(),
                    expected_version: v1,
                    target: 17,
                    year: "2008/09".into(),
                    value: 7.6,
                    source: "Connexions CCIS".into(),
                    occurred_at: None,
                })
                .await,
            "NEET",
        );
        let refused = kent
            .agreements
            .name_partners(pb::NamePartnersRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                lead: "army".into(),
                contributors: vec![],
                occurred_at: None,
            })
            .await
            .unwrap_err();
        assert_eq!(
            (reason(&refused).as_str(), bad_fields(&refused)),
            ("INVALID_TERMS", vec!["lead".to_owned()])
        );
        let named = kent
            .agreements
            .name_partners(pb::NamePartnersRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                lead: "Council".into(),
                contributors: vec!["lsc".into(), "jobcentre_plus".into()],
                occurred_at: None,
            })
            .await
            .expect("the area names NEET's partners")
            .into_inner()
            .agreement
            .unwrap();
        let neet = named.targets.iter().find(|t| t.id == 17).unwrap();
        assert_eq!(neet.lead_partner, "council", "stored as the list prints it");
        assert_eq!(neet.contributing_partners, ["lsc", "jobcentre_plus"]);
        let v = named.version;
        version_of(
            go.agreements
                .name_partners(pb::NamePartnersRequest {
                    agreement: KENT.into(),
                    request_id: rid(),
                    expected_version: v,
                    target: 1,
                    lead: "council".into(),
                    contributors: vec!["pct".into()],
                    occurred_at: None,
                })
                .await,
            "the GO names an early-years target's partners",
        );
        let agreement = kent
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .unwrap()
            .into_inner();
        let reported: Vec<(i32, &str)> = agreement
            .indicator_actuals
            .iter()
            .map(|a| (a.indicator_number, a.year.as_str()))
            .collect();
        assert_eq!(reported, [(191, "2009/10"), (192, "2009/10")]);

        // The assessment, in two parts.
        let a = kent
            .performance
            .get_area_assessment(pb::GetAreaAssessmentRequest {
                agreement: "kent-2008-11".into(),
            })
            .await
            .expect("Kent reads its assessment")
            .into_inner();
        assert_eq!(
            (a.area.as_str(), a.comparator_group.as_str()),
            ("areas/kent", "county")
        );
        let negotiated = a.negotiated.as_ref().unwrap();
        assert_eq!(negotiated.targets.len(), 17, "16 statutory and NEET");
        let neet = negotiated
            .targets
            .iter()
            .find(|t| t.performance.as_ref().unwrap().indicator_number == 117)
            .unwrap();
        assert_eq!(neet.performance.as_ref().unwrap().status, "on_track");
        assert_eq!(neet.lead_partner, "council");
        let standing = neet.standing.as_ref().expect("NEET is in its tournament");
        assert_eq!(standing.rank, 0, "Kent alone chose NEET: unranked");
        assert!(!negotiated.reward.as_ref().unwrap().assessed);
        let partners: Vec<(&str, usize, usize)> = negotiated
            .partners
            .iter()
            .map(|p| (p.partner.as_str(), p.leads.len(), p.contributes.len()))
            .collect();
        assert_eq!(
            partners,
            [
                ("council", 2, 0),
                ("pct", 0, 1),
                ("jobcentre_plus", 0, 1),
                ("lsc", 0, 1)
            ]
        );
        assert_eq!(negotiated.unassigned.len(), 15);
        let wider: Vec<i32> = a.wider.iter().map(|c| c.indicator_number).collect();
        assert_eq!(wider, [191, 192], "never a negotiated indicator");
        let recycling = &a.wider[1];
        assert_eq!(
            (
                recycling.group_size,
                recycling.group_median.as_str(),
                recycling.position,
                recycling.quartile
            ),
            (6, "41", 3, 2)
        );
        assert!(a.wider[0].unplaced_because.contains("fewer than 5"));

        // Readers in scope only: Surrey's negotiator reads Surrey's, not Kent's.
        let mut surrey = app.clients(Some(&t.surrey)).await;
        let refused = surrey
            .performance
            .get_area_assessment(pb::GetAreaAssessmentRequest {
                agreement: KENT.into(),
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
        let surreys = surrey
            .performance
            .get_area_assessment(pb::GetAreaAssessmentRequest {
                agreement: "agreements/surrey-2008-11".into(),
            })
            .await
            .expect("Surrey's own")
            .into_inner();
        assert_eq!(surreys.wider[0].position, 2, "only East Sussex does better");

        // The verbs that record them, on the command line.
        ok(&laa(
            &app,
            Some(&t.kent),
            &[
                "target",
                "partners",
                "kent-2008-11",
                "--target",
                "2",
                "--lead",
                "pct",
                "--contributor",
                "council",
            ],
        ));
        ok(&laa(
            &app,
            Some(&t.kent),
            &[
                "actual",
                "record-indicator",
                "kent-2008-11",
                "--indicator",
                "NI 39",
                "--year",
                "2009/10",
                "--value",
                "450",
                "--source",
                "HES",
            ],
        ));

        let shown = ok(&laa(
            &app,
            Some(&t.kent),
            &["agreement", "show", "kent-2008-11"],
        ));
        assert!(
            shown.contains("LEAD PARTNER") && shown.contains("jobcentre_plus"),
            "{shown}"
        );
        assert!(
            shown.contains("INDICATOR (NO TARGET)") && shown.contains("NI 39"),
            "{shown}"
        );

        let listed = ok(&laa(&app, Some(&t.kent), &["indicator", "partners"]));
        assert!(
            listed.contains("fire_rescue") && listed.contains("The primary care trust"),
            "{listed}"
        );

        // The command line, speaking only the wire, shows both parts apart.
        let out = ok(&laa(
            &app,
            Some(&t.auditor),
            &["area", "assessment", "kent"],
        ));
        assert!(out.contains("Part 1: the negotiated targets"), "{out}");
        assert!(
            out.contains("Part 2: the rest of the National Indicator Set"),
            "{out}"
        );
        assert!(out.contains("council"), "{out}");
        let json = ok(&laa(
            &app,
            Some(&t.auditor),
            &["--output", "json", "area", "assessment", "kent"],
        ));
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(parsed["comparatorGroup"], "county");
        assert_eq!(
            parsed["wider"][2]["indicatorNumber"], 192,
            "NI 39 now before it"
        );
        assert_eq!(parsed["wider"][2]["position"], 3);

        // The public area page shows both parts apart, and so does the open data.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let web = listener.local_addr().unwrap();
        tokio::spawn(laa_web::serve(
            listener,
            app.store.queries(),
            std::future::pending(),
        ));
        let page = get(web, "/areas/kent", &[]).await;
        assert_eq!(page.status, 200);
        let body = &page.body;
        let part1 = body
            .find("The targets negotiated in this agreement")
            .expect("part 1");
        let part2 = body
            .find("The rest of the National Indicator Set: the broader view")
            .expect("part 2");
        assert!(part1 < part2, "the negotiated targets come first");
        assert!(
            body.contains("assessment-part negotiated") && body.contains("assessment-part wider")
        );
        assert!(
            body.contains("The Learning and Skills Council"),
            "partners by name"
        );
        assert!(
            body.contains("3 of 6, quarter 2 of 4"),
            "Kent's NI 192 among the counties"
        );
        let csv = get(web, "/data/assessment.csv", &[]).await;
        assert_eq!(csv.status, 200);
        assert!(
            csv.body
                .contains("kent-2008-11,kent,Kent,county,negotiated,17,designated,117,"),
            "{}",
            csv.body
        );
        let json = get(web, "/data/assessment.json", &[]).await;
        let document: serde_json::Value = serde_json::from_str(&json.body).expect("JSON");
        let row = document["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["agreement"] == "kent-2008-11"
                    && r["part"] == "wider"
                    && r["indicator_number"] == 192
            })
            .expect("Kent's NI 192");
        assert_eq!(
            (
                row["position"].clone(),
                row["quartile"].clone(),
                row["group_size"].clone()
            ),
            (
                serde_json::json!(3),
                serde_json::json!(2),
                serde_json::json!(6)
            )
        );
    })
    .await;
}
