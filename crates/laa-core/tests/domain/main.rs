//! The domain test suite: one binary, one module per area.

mod advice;
mod assessment;
mod catalogue;
mod champions;
mod decimals;
mod harness;
mod import;
mod memory;
mod messages;
mod national;
mod performance;
mod properties;
mod publication;
mod reasons;
mod rules;
mod scenarios;
mod waiting;
