//! End-to-end tests: the real application over HTTP, against a real PostgreSQL over TLS (a
//! fresh database per test from the test kit). One binary, one module per area.

mod helpers;

mod architecture;
mod commands;
mod config;
mod demo;
mod embeds;
mod encryption;
mod flight;
mod health;
mod keys;
mod matrix;
mod openapi;
mod read;
mod related;
mod rls;
mod security;
mod write;
