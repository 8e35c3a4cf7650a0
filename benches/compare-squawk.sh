#!/usr/bin/env bash
# Time forecast and squawk side by side on the same files: the corpus's PostgreSQL
# migrations (files.tsv, dialect = postgres). Both runs happen in this one invocation, on
# the same machine, so their ratio is meaningful; absolute times are not.
#
#   cargo build --release
#   cargo install squawk@2.68.0 --locked      # newer squawk needs a newer rustc
#   benches/compare-squawk.sh [runs]
#
# squawk lints each file's statements; forecast also detects the framework, works out the
# transaction mode, replays the schema across migrations and builds the rollback plan.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
corpus="$here/../shared/corpus"
runs=${1:-5}
forecast="$here/target/release/forecast"
squawk=$(command -v squawk || echo "$HOME/.cargo/bin/squawk")
[ -f "$corpus/files.tsv" ] || { echo "skipped: $corpus is not present"; exit 0; }
[ -x "$forecast" ] || { echo "build first: cargo build --release"; exit 1; }
[ -x "$squawk" ] || { echo "install squawk: cargo install squawk@2.68.0 --locked"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The same files for both tools, under their original relative paths (forecast needs the
# paths to recognise frameworks).
awk -F'\t' 'NR > 1 && $3 == "sql" && $5 == "postgres" { print $1 }' "$corpus/files.tsv" > "$work/list"
(cd "$corpus" && while IFS= read -r f; do mkdir -p "$work/tree/$(dirname "$f")"; cp "$f" "$work/tree/$f"; done < "$work/list")
n=$(wc -l < "$work/list")
bytes=$(cd "$work/tree" && tr '\n' '\0' < "$work/list" | xargs -0 cat | wc -c)
echo "files: $n PostgreSQL migrations, $bytes bytes"

time_it() { # best wall time of $runs runs, in milliseconds
  local best=""
  for _ in $(seq "$runs"); do
    local s e ms
    s=$(date +%s%N)
    "$@" > /dev/null 2>&1 || true
    e=$(date +%s%N)
    ms=$(( (e - s) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "$best"
}

cd "$work/tree"
f_ms=$(time_it "$forecast" . --format json --fail-on none)
s_ms=$(time_it sh -c "tr '\\n' '\\0' < '$work/list' | xargs -0 '$squawk' --reporter gcc")
echo "forecast: ${f_ms} ms (best of $runs)"
echo "squawk 2.68.0: ${s_ms} ms (best of $runs)"
awk -v f="$f_ms" -v s="$s_ms" 'BEGIN { if (f > 0) printf "squawk / forecast = %.2f (above 1: forecast is faster)\n", s / f }'
