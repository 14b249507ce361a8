//! Tests of the URL grammar, one `check` helper per family, with inline snapshots
//! (`UPDATE_EXPECT=1 cargo test -p gatehouse-query` rewrites them). Every successful parse
//! is also written back in URL grammar and parsed again, which must give the same tree.

#![allow(
    clippy::unwrap_used,
    reason = "test code: writing to a String cannot fail, and a panic is a test failure"
)]

mod dump;
mod filters;
mod limits;
mod logic;
mod order;
mod prefer;
mod props;
mod range;
mod select;
