# Gatehouse's tasks: thin wrappers over cargo. `just --list` shows them.

# Start the demo: a private TLS PostgreSQL with a demo schema, and the API on it.
demo:
    cargo run -p gatehouse-api --bin gatehouse -- demo

# Run every test (the same command CI runs).
test:
    cargo test --workspace

# Format, lint and test, as CI does.
ci:
    bash .ci/run

# Serve with the configuration in the environment (GATEHOUSE_*).
serve:
    cargo run -p gatehouse-api --bin gatehouse -- serve
