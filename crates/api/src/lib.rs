//! The `gatehouse` binary's library: configuration, the HTTP servers (the API and the admin
//! listener with `/live` and `/ready`), and the commands (`serve`, `demo`, `schema dump`,
//! `doctor`).
//!
//! This is the only crate that knows HTTP, actix, status codes and the error-body JSON. It does
//! not parse the URL grammar (`query`), decide what a caller may see (`policy`) or assemble SQL
//! from requests (`sql`); it wires those together and talks to the database through `pg`.

pub mod admin;
pub mod apikey;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod db;
pub mod encryption;
pub mod error;
pub mod gate;
pub mod lane;
pub mod openapi;
pub mod read;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod write;
