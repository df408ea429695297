//! Indicator sets as administered data (rule 10, recommendation 17): an
//! administrator drafts a set from a published one, everyone reads it and
//! comments while its consultation is open, it is published once the
//! window has passed, and only then can agreements bind to it. The clock is
//! moved the way the demo moves it: a server replaying dates decides each
//! command at its `occurred_at`, never by sleeping.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::rounds::{pct_2011, round_2011_14};
use crate::support::*;

const KENT_2011: &str = "agreements/kent-2011-14";

/// Runs `test` on servers deciding dated commands at their date.
async fn replaying<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for_each_database_clocked(laa_store::Clock::Replay, Default::default(), test).await;
}

/// Noon UTC on a day.
fn on(y: i32, m: u32, d: u32) -> Option<prost_types::Timestamp> {
    let at = chrono::NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("a date")
        .and_utc();
    Some(prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    })
}

/// `terms` measured in `unit` (the indicator's own, by issue 12's rule).
fn measured_in(mut terms: pb::Terms, unit: &str) -> pb::Terms {
    if let Some(pb::terms::Kind::Values(v)) = &mut terms.kind {
        v.unit = unit.into();
    }
    terms
}

fn new_indicator(number: i32, title: &str) -> pb::Indicator {
    pb::Indicator {
        number,
        title: title.into(),
        subject_group: "Local economy".into(),
        dso_department: "BERR".into(),
        unit: "count".into(),
        polarity: "higher_is_better".into(),
        ..Default::default()
    }
}

/// The 2011 draft of the tests: NI 201 added, NI 16 withdrawn, NI 15 reworded.
fn draft_2011() -> pb::CreateIndicatorSetRequest {
    pb::CreateIndicatorSetRequest {
        request_id: String::new(),
        version: 2011,
        based_on: "indicatorSets/2008".into(),
        edits: vec![
            pb::IndicatorSetEdit {
                edit: Some(pb::indicator_set_edit::Edit::Add(new_indicator(
                    201,
                    "Businesses helped to grow through the downturn",
                ))),
            },
            pb::IndicatorSetEdit {
                edit: Some(pb::indicator_set_edit::Edit::Withdraw(16)),
            },
            pb::IndicatorSetEdit {
                edit: Some(pb::indicator_set_edit::Edit::Amend(pb::Indicator {
                    number: 15,
                    title: "Serious violent crime, per 1,000 population".into(),
                    subject_group: "Safer communities".into(),
                    psa: 23,
                    ..Default::default()
                })),
            },
        ],
        consultation_closes: String::new(),
        occurred_at: on(2010, 6, 1),
    }
}

