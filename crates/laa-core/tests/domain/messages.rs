//! Refusals read as English to the people who get them (in the workspace,
//! the CLI and gRPC alike): a count agrees with its noun, and no message
//! speaks of "principals".

use laa_core::{AreaCode, DomainError, Region, Scope, TargetId};

fn target(n: u32) -> TargetId {
    TargetId::new(n).expect("a target number")
}

#[test]
fn counts_agree_with_their_nouns() {
    let cases: Vec<(DomainError, &str)> = vec![
        (
            DomainError::OpenOffersOutstanding {
                targets: vec![target(17)],
            },
            "target 17 still has an offer open: accept, counter or withdraw it first",
        ),
        (
            DomainError::OpenOffersOutstanding {
                targets: vec![target(17), target(18)],
            },
            "targets 17, 18 still have offers open: accept, counter or withdraw them first",
        ),
        (
            DomainError::WhitehallPrioritiesExceeded { limit: 1, count: 2 },
            "2 priorities declared for this area, beyond the round's limit of 1 Whitehall priority",
        ),
        (
            DomainError::WhitehallPrioritiesExceeded { limit: 5, count: 6 },
            "6 priorities declared for this area, beyond the round's limit of 5 Whitehall priorities",
        ),
        (
            DomainError::OutsideDeclaredPriorities {
                cited: Some(2),
                declared: 1,
            },
            "a Government proposal in this round must cite the one declared Whitehall priority (by number from 1); 2 is not one",
        ),
        (
            DomainError::OutsideDeclaredPriorities {
                cited: None,
                declared: 3,
            },
            "a Government proposal in this round must cite one of the 3 declared Whitehall priorities (by number from 1)",
        ),
        (
            DomainError::OutOfScope {
                scope: Scope::Area(AreaCode::new("kent").expect("kent")),
            },
            "this agreement is outside your scope (area kent)",
        ),
        (
            DomainError::OutOfScope {
                scope: Scope::Region(Region::SouthEast),
            },
            "this agreement is outside your scope (region gose)",
        ),
    ];
    for (error, words) in cases {
        assert_eq!(error.to_string(), words);
    }
}

#[test]
fn an_empty_name_is_required_not_quoted() {
    let problem = AreaCode::new("").expect_err("an empty code").to_string();
    assert!(problem.contains("is required"), "{problem}");
    assert!(!problem.contains("''"), "{problem}");
}
