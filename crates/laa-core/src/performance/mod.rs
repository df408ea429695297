//! Delivery after sign-off (DOMAIN.md 6): how each target stands against
//! its trajectory, the reward grant it earns, and the tournaments that rank
//! areas on one indicator. Pure functions of an agreement's state and the
//! indicator catalogue, so the API, the CLI and the citizens' pages all
//! call the same ones.
//!
//! # Layout
//! - [`status`]: a status per target per year and overall
//!   ([`target_performance`]);
//! - [`reward`]: the reward grant's working per target
//!   ([`reward_working`]);
//! - [`tournament`]: areas ranked on one indicator by value added
//!   ([`tournament()`]);
//! - [`assessment`]: an area's assessment in two parts, its negotiated
//!   targets and the rest of the set against similar areas ([`assess`]).

pub mod assessment;
pub mod reward;
pub mod status;
pub mod tournament;

pub use assessment::{
    AssessedTarget, Assessment, Comparator, Comparison, Contribution, Negotiated, assess, reported,
};
pub use reward::{RewardLine, RewardWorking, reward_working};
pub use status::{
    Status, TargetPerformance, YearPerformance, agreement_performance, judge, polarity_of,
    polarity_with, target_performance,
};
pub use tournament::{Entrant, Similarity, Standing, TournamentPolicy, entrant, tournament};
