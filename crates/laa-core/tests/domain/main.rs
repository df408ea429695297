//! The domain test suite: one binary, one module per area.

mod catalogue;
mod harness;
mod properties;
mod publication;
mod rules;
mod scenarios;
