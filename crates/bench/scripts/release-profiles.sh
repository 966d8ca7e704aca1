#!/usr/bin/env bash
# Release profiles side by side (docs/performance.md, "Release build profiles"): for each
# `lto`/`codegen-units` choice, the CPU time (user + system) of a first release build of the
# `tcscreen` binary, and the instructions a request of the screening work (callgrind, as
# `just instructions`). Each choice builds its own copies of the dependencies in target/release
# (cargo keys them by profile), so every build below is a first build for its choice; build
# scripts and proc macros are built once per choice too (each choice gives them a different,
# equally unoptimised codegen-units), so no choice inherits another's work.
# Usage: crates/bench/scripts/release-profiles.sh [N] [CHOICE...], CHOICE = LTO:UNITS
# (default: fat:1 thin:1 thin:16 off:16 off:256). Needs valgrind and GNU time.
set -euo pipefail
cd "$(dirname "$0")/../../.."
n=${1:-100}
shift || true
choices=("$@")
[ ${#choices[@]} -gt 0 ] || choices=(fat:1 thin:1 thin:16 off:16)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
count() {
    valgrind --tool=callgrind --callgrind-out-file="$dir/out" target/release/profile "$1" --count "$2" > /dev/null 2>&1
    callgrind_annotate --inclusive=yes "$dir/out" | awk '/Thread>::new::thread_start/ && !found { gsub(",", "", $1); print $1; found = 1 }'
}
printf '%-8s %10s %10s %8s %10s %10s %10s %10s %10s %12s\n' choice user_s sys_s wall_s typed validate kh rhai29 rust29 binary_bytes
for choice in "${choices[@]}"; do
    # A codegen-units for build scripts and proc macros that only this choice uses.
    export CARGO_PROFILE_RELEASE_BUILD_OVERRIDE_CODEGEN_UNITS=$(( 128 + $(printf '%s' "$choice" | cksum | cut -d' ' -f1) % 127 ))
    lto=${choice%%:*}
    units=${choice##*:}
    export CARGO_PROFILE_RELEASE_LTO=$lto CARGO_PROFILE_RELEASE_CODEGEN_UNITS=$units
    /usr/bin/time -f '%U %S %e' -o "$dir/time" cargo build --release --locked -q -p tcscreen-cli
    read -r user sys wall < "$dir/time"
    size=$(stat -c %s target/release/tcscreen)
    cargo build --release --locked -q -p tcscreen-bench --bins
    line=""
    for work in typed validate kh rhai29 rust29; do
        small=$(count "$work" "$n"); large=$(count "$work" $(( n * 4 )))
        line="$line $(( (large - small) / (n * 3) ))"
    done
    # shellcheck disable=SC2086
    printf '%-8s %10s %10s %8s %10s %10s %10s %10s %10s %12s\n' "$choice" "$user" "$sys" "$wall" $line "$size"
done