async fn title(c: &mut Clients, name: &str) -> (String, String) {
    let i = c
        .indicators
        .get_indicator(pb::GetIndicatorRequest { name: name.into() })
        .await
        .expect("read an indicator")
        .into_inner();
    (i.title, i.status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_public_is_consulted_on_and_is_published_after_its_window() {
    replaying(|app| async move {
        let t = &app.tokens;
        let mut admin = app.clients(Some(&t.admin)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut go = app.clients(Some(&t.go)).await;
        let refused = go
            .indicators
            .create_indicator_set(draft_2011())
            .await
            .expect_err("only administrators draft");
        assert_eq!(refused.code(), Code::PermissionDenied);
        let draft = admin
            .indicators
            .create_indicator_set(draft_2011())
            .await
            .expect("the administrator drafts 2011")
            .into_inner();
        assert_eq!(
            (draft.status.as_str(), draft.based_on, draft.active_count),
            ("draft", 2008, 198),
            "{draft:?}"
        );
        assert_eq!(
            (
                draft.consultation_opens.as_str(),
                draft.consultation_closes.as_str()
            ),
            ("2010-06-01", "2010-09-01"),
            "three months by default"
        );
        let again = admin
            .indicators
            .create_indicator_set(draft_2011())
            .await
            .expect_err("a version is drafted once");
        assert_eq!(
            (again.code(), reason(&again).as_str()),
            (Code::AlreadyExists, "ALREADY_EXISTS")
        );

        // Public from the moment it exists, in its own wording; 2008 keeps its.
        let sets = kent
            .indicators
            .list_indicator_sets(pb::ListIndicatorSetsRequest {})
            .await
            .expect("a council lists the sets")
            .into_inner()
            .indicator_sets;
        let listed: Vec<(i32, &str)> = sets
            .iter()
            .map(|s| (s.version, s.status.as_str()))
            .collect();
        assert_eq!(
            listed,
            [(2007, "published"), (2008, "published"), (2011, "draft")]
        );
        assert_eq!(
            title(&mut kent, "indicatorSets/2011/indicators/15").await.0,
            "Serious violent crime, per 1,000 population"
        );
        assert_eq!(
            title(&mut kent, "indicatorSets/2008/indicators/15").await.0,
            "Serious violent crime rate"
        );
        assert_eq!(
            title(&mut kent, "indicatorSets/2011/indicators/16").await.1,
            "withdrawn"
        );
        assert_eq!(
            title(&mut kent, "indicatorSets/2011/indicators/201").await,
            (
                "Businesses helped to grow through the downturn".into(),
                "active".into()
            )
        );
        let missing = kent
            .indicators
            .get_indicator(pb::GetIndicatorRequest {
                name: "indicatorSets/2008/indicators/201".into(),
            })
            .await
            .expect_err("2008 has no NI 201");
        assert_eq!(missing.code(), Code::NotFound);

        // Binding to a draft is refused.
        let bound = go
            .agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: "areas/kent".into(),
                round: "2008-11".into(),
                indicator_set: 2011,
                request_id: rid(),
                ..Default::default()
            })
            .await
            .expect_err("a draft cannot be bound");
        assert_eq!(
            (bound.code(), reason(&bound).as_str()),
            (Code::FailedPrecondition, "INDICATOR_NOT_ACTIVE")
        );

        // Councils, Government Offices and departments comment in the window.
        for (who, text) in [
            (&mut kent, "Keep NI 16: it is in our LAA"),
            (&mut go, "Agreed"),
        ] {
            who.indicators
                .comment_on_indicator_set(pb::CommentOnIndicatorSetRequest {
                    request_id: String::new(),
                    indicator_set: "2011".into(),
                    text: text.into(),
                    occurred_at: on(2010, 7, 15),
                })
                .await
                .expect("a comment in the window");
        }
        // A retry of Kent's comment (its answer lost) is answered with the
        // first and records nothing twice (the two authors are listed once
        // each when the set is published, below).
        let again = kent
            .indicators
            .comment_on_indicator_set(pb::CommentOnIndicatorSetRequest {
                request_id: String::new(),
                indicator_set: "2011".into(),
                text: "Keep NI 16: it is in our LAA".into(),
                occurred_at: on(2010, 7, 16),
            })
            .await
            .expect("a retried comment")
            .into_inner();
        assert_eq!(again.create_time, on(2010, 7, 15), "the first comment");
        let blank = kent
            .indicators
            .comment_on_indicator_set(pb::CommentOnIndicatorSetRequest {
                request_id: String::new(),
                indicator_set: "2011".into(),
                text: "  ".into(),
                occurred_at: on(2010, 7, 15),
            })
            .await
            .expect_err("a blank comment");
        assert_eq!(blank.code(), Code::InvalidArgument);
        assert_eq!(bad_fields(&blank), ["text"]);

        // Not before the window has passed, and only by an administrator.
        let early = admin
            .indicators
            .publish_indicator_set(pb::PublishIndicatorSetRequest {
                request_id: String::new(),
                name: "indicatorSets/2011".into(),
                occurred_at: on(2010, 8, 31),
            })
            .await
            .expect_err("the consultation is still open");
        assert_eq!(
            (early.code(), reason(&early).as_str()),
            (Code::FailedPrecondition, "CONSULTATION_OPEN")
        );
        let by_council = kent
            .indicators
            .publish_indicator_set(pb::PublishIndicatorSetRequest {
                request_id: String::new(),
                name: "2011".into(),
                occurred_at: on(2010, 9, 1),
            })
            .await
            .expect_err("a council does not publish");
        assert_eq!(by_council.code(), Code::PermissionDenied);
        let published = admin
            .indicators
            .publish_indicator_set(pb::PublishIndicatorSetRequest {
                request_id: String::new(),
                name: "2011".into(),
                occurred_at: on(2010, 9, 1),
            })
            .await
            .expect("published once the window has passed")
            .into_inner();
        assert_eq!(published.status, "published");
        let authors: Vec<(&str, &str)> = published
            .comments
            .iter()
            .map(|c| (c.author.as_str(), c.role.as_str()))
            .collect();
        assert_eq!(
            authors,
            [
                ("kent:officer", "area-negotiator"),
                ("gose:negotiator", "go-negotiator")
            ]
        );
        let late = kent
            .indicators
            .comment_on_indicator_set(pb::CommentOnIndicatorSetRequest {
                request_id: String::new(),
                indicator_set: "2011".into(),
                text: "Too late".into(),
                occurred_at: on(2010, 9, 2),
            })
            .await
            .expect_err("the consultation is over");
        assert_eq!(
            (late.code(), reason(&late).as_str()),
            (Code::FailedPrecondition, "CONSULTATION_CLOSED")
        );
        let twice = admin
            .indicators
            .publish_indicator_set(pb::PublishIndicatorSetRequest {
                request_id: String::new(),
                name: "2011".into(),
                occurred_at: on(2010, 9, 2),
            })
            .await
            .expect_err("published once");
        assert_eq!(twice.code(), Code::AlreadyExists);

        // An agreement bound to an older set (2007) keeps it: NI 16, withdrawn in 2011, is
        // still there to propose.
        let v = open_kent(&mut go).await;
        go.agreements
            .propose_target(go_proposal(
                v,
                16,
                measured_in(pct(8.0, [7.0, 6.0, 5.0]), "rate_per_1000"),
                "HO",
            ))
            .await
            .expect("NI 16 under the older set");

        // The set, its wording and its comments outlive a restart.
        let mut app = app;
        app.restart().await;
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let read = kent
            .indicators
            .get_indicator_set(pb::GetIndicatorSetRequest {
                name: "indicatorSets/2011".into(),
            })
            .await
            .expect("read after a restart")
            .into_inner();
        assert_eq!(
            (read.status.as_str(), read.comments.len()),
            ("published", 2)
        );
        assert_eq!(
            title(&mut kent, "indicatorSets/2011/indicators/15").await.0,
            "Serious violent crime, per 1,000 population"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_refused_as_a_whole_for_what_it_cannot_be() {
    for_each_database(|app| async move {
        let mut admin = app.clients(Some(&app.tokens.admin)).await;
        let edit = |e: pb::indicator_set_edit::Edit| pb::IndicatorSetEdit { edit: Some(e) };
        use pb::indicator_set_edit::Edit;
        let cases: Vec<(pb::CreateIndicatorSetRequest, &str)> = vec![
            (
                pb::CreateIndicatorSetRequest {
                    version: 2008,
                    ..draft_2011()
                },
                "ALREADY_EXISTS",
            ),
            (
                pb::CreateIndicatorSetRequest {
                    based_on: "2009".into(),
                    ..draft_2011()
                },
                "NOT_FOUND",
            ),
            (
                pb::CreateIndicatorSetRequest {
                    edits: vec![edit(Edit::Add(new_indicator(15, "Taken")))],
                    ..draft_2011()
                },
                "edits.add",
            ),
            (
                pb::CreateIndicatorSetRequest {
                    edits: vec![edit(Edit::Withdraw(31))],
                    ..draft_2011()
                },
                "edits.withdraw",
            ),
            (
                pb::CreateIndicatorSetRequest {
                    edits: vec![edit(Edit::Withdraw(16)), edit(Edit::Withdraw(16))],
                    ..draft_2011()
                },
                "edits",
            ),
            (
                pb::CreateIndicatorSetRequest {
                    edits: vec![edit(Edit::Add(pb::Indicator {
                        dso_department: "MoM".into(),
                        ..new_indicator(201, "Owls")
                    }))],
                    ..draft_2011()
                },
                "edits.add.dso_department",
            ),
            (
                pb::CreateIndicatorSetRequest {
                    edits: vec![edit(Edit::Add(pb::Indicator {
                        unit: String::new(),
                        ..new_indicator(201, "Owls")
                    }))],
                    ..draft_2011()
                },
                "edits.add.unit",
            ),
            (
                pb::CreateIndicatorSetRequest {
                    edits: vec![edit(Edit::Add(pb::Indicator {
                        polarity: "sideways".into(),
                        ..new_indicator(201, "Owls")
                    }))],
                    ..draft_2011()
                },
                "edits.add.polarity",
            ),
            (
                pb::CreateIndicatorSetRequest {
                    consultation_closes: "2026-12-01".into(),
                    ..draft_2011()
                },
                "consultation_closes",
            ),
            (
                pb::CreateIndicatorSetRequest {
                    edits: vec![pb::IndicatorSetEdit { edit: None }],
                    ..draft_2011()
                },
                "edits",
            ),
        ];
        for (mut request, expected) in cases {
            // This server decides at its own clock: no dates.
            request.occurred_at = None;
            let status = admin
                .indicators
                .create_indicator_set(request.clone())
                .await
                .expect_err("refused");
            if expected.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                assert_eq!(reason(&status), expected, "{request:?}: {status:?}");
            } else {
                assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
                assert_eq!(bad_fields(&status), [expected], "{request:?}: {status:?}");
            }
        }
        let dated = admin
            .indicators
            .create_indicator_set(draft_2011())
            .await
            .expect_err("a server not replaying dates takes none");
        assert_eq!(bad_fields(&dated), ["occurred_at"]);
        let sets = admin
            .indicators
            .list_indicator_sets(pb::ListIndicatorSetsRequest {})
            .await
            .expect("list")
            .into_inner()
            .indicator_sets;
        assert_eq!(sets.len(), 2, "nothing was drafted");
    })
    .await;
}

fn after(r: tonic::Response<pb::AgreementResponse>) -> i64 {
    r.into_inner().agreement.expect("the agreement").version
}

/// Issue 13, item 5: the 2011 set is drafted, consulted on and published,
/// a 2011-14 round is created on it, and an agreement is negotiated under
/// it to sign-off on an indicator only the 2011 set lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2011_set_after_consultation_carries_a_2011_14_agreement_to_sign_off() {
    replaying(|app| async move {
        let t = &app.tokens;
        let mut admin = app.clients(Some(&t.admin)).await;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut minister = app.clients(Some(&t.sign_off)).await;
        admin
            .indicators
            .create_indicator_set(draft_2011())
            .await
            .expect("draft 2011");
        kent.indicators
            .comment_on_indicator_set(pb::CommentOnIndicatorSetRequest {
                request_id: String::new(),
                indicator_set: "2011".into(),
                text: "NI 201 is welcome".into(),
                occurred_at: on(2010, 7, 1),
            })
            .await
            .expect("comment");
        let early = admin
            .rounds
            .create_round(pb::CreateRoundRequest {
                request_id: String::new(),
                round: Some(pb::Round {
                    indicator_set: 2011,
                    ..round_2011_14()
                }),
            })
            .await
            .expect_err("a round is bound to a published set");
        assert_eq!(early.code(), Code::InvalidArgument);
        admin
            .indicators
            .publish_indicator_set(pb::PublishIndicatorSetRequest {
                request_id: String::new(),
                name: "2011".into(),
                occurred_at: on(2010, 9, 1),
            })
            .await
            .expect("publish after the window");
        let round = admin
            .rounds
            .create_round(pb::CreateRoundRequest {
                request_id: String::new(),
                round: Some(pb::Round {
                    indicator_set: 2011,
                    max_government_targets: Some(10),
                    ..round_2011_14()
                }),
            })
            .await
            .expect("2011-14 on the 2011 set")
            .into_inner();
        assert_eq!(
            (
                round.indicator_set,
                round.designated_cap,
                round.max_whitehall_priorities
            ),
            (2011, 20, Some(5))
        );
        assert_eq!(
            round.max_government_targets,
            Some(10),
            "apart from the priorities"
        );
        let v = after(
            go.agreements
                .open_agreement(pb::OpenAgreementRequest {
                    area: "areas/kent".into(),
                    round: "2011-14".into(),
                    indicator_set: 2011,
                    request_id: rid(),
                    ..Default::default()
                })
                .await
                .expect("open under 2011"),
        );
        let v = after(
            go.agreements
                .declare_priorities(pb::DeclarePrioritiesRequest {
                    agreement: KENT_2011.into(),
                    request_id: rid(),
                    expected_version: v,
                    priorities: vec![pb::Priority {
                        statement: "Businesses through the downturn".into(),
                        departments: vec!["BERR".into()],
                    }],
                    occurred_at: None,
                })
                .await
                .expect("declare"),
        );
        let withdrawn = go
            .agreements
            .propose_target(pb::ProposeTargetRequest {
                agreement: KENT_2011.into(),
                priority: 1,
                ..go_proposal(
                    v,
                    16,
                    measured_in(pct_2011(8.0, [7.0, 6.0, 5.0]), "rate_per_1000"),
                    "BERR",
                )
            })
            .await
            .expect_err("NI 16 is withdrawn in 2011");
        assert_eq!(reason(&withdrawn), "INDICATOR_NOT_ACTIVE");
        let v = after(
            go.agreements
                .propose_target(pb::ProposeTargetRequest {
                    agreement: KENT_2011.into(),
                    priority: 1,
                    ..go_proposal(
                        v,
                        201,
                        measured_in(pct_2011(8.0, [9.0, 10.0, 11.0]), "count"),
                        "BERR",
                    )
                })
                .await
                .expect("propose on the new NI 201"),
        );
        let v = after(
            kent.agreements
                .accept_offer(pb::AcceptOfferRequest {
                    agreement: KENT_2011.into(),
                    request_id: rid(),
                    expected_version: v,
                    target: 1,
                    occurred_at: None,
                })
                .await
                .expect("accept"),
        );
        let v = after(
            kent.agreements
                .endorse_agreement(pb::EndorseAgreementRequest {
                    agreement: KENT_2011.into(),
                    request_id: rid(),
                    expected_version: v,
                    occurred_at: None,
                })
                .await
                .expect("endorse"),
        );
        let v = after(
            go.agreements
                .submit_agreement(pb::SubmitAgreementRequest {
                    agreement: KENT_2011.into(),
                    request_id: rid(),
                    expected_version: v,
                    occurred_at: None,
                })
                .await
                .expect("submit"),
        );
        let signed = minister
            .agreements
            .sign_off_agreement(pb::SignOffAgreementRequest {
                agreement: KENT_2011.into(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await
            .expect("sign off")
            .into_inner()
            .agreement
            .expect("agreement");
        assert_eq!(signed.status, pb::AgreementStatus::Agreed as i32);
        assert_eq!(signed.indicator_set, 2011);
        let verified = kent
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: KENT_2011.into(),
            })
            .await
            .expect("verify")
            .into_inner();
        assert!(verified.ok, "{verified:?}");
    })
    .await;
}

/// A draft's edit declaring two indicators related.
fn relate(first: i32, second: i32, note: &str) -> pb::IndicatorSetEdit {
    pb::IndicatorSetEdit {
        edit: Some(pb::indicator_set_edit::Edit::Relate(
            pb::IndicatorRelation {
                first,
                second,
                note: note.into(),
            },
        )),
    }
}

/// Recommendation 4's "cross-government models showing how the different
/// indicators influence each other": a draft declares NI 117 and NI 163
/// related; the relation is read with the draft, on each indicator, in the
/// CLI, and on the public indicator page (the draft's, marked so).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_relates_two_indicators_and_everyone_reads_how() {
    replaying(|app| async move {
        let mut admin = app.clients(Some(&app.tokens.admin)).await;
        let note = "Fewer young people NEET raise Level 2 attainment";
        let mut request = draft_2011();
        request.edits.push(relate(163, 117, note));
        let draft = admin
            .indicators
            .create_indicator_set(request)
            .await
            .expect("the administrator drafts 2011 with a relation")
            .into_inner();
        assert_eq!(
            draft
                .relations
                .iter()
                .map(|r| (r.first, r.second, r.note.as_str()))
                .collect::<Vec<_>>(),
            [(117, 163, note)]
        );
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let neet = kent
            .indicators
            .get_indicator(pb::GetIndicatorRequest {
                name: "indicatorSets/2011/indicators/117".into(),
            })
            .await
            .expect("NI 117 in the draft")
            .into_inner();
        assert_eq!(neet.relations.len(), 1, "{neet:?}");
        let out = crate::cli::ok(&crate::cli::laa(
            &app,
            Some(&app.tokens.kent),
            &["indicator", "show", "163", "--set", "2011"],
        ));
        assert!(out.contains(&format!("related to NI 117: {note}")), "{out}");

        // A relation to an indicator the draft does not hold is refused.
        let mut bad = draft_2011();
        bad.version = 2012;
        bad.edits = vec![relate(117, 999, note)];
        let refused = admin
            .indicators
            .create_indicator_set(bad)
            .await
            .expect_err("NI 999 is no indicator of 2008");
        assert_eq!(refused.code(), Code::InvalidArgument);

        let pages = crate::web::serve_pages(&app).await;
        let page = crate::workspace::Visitor::at(pages)
            .get("/indicators/117")
            .await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("Indicators it influences"),
            "{}",
            page.body
        );
        assert!(page.body.contains(note) && page.body.contains("/indicators/163"));
        assert!(
            page.body
                .contains("In the 2011 set (Draft, under consultation)"),
            "{}",
            page.body
        );

        // Published, the relation is shown beside a target on NI 117 in the
        // workspace.
        admin
            .indicators
            .publish_indicator_set(pb::PublishIndicatorSetRequest {
                request_id: String::new(),
                name: "2011".into(),
                occurred_at: on(2010, 9, 1),
            })
            .await
            .expect("published once the window has passed");
        let mut go = app.clients(Some(&app.tokens.go)).await;
        kent_with_a_proposal(&mut go).await;
        let workspace = crate::workspace::serve_workspace(&app).await;
        let mut officer = crate::workspace::Visitor::at(workspace);
        officer.sign_in(&app.tokens.kent).await;
        let target = officer
            .get("/workspace/agreements/kent-2008-11/targets/17")
            .await;
        assert_eq!(target.status, 200, "{}", target.body);
        assert!(
            target.body.contains("Related indicators") && target.body.contains(note),
            "{}",
            target.body
        );
    })
    .await;
}
