# tcscreen tasks. `just` is optional: every recipe is a plain cargo or tcscreen command.

# List the recipes.
default:
    @just --list

# Build the tcscreen binary (release).
build:
    cargo build --release --locked

# Run every test (the README's test command).
test:
    cargo test --workspace --locked

# Screen the shipped fixture requests with the shipped packs.
screen *ARGS:
    cargo run --release --locked -- screen fixtures/requests {{ARGS}}

# Load and compile every shipped pack, then run the pack tests with coverage.
check-packs:
    cargo run --release --locked -- check
    cargo run --release --locked -- test --coverage

# Re-record the decisions of the shipped fixtures (after a deliberate change; review the diff).
record-fixtures:
    cargo run --locked -- screen fixtures/requests --format jsonl --out fixtures/decisions/fixtures.jsonl

# Replay the recorded fixture decisions.
replay-fixtures:
    cargo run --locked -- replay fixtures/decisions

# Formatting, clippy, and the pinned feature sets of Rhai and serde_json.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
    .ci/check-features

# Review changed snapshots (needs cargo-insta).
snapshots:
    cargo insta review

# Exactly what CI runs.
ci:
    .ci/run
