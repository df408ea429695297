//! National targets built bottom-up (recommendation 15, DOMAIN.md 9): an
//! area's population as reference data, a department's proposed national
//! target on the round's stream, and the national trajectory the
//! signed-off local targets imply, with a floor for the other areas.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use laa_core::area::{Area, AreaChange, AreaCommand, Population};
use laa_core::national::{
    Aggregation, AreaWithout, LocalTarget, NationalProposal, TrajectoryInput, national_trajectory,
    signed_off_target,
};
use laa_core::round::{Round, RoundChange, RoundCommand};
use laa_core::*;
use rust_decimal::Decimal;

use crate::harness::*;

/// A decimal as written.
fn d(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// A stream's given events, the command decided on them, and the outcome.
struct Given<A: Aggregate> {
    state: A,
}

impl<A: Aggregate> Given<A> {
    fn new(state: A) -> Self {
        Self { state }
    }

    fn given(mut self, actor: &Actor, command: A::Command) -> Self {
        for e in self
            .when(actor, command)
            .expect("the given command is accepted")
        {
            self.state.apply(&e);
        }
        self
    }

    fn when(
        &self,
        actor: &Actor,
        command: A::Command,
    ) -> Result<Vec<Event<A::Change>>, DomainError> {
        let ctx = Context {
            now: Utc.with_ymd_and_hms(2008, 7, 1, 9, 0, 0).unwrap(),
            catalogue: &CATALOGUE,
            expected_version: None,
            occurred_at: None,
        };
        self.state.decide(command, actor, &ctx)
    }
}

fn round_2008() -> Given<Round> {
    Given::new(Round::default()).given(
        &admin(),
        RoundCommand::Create {
            policy: RoundPolicy::round_2008_11(),
            indicator_set: set(2008),
        },
    )
}

fn propose_neet(value: Decimal, floor: Decimal) -> RoundCommand {
    RoundCommand::ProposeNationalTarget {
        indicator: ni(117),
        department: dept("dcsf"),
        year: year("2010/11"),
        value,
        floor,
        rationale: "  PSA 14: fewer young people not in education, employment or training  ".into(),
    }
}

#[test]
fn sign_off_records_a_departments_national_target_on_the_round() {
    let events = round_2008()
        .when(&minister(), propose_neet(d("7.6"), d("9.0")))
        .expect("accepted");
    let [e] = events.as_slice() else {
        panic!("one event: {events:?}")
    };
    let RoundChange::NationalTargetProposed { proposal } = &e.change else {
        panic!("{e:?}")
    };
    assert_eq!(e.change.kind(), "national_target_proposed");
    assert_eq!(proposal.department.as_str(), "DCSF", "the canonical code");
    assert_eq!(proposal.value, d("7.6"));
    assert_eq!(proposal.floor, d("9.0"));
    assert!(proposal.rationale.starts_with("PSA 14"), "trimmed");
}

#[test]
fn the_same_proposal_again_records_nothing_and_a_new_one_replaces_it() {
    let round = round_2008().given(&minister(), propose_neet(d("7.6"), d("9.0")));
    assert_eq!(
        round.when(&minister(), propose_neet(d("7.6"), d("9.0"))),
        Ok(vec![]),
        "a retry is safe"
    );
    let round = round.given(&minister(), propose_neet(d("7.2"), d("9.0")));
    assert_eq!(round.state.national_targets[&ni(117)].value, d("7.2"));
}

#[test]
fn only_sign_off_proposes_a_national_target() {
    for actor in [go(), area(), auditor(), admin()] {
        let e = round_2008()
            .when(&actor, propose_neet(d("7.6"), d("9.0")))
            .unwrap_err();
        assert_eq!(
            e,
            DomainError::NationalTargetsBySignOff { role: actor.role },
            "{actor:?}"
        );
        assert_eq!(e.reason(), Reason::OutOfScope);
    }
}

#[test]
fn a_proposal_names_an_active_indicator_a_department_a_year_of_the_round_and_fits_the_unit() {
    let round = round_2008();
    let refused = |command: RoundCommand| match round.when(&minister(), command) {
        Err(DomainError::Invalid { field, .. }) => field,
        other => panic!("refused: {other:?}"),
    };
    // DCSF's proposal with one field changed.
    let with = |change: &dyn Fn(&mut NationalProposal)| {
        let mut p = NationalProposal {
            indicator: ni(117),
            department: dept("DCSF"),
            year: year("2010/11"),
            value: d("7.6"),
            floor: d("9.0"),
            rationale: "PSA 14".into(),
        };
        change(&mut p);
        RoundCommand::ProposeNationalTarget {
            indicator: p.indicator,
            department: p.department,
            year: p.year,
            value: p.value,
            floor: p.floor,
            rationale: p.rationale,
        }
    };
    // NI 31 was withdrawn in the 2008 set the round is bound to.
    assert_eq!(refused(with(&|p| p.indicator = ni(31))), "indicator_number");
    assert_eq!(
        refused(with(&|p| p.department = dept("Nowhere"))),
        "department"
    );
    assert_eq!(refused(with(&|p| p.year = year("2011/12"))), "year");
    assert_eq!(refused(with(&|p| p.value = d("101"))), "value");
    assert_eq!(refused(with(&|p| p.floor = d("-1"))), "floor");
    assert_eq!(refused(with(&|p| p.rationale = "   ".into())), "rationale");
    assert!(matches!(
        Given::new(Round::default()).when(&minister(), propose_neet(d("7.6"), d("9.0"))),
        Err(DomainError::Invalid { field: "round", .. })
    ));
}

fn kent() -> Given<Area> {
    Given::new(Area::default()).given(
        &admin(),
        AreaCommand::Create {
            code: area_code("kent"),
            name: "Kent".into(),
            region: Region::SouthEast,
            kind: "county".into(),
        },
    )
}

fn population(count: u64) -> AreaCommand {
    AreaCommand::SetPopulation {
        population: Population {
            count,
            as_of: NaiveDate::from_ymd_opt(2007, 6, 30).unwrap(),
            source: "ONS mid-2007 estimate".into(),
        },
    }
}

#[test]
fn an_administrator_sets_an_areas_population_once_per_figure() {
    let events = kent().when(&admin(), population(1_394_700)).unwrap();
    assert!(matches!(
        events.as_slice(),
        [e] if matches!(&e.change, AreaChange::PopulationSet { population, .. } if population.count == 1_394_700)
    ));
    let set = kent().given(&admin(), population(1_394_700));
    assert_eq!(set.state.population.as_ref().unwrap().count, 1_394_700);
    assert_eq!(set.when(&admin(), population(1_394_700)), Ok(vec![]));
    assert_eq!(set.when(&admin(), population(1_400_000)).unwrap().len(), 1);
}

#[test]
fn a_population_is_reference_data_set_by_an_administrator_for_an_area_that_exists() {
    assert!(matches!(
        kent().when(&minister(), population(1)),
        Err(DomainError::AdministratorsOnly { .. })
    ));
    assert!(matches!(
        kent().when(&admin(), population(0)),
        Err(DomainError::Invalid {
            field: "population",
            ..
        })
    ));
    assert!(matches!(
        Given::new(Area::default()).when(&admin(), population(1)),
        Err(DomainError::Invalid { field: "area", .. })
    ));
    let blank = AreaCommand::SetPopulation {
        population: Population {
            count: 5,
            as_of: NaiveDate::from_ymd_opt(2007, 6, 30).unwrap(),
            source: " ".into(),
        },
    };
    assert!(matches!(
        kent().when(&admin(), blank),
        Err(DomainError::Invalid {
            field: "source",
            ..
        })
    ));
}

fn years() -> Vec<FinancialYear> {
    ["2008/09", "2009/10", "2010/11"].map(year).to_vec()
}

fn local(
    code: &str,
    population: u64,
    baseline: Decimal,
    values: [Option<Decimal>; 3],
) -> LocalTarget {
    LocalTarget {
        area: area_code(code),
        population: Some(population),
        baseline: Some(baseline),
        years: years().into_iter().zip(values).collect::<BTreeMap<_, _>>(),
    }
}

fn without(code: &str, population: Option<u64>) -> AreaWithout {
    AreaWithout {
        area: area_code(code),
        population,
    }
}

fn neet(floor: Option<Decimal>) -> TrajectoryInput {
    TrajectoryInput {
        unit: Unit::Percent,
        polarity: Polarity::LowerIsBetter,
        years: years(),
        targets: vec![
            local(
                "kent",
                100,
                d("8"),
                [Some(d("7.5")), Some(d("7")), Some(d("6.5"))],
            ),
            local(
                "medway",
                300,
                d("10"),
                [Some(d("9.5")), Some(d("9")), Some(d("8.5"))],
            ),
        ],
        without: vec![without("surrey", Some(100))],
        floor,
        proposal: None,
    }
}

#[test]
fn a_percentage_is_the_population_weighted_mean_with_the_floor_for_the_others() {
    let t = national_trajectory(&neet(Some(d("9"))));
    assert_eq!(t.aggregation, Aggregation::PopulationWeighted);
    // 2010/11: (100 x 6.5 + 300 x 8.5 + 100 x 9) / 500 = 4100 / 500 = 8.2.
    let last = t.year(year("2010/11")).unwrap();
    assert_eq!(last.national, Some(d("8.20")));
    // The local targets alone: (650 + 2550) / 400 = 8.
    assert_eq!(last.local, Some(d("8.00")));
    assert_eq!((last.areas_with_value, last.areas_at_floor), (2, 1));
    // The baseline row: (800 + 3000 + 900) / 500 = 9.4.
    assert_eq!(t.rows[0].year, None);
    assert_eq!(t.rows[0].national, Some(d("9.40")));
    assert_eq!((t.areas_with_target, t.areas_without_target), (2, 1));
    assert_eq!(
        (t.population_with_target, t.population_without_target),
        (400, 100)
    );
}

#[test]
fn a_weighted_mean_is_rounded_to_two_places_once_at_the_end() {
    let mut input = neet(Some(d("9")));
    input.without = vec![without("surrey", Some(200))];
    // 2008/09: (750 + 2850 + 1800) / 600 = 9.0; 2009/10: (700 + 2700 + 1800) / 600 = 8.666...
    let t = national_trajectory(&input);
    assert_eq!(t.year(year("2009/10")).unwrap().national, Some(d("8.67")));
}

#[test]
fn a_count_is_summed_with_the_floor_for_each_area_without_a_target() {
    let mut input = neet(Some(d("100")));
    input.unit = Unit::Count;
    input.polarity = Polarity::HigherIsBetter;
    for t in &mut input.targets {
        t.population = None;
    }
    input.without = vec![without("surrey", None), without("slough", None)];
    let t = national_trajectory(&input);
    assert_eq!(t.aggregation, Aggregation::Summed);
    // 6.5 + 8.5 + 2 x 100: a count needs no population.
    assert_eq!(t.year(year("2010/11")).unwrap().national, Some(d("215")));
    assert!(t.areas_without_population.is_empty());
}

#[test]
fn without_a_floor_only_the_local_targets_are_added_up() {
    let t = national_trajectory(&neet(None));
    let last = t.year(year("2010/11")).unwrap();
    assert_eq!(last.national, None);
    assert_eq!(last.local, Some(d("8.00")));
}

#[test]
fn a_deferred_year_counts_at_the_floor_until_its_value_is_agreed() {
    let mut input = neet(Some(d("9")));
    input.targets[1].years.insert(year("2010/11"), None);
    let t = national_trajectory(&input);
    let last = t.year(year("2010/11")).unwrap();
    // (650 + 300 x 9 + 100 x 9) / 500 = 4250 / 500 = 8.5.
    assert_eq!(last.national, Some(d("8.50")));
    assert_eq!((last.areas_with_value, last.areas_at_floor), (1, 2));
}

#[test]
fn an_area_without_a_population_is_left_out_of_a_weighted_figure_and_named() {
    let mut input = neet(Some(d("9")));
    input.without.push(without("slough", None));
    let t = national_trajectory(&input);
    assert_eq!(t.areas_without_population, vec![area_code("slough")]);
    assert_eq!(t.year(year("2010/11")).unwrap().national, Some(d("8.20")));
}

#[test]
fn the_gap_says_whether_the_proposal_asks_more_than_the_local_targets_carry() {
    let mut input = neet(Some(d("9")));
    input.proposal = Some(NationalProposal {
        indicator: ni(117),
        department: dept("DCSF"),
        year: year("2010/11"),
        value: d("7.6"),
        floor: d("9"),
        rationale: "PSA 14".into(),
    });
    let gap = national_trajectory(&input).gap.expect("a gap");
    assert_eq!((gap.proposed, gap.implied), (d("7.6"), d("8.20")));
    assert_eq!(gap.difference, d("-0.6"));
    assert!(
        gap.more_demanding,
        "lower is better: 7.6 asks more than 8.2"
    );
    input.proposal.as_mut().unwrap().value = d("8.5");
    assert!(!national_trajectory(&input).gap.unwrap().more_demanding);
}

#[test]
fn a_signed_off_target_gives_its_baseline_and_each_years_value() {
    let n = Negotiation::opened()
        .given(&go(), propose(117, pct_deferred(8, 7, 6)))
        .given(&area(), accept(17));
    let target = signed_off_target(&n.state, ni(117), Some(1_395_000)).expect("a target");
    assert_eq!(target.area, area_code("kent"));
    assert_eq!(target.baseline, Some(Decimal::from(8)));
    assert_eq!(target.years[&year("2008/09")], Some(Decimal::from(7)));
    assert_eq!(target.years[&year("2010/11")], None, "deferred");
    assert!(signed_off_target(&n.state, ni(112), None).is_none());
}
