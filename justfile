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

# Differential test on 100,000 generated requests in release mode: the base rules in Rhai
# against their plain-Rust reference (crates/bench/src/reference.rs).
differential COUNT="100000":
    TCSCREEN_DIFFERENTIAL_COUNT={{COUNT}} cargo test --release --locked -p tcscreen-bench --test differential -- --nocapture

# Write COUNT generated requests (JSON Lines) to stdout: `just corpus 42 1000 > requests.jsonl`.
corpus SEED COUNT *ARGS:
    cargo run --release --locked -q -p tcscreen-bench --bin corpus -- --seed {{SEED}} --count {{COUNT}} {{ARGS}}

# Fuzz one target for SECONDS (targets: request, manifest, screen), with libFuzzer and
# AddressSanitizer through cargo-fuzz (`cargo install cargo-fuzz`). The stable toolchain is
# enough: RUSTC_BOOTSTRAP=1 lets it take cargo-fuzz's -Zsanitizer flag. Crashes go to
# fuzz/artifacts/TARGET; the growing corpus to fuzz/corpus/TARGET (both ignored by git).
fuzz TARGET SECONDS="60":
    mkdir -p fuzz/corpus/{{TARGET}}
    cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run {{TARGET}} corpus/{{TARGET}} seeds/{{TARGET}} -- -max_total_time={{SECONDS}} -timeout=30 -rss_limit_mb=4096

# Benchmarks (criterion), side by side in one run with a ratio summary at the end (also in
# target/criterion/summary.md): parse floor, validation, kh screening, Rust reference vs Rhai,
# 1 vs 2 threads, pack sizes, and a cold CLI run of the release binary. See docs/performance.md.
bench *ARGS:
    cargo build --release --locked -p tcscreen-cli
    cargo bench --locked -p tcscreen-bench --bench screening -- {{ARGS}}

# Instructions a request, counted by callgrind (needs valgrind): the load-independent figures
# of docs/performance.md. Each kind of work runs on N and 4N generated requests in the profile
# binary; the worker thread's difference divided by 3N leaves out start-up and the pack compile.
instructions N="100":
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build --release --locked -q -p tcscreen-bench --bins
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    count() {
        valgrind --tool=callgrind --callgrind-out-file="$dir/out" target/release/profile "$1" --count "$2" > /dev/null 2>&1
        callgrind_annotate --inclusive=yes "$dir/out" | awk '/Thread>::new::thread_start/ && !found { gsub(",", "", $1); print $1; found = 1 }'
    }
    declare -A per
    for work in typed validate kh rhai29 rust29; do
        small=$(count "$work" {{N}}); large=$(count "$work" $(( {{N}} * 4 )))
        per[$work]=$(( (large - small) / ({{N}} * 3) ))
        printf '%-9s %9d instructions a request\n' "$work" "${per[$work]}"
    done
    awk -v t="${per[typed]}" -v v="${per[validate]}" -v k="${per[kh]}" -v h="${per[rhai29]}" -v r="${per[rust29]}" 'BEGIN {
        printf "validate + normalise   %5.1fx the typed parse\n", v / t
        printf "full kh screening      %5.1fx the typed parse (target 9x)\n", k / t
        printf "29 rules, Rhai / Rust  %5.1fx end to end (target 8x)\n", h / r }'

# The register's cases on a large register against a small one, in the same run: start-up
# (verify, index) and memory, the Cases page, GET /v1/cases, a case page and recording a decision
# (ratios large / small over RUNS runs), and `register verify`. The registers are written once
# into target/casebench (about 800 MB for 100,000 entries). See docs/performance.md, section 11.
cases-bench LARGE="100000" SMALL="1000" RUNS="3":
    cargo build --release --locked -p tcscreen-cli -p tcscreen-bench --bin tcscreen --bin casebench
    target/release/casebench --large {{LARGE}} --small {{SMALL}} --runs {{RUNS}}

# IATI import throughput (MB/s) and peak memory on a generated MB-megabyte file, side by side
# with a plain quick-xml pull-parse of the same file as the floor, RUNS times each, alternating
# (docs/performance.md).
iati-bench MB="200" RUNS="3":
    cargo build --release --locked -p tcscreen-bench --bin iati_bench
    target/release/iati_bench --mb {{MB}} --runs {{RUNS}}

# Load test of `tcscreen serve` on loopback: REQUESTS generated requests from CLIENTS concurrent
# clients, against `tcscreen screen` on the same corpus in the same run; throughput, p50/p99
# latency, errors (must be 0) and peak RSS. See docs/performance.md.
load REQUESTS="20000" CLIENTS="8":
    cargo build --release --locked -p tcscreen-cli -p tcscreen-bench --bin tcscreen --bin loadtest
    target/release/loadtest --requests {{REQUESTS}} --clients {{CLIENTS}}

# How much faster `screen --jobs 2` is than `--jobs 1` on REQUESTS generated requests, RUNS runs
# of each alternating, at the command line (wall time with its spread, CPU time, cores busy).
# See docs/performance.md.
speedup REQUESTS="100000" RUNS="3" FORMAT="jsonl":
    cargo build --release --locked -p tcscreen-cli -p tcscreen-bench --bin tcscreen --bin speedup
    target/release/speedup --requests {{REQUESTS}} --runs {{RUNS}} --format {{FORMAT}}

# Release profiles side by side: CPU time of a first release build and instructions a request
# for each `lto`/`codegen-units` choice (slow: every choice rebuilds every dependency).
release-profiles *CHOICES:
    crates/bench/scripts/release-profiles.sh 100 {{CHOICES}}

# The API contract test's tools (crates/server/tests/api_contract.rs), pinned, from PyPI: an
# OpenAPI client generator and an OpenAPI-driven property test. Without them the test skips them.
openapi-tools:
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check 'schemathesis==4.32.5' 'openapi-python-client==0.29.1'

# Checking a rules folder with a long `extends` chain (issue 18 item 5): 16 generations of 30
# rules and 200 packs extending the last, written by `extends_chain`; times `check` and `packs`
# with this tree's debug binary and, in the same run, with BEFORE (another tcscreen binary) if
# given, and says whether both print the same (docs/performance.md, section 12).
chain-bench BEFORE="":
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build --locked -p tcscreen-cli -p tcscreen-bench --bin tcscreen --bin extends_chain
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
    target/debug/extends_chain "$work/rules"
    bins=("$PWD/target/debug/tcscreen"); names=(this)
    if [ -n "{{BEFORE}}" ]; then bins=("$(realpath "{{BEFORE}}")" "${bins[@]}"); names=(before this); fi
    cd "$work"
    for i in "${!bins[@]}"; do
        for verb in check packs; do
            start=$EPOCHREALTIME
            "${bins[$i]}" "$verb" --rules rules >"$verb.${names[$i]}.out" 2>&1 || true
            awk -v a="$start" -v b="$EPOCHREALTIME" -v n="${names[$i]}" -v v="$verb" \
                'BEGIN { printf "%-7s %-6s %7.2f s\n", n, v, b - a }'
        done
    done
    if [ -n "{{BEFORE}}" ]; then
        for verb in check packs; do
            cmp -s "$verb.before.out" "$verb.this.out" && echo "$verb: the same output" \
                || echo "$verb: the outputs differ"
        done
    fi
