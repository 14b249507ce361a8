//! One module per subcommand. Each returns the process exit code, or a message for stderr.

pub mod demo;
pub mod doctor;
pub mod keys;
pub mod migrate;
pub mod openapi;
pub mod policy;
pub mod reencrypt;
pub mod schema_dump;
pub mod serve;
