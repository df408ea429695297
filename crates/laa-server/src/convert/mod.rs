//! Between the wire (`laa_proto::v1`) and the domain (`laa_core`).
//!
//! - [`parse`]: the wire to the domain. Parsing is where malformed input
//!   stops: every function there either returns a domain value that is
//!   valid by construction or an [`ApiError::Invalid`](crate::error::ApiError)
//!   naming the field. Nothing past it re-checks what it parsed.
//! - [`commands`]: each mutating request of an agreement to its command.
//! - [`render`]: the domain to the wire.
//! - [`paging`]: page tokens, page sizes and positions.
//! - [`performance`]: monitoring statuses and the reward grant to the wire.
//! - [`assessment`]: an area's two-part assessment (recommendation 2) to the wire.

mod assessment;
pub mod commands;
mod paging;
mod parse;
mod performance;
mod render;

pub use assessment::*;
pub use paging::*;
pub use parse::*;
pub use performance::*;
pub use render::*;
