#!/usr/bin/env bash
# benches/scan.sh — time `uvcache size` against `uv cache size` and `du -sb` on
# the large benchmark corpus, and report the results as ratios taken in one run.
#
#   usage: benches/scan.sh [CACHE_DIR]
#          (default: ${UVCACHE_CORPUS:-/tmp/corpus/uv-cache})
#
# What it does:
#   1. `cargo build --release`, then uses
#      target/release/uvcache size --bytes --cache-dir CACHE --uv-version 0.13.9
#   2. finds uv 0.13.9: $UV (if set), else `uv` on PATH if it is 0.13.9, else
#      target/uv/0.13.9/bin/uv (where the tests put it), installing it there
#      with `python3 -m pip install --target ... uv==0.13.9` when missing.
#   3. builds the corpus with ../shared/corpus/make-corpus.sh if CACHE_DIR does
#      not exist (5-15 minutes, ~6 GB). An existing cache is only read.
#   4. checks that uvcache's on-disk total equals `uv cache size` and
#      `du -s -B1` (prints MATCH / MISMATCH).
#   5. warm page cache: one untimed warm-up of each command, then RUNS rounds,
#      each running the three commands in turn (interleaved, so that noise is
#      spread evenly); medians and minima, ratios vs uv and vs du.
#   6. `uvcache --threads N` for each N in THREAD_COUNTS (median of RUNS each).
#   7. peak RSS (`/usr/bin/time -f %M`) of each command, warm.
#   8. cold page cache, if `echo 3 > /proc/sys/vm/drop_caches` works (root):
#      caches are dropped before every single timed command; the command's own
#      executable is read back in right after the drop, so that only the walk
#      of the cache directory is cold. Same rounds and thread sweep as warm.
#   9. prints a markdown table (and the machine facts) to paste into a README.
#
# Env knobs:
#   RUNS=5                    timed rounds per measurement
#   THREAD_COUNTS="1 2 4 8 16" thread counts for the --threads sweep
#   COLD=auto|0               0 skips the cold runs
#   UV=/path/to/uv            uv 0.13.9 binary to use (must be that version)
#   CARGO_TARGET_DIR          honoured like cargo does
#
# The report goes to stdout, progress notes to stderr. Exits 1 (after the full
# report) if the byte totals disagree, 2 on errors. No network access except
# pip/PyPI when uv 0.13.9 has to be installed (and whatever make-corpus.sh
# fetches when the corpus has to be built).

set -euo pipefail

UV_VERSION=0.13.9
RUNS=${RUNS:-5}
THREAD_COUNTS=${THREAD_COUNTS:-"1 2 4 8 16"}
COLD=${COLD:-auto}

die() { printf 'benches/scan.sh: error: %s\n' "$*" >&2; exit 2; }
note() { printf '[scan.sh %s] %s\n' "$(date +%T)" "$*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
for t in $THREAD_COUNTS; do
  [[ $t =~ ^[1-9][0-9]*$ ]] || die "THREAD_COUNTS must list positive integers (got '$THREAD_COUNTS')"
done
[[ $COLD == auto || $COLD == 0 ]] || die "COLD must be 'auto' or '0' (got '$COLD')"
(($# <= 1)) || die "usage: benches/scan.sh [CACHE_DIR]"

for tool in cargo du find stat sort awk realpath; do
  command -v "$tool" >/dev/null || die "'$tool' is required but not on PATH"
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
[[ -f Cargo.toml ]] || die "cannot find the crate root (no Cargo.toml in $REPO)"
TARGET=${CARGO_TARGET_DIR:-target}
[[ $TARGET == /* ]] || TARGET=$REPO/$TARGET
CACHE=$(realpath -m -- "${1:-${UVCACHE_CORPUS:-/tmp/corpus/uv-cache}}")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/uvcache-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------------------
# Clock: bash's $EPOCHREALTIME needs no fork (a `date +%s%N` fork around each
# command would add ~1 ms of its own to every sample); fall back to date.
if [[ -n ${EPOCHREALTIME:-} ]]; then
  CLOCK="bash \$EPOCHREALTIME (wall clock, 1 µs resolution, no fork)"
  stamp() { REPLY=${EPOCHREALTIME//[.,]/}000; }
else
  CLOCK="date +%s%N (wall clock, ns resolution)"
  stamp() { REPLY=$(date +%s%N); }
fi

# run_timed CMD...: runs CMD (stdout discarded), sets ELAPSED to its wall time
# in ns; dies with CMD's stderr if it fails.
run_timed() {
  local t0 rc=0
  stamp; t0=$REPLY
  "$@" >/dev/null 2>"$TMP/stderr" || rc=$?
  stamp; ELAPSED=$((REPLY - t0))
  ((rc == 0)) || die "command failed (exit $rc): $*"$'\n'"$(cat "$TMP/stderr")"
}

# Sample lists (space-separated ns) by key, and statistics over them.
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k/1024 }'; }
# Shared helpers: samples and medians, uv, the corpus.
# shellcheck source=benches/lib.sh
source "$REPO/benches/lib.sh"

# uv must not pick up a uv.toml / pyproject.toml from the working directory.
export UV_NO_CONFIG=1 UV_NO_PROGRESS=1

# The full scan bypasses the scan index; the re-open reuses one written by a
# full scan just before the timed rounds, in a private index directory.
UVC=("$UVCACHE" size --bytes --no-index --cache-dir "$CACHE" --uv-version "$UV_VERSION")
UVI=("$UVCACHE" size --bytes --cache-dir "$CACHE" --uv-version "$UV_VERSION")
export UVCACHE_INDEX_DIR=$TMP/index
UVS=("$UV_BIN" cache size --preview-features cache-size --cache-dir "$CACHE")
DU=(du -sb "$CACHE")
NAMES=(reopen uvcache uv du)
declare -A LABEL=(
  [reopen]="uvcache (index re-open)"
  [uvcache]="uvcache (full scan)"
  [uv]="uv cache size"
  [du]="du -sb"
)
cmd_of() {  # cmd_of NAME [THREADS] -> CMD array
  case $1 in
    uvcache) CMD=("${UVC[@]}"); [[ -z ${2:-} ]] || CMD+=(--threads "$2") ;;
    reopen) CMD=("${UVI[@]}") ;;
    uv) CMD=("${UVS[@]}") ;;
    du) CMD=("${DU[@]}") ;;
  esac
}

# ---------------------------------------------------------------------------
# Machine facts (the find also warms the page cache).
note "counting files in $CACHE"
N_FILES=$(find "$CACHE" -type f | wc -l)
N_DIRS=$(find "$CACHE" -type d | wc -l)
N_LINKS=$(find "$CACHE" -type l | wc -l)
FSTYPE=$(stat -f -c %T "$CACHE")
NPROC=$(nproc)
KERNEL=$(uname -sr)
CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || true)
UVCACHE_VERSION=$("$UVCACHE" --version 2>/dev/null || echo "uvcache ?")
DU_VERSION=$(du --version 2>/dev/null | head -n1 || echo "du ?")

# ---------------------------------------------------------------------------
# 4. Byte totals.
note "checking byte totals"
UVC_BYTES=$("${UVC[@]}" 2>"$TMP/stderr") || die "uvcache failed: $(cat "$TMP/stderr")"
UV_BYTES=$("${UVS[@]}" 2>"$TMP/stderr") || die "uv cache size failed: $(cat "$TMP/stderr")"
DU_B1=$(du -s -B1 "$CACHE" | cut -f1)
DU_SB=$(du -sb "$CACHE" | cut -f1)
for v in "$UVC_BYTES" "$UV_BYTES" "$DU_B1"; do
  [[ $v =~ ^[0-9]+$ ]] || die "expected a byte count, got '$v'"
done
MISMATCHES=0
check() {  # check LABEL OTHER
  if [[ $UVC_BYTES == "$2" ]]; then
    printf '  %-6s uvcache = %s, %s = %s\n' MATCH "$UVC_BYTES" "$1" "$2"
  else
    printf '  %-6s uvcache = %s, %s = %s (off by %+d)\n' MISMATCH "$UVC_BYTES" "$1" "$2" $((UVC_BYTES - $2))
    MISMATCHES=$((MISMATCHES + 1))
  fi
}

echo "# uvcache scan benchmark"
echo
echo "cache:   $CACHE ($FSTYPE; $N_FILES files, $N_DIRS dirs, $N_LINKS symlinks)"
echo "uvcache: $UVCACHE ($UVCACHE_VERSION)"
echo "uv:      $UV_BIN (uv $UV_VERSION, $UV_ORIGIN)"
echo "du:      $DU_VERSION"
echo "clock:   $CLOCK; RUNS=$RUNS"
echo
echo "## On-disk byte totals"
check "uv cache size" "$UV_BYTES"
check "du -s -B1" "$DU_B1"
"${UVI[@]}" --rescan >/dev/null 2>"$TMP/stderr" || die "uvcache --rescan failed: $(cat "$TMP/stderr")"
UVI_BYTES=$("${UVI[@]}" 2>"$TMP/stderr") || die "uvcache (index) failed: $(cat "$TMP/stderr")"
if [[ $UVI_BYTES == "$UVC_BYTES" ]]; then
  printf '  %-6s index re-open = %s = full scan\n' MATCH "$UVI_BYTES"
else
  printf '  %-6s index re-open = %s, full scan = %s\n' MISMATCH "$UVI_BYTES" "$UVC_BYTES"
  MISMATCHES=$((MISMATCHES + 1))
fi
INDEX_BYTES=$(du -sb "$UVCACHE_INDEX_DIR" | cut -f1)
echo "  index size: $INDEX_BYTES bytes ($(find "$UVCACHE_INDEX_DIR" -type f | wc -l) file)"
echo "  (du -sb, the apparent size, is $DU_SB: a timing comparator only)"

# ---------------------------------------------------------------------------
# 5. Warm.
note "warm-up"
for n in "${NAMES[@]}"; do cmd_of "$n"; run_timed "${CMD[@]}"; done
for ((r = 1; r <= RUNS; r++)); do
  note "warm round $r/$RUNS"
  for n in "${NAMES[@]}"; do
    cmd_of "$n"; run_timed "${CMD[@]}"; add "warm:$n" "$ELAPSED"
  done
done

report_rounds() {  # report_rounds warm|cold
  local m n
  declare -A med=()
  for n in "${NAMES[@]}"; do med[$n]=$(median "$1:$n"); done
  printf '  %-24s %10s %10s %12s %12s %12s\n' command median min "vs uv" "vs du -sb" "vs full"
  for n in "${NAMES[@]}"; do
    m=${med[$n]}
    printf '  %-24s %10s %10s %12s %12s %12s\n' "${LABEL[$n]}" "$(secs "$m")" \
      "$(secs "$(minimum "$1:$n")")" "$(ratio "$m" "${med[uv]}")" "$(ratio "$m" "${med[du]}")" \
      "$(ratio "$m" "${med[uvcache]}")"
  done
  echo "  (ratio = median time ÷ comparator's median time; below 1× is faster)"
}

echo
echo "## Warm page cache (median and min of $RUNS interleaved rounds)"
report_rounds warm

# ---------------------------------------------------------------------------
# 6. Thread sweep. $1 = warm|cold, $2 = drop function or empty
sweep() {
  local r t
  for ((r = 1; r <= RUNS; r++)); do
    note "$1 --threads round $r/$RUNS"
    for t in $THREAD_COUNTS; do
      cmd_of uvcache "$t"
      if [[ $1 == cold ]]; then make_cold "${CMD[0]}"; fi
      run_timed "${CMD[@]}"; add "${1}t:$t" "$ELAPSED"
    done
  done
  local best="" bestm=0 m mark
  for t in $THREAD_COUNTS; do
    m=$(median "${1}t:$t")
    if [[ -z $best ]] || ((m < bestm)); then best=$t bestm=$m; fi
  done
  local base
  base=$(median "$1:uvcache")
  printf '  %-10s %10s %10s %14s\n' threads median min "vs default"
  for t in $THREAD_COUNTS; do
    m=$(median "${1}t:$t")
    mark=""
    if [[ $t == "$best" ]]; then mark="   <- fastest"; fi
    printf '  %-10s %10s %10s %14s%s\n' "$t" "$(secs "$m")" "$(secs "$(minimum "${1}t:$t")")" \
      "$(ratio "$m" "$base")" "$mark"
  done
  printf '  %-10s %10s %10s %14s\n' default "$(secs "$base")" "$(secs "$(minimum "$1:uvcache")")" "1.00×"
  BEST[$1]=$best
}
declare -A BEST=()

echo
echo "## Warm, uvcache --threads N (median and min of $RUNS rounds)"
sweep warm

# ---------------------------------------------------------------------------
# 7. Peak memory, warm (max RSS of 3 runs).
declare -A RSS=()
echo
echo "## Peak memory, warm (max RSS over 3 runs, /usr/bin/time -f %M)"
if [[ -x /usr/bin/time ]]; then
  for n in "${NAMES[@]}"; do
    cmd_of "$n"
    max=0
    for _ in 1 2 3; do
      /usr/bin/time -f %M -o "$TMP/rss" "${CMD[@]}" >/dev/null 2>"$TMP/stderr" \
        || die "command failed: ${CMD[*]}"$'\n'"$(cat "$TMP/stderr")"
      kb=$(tail -n1 "$TMP/rss")
      [[ $kb =~ ^[0-9]+$ ]] || die "/usr/bin/time printed '$kb', expected KB"
      if ((kb > max)); then max=$kb; fi
    done
    RSS[$n]=$(mib "$max")
    printf '  %-22s %10s  (%s KB)\n' "${LABEL[$n]}" "${RSS[$n]}" "$max"
  done
else
  echo "  skipped: /usr/bin/time (GNU time) is not installed"
fi

# ---------------------------------------------------------------------------
# 8. Cold.
drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches; }
# make_cold BIN: drop the page cache, then read BIN (and its libraries) back in,
# so that only the cache directory is cold.
make_cold() {
  drop_caches 2>"$TMP/stderr" || die "dropping caches stopped working: $(cat "$TMP/stderr")"
  "$1" --version >/dev/null 2>&1 || true
}

COLD_REASON=""
if [[ $COLD == 0 ]]; then
  COLD_REASON="COLD=0 was set"
elif [[ ! -e /proc/sys/vm/drop_caches ]]; then
  COLD_REASON="/proc/sys/vm/drop_caches does not exist"
elif ! (drop_caches) 2>"$TMP/stderr"; then
  COLD_REASON="'sync; echo 3 > /proc/sys/vm/drop_caches' failed ($(tr '\n' ' ' <"$TMP/stderr" | sed 's/ *$//'); uid $(id -u)); run as root to measure a cold page cache"
fi

echo
if [[ -z $COLD_REASON ]]; then
  note "cold runs: dropping caches before every timed command"
  for ((r = 1; r <= RUNS; r++)); do
    note "cold round $r/$RUNS"
    for n in "${NAMES[@]}"; do
      cmd_of "$n"; make_cold "${CMD[0]}"; run_timed "${CMD[@]}"; add "cold:$n" "$ELAPSED"
    done
  done
  echo "## Cold page cache (caches dropped before every command; median and min of $RUNS rounds)"
  report_rounds cold
  echo
  echo "## Cold, uvcache --threads N (median and min of $RUNS rounds)"
  sweep cold
else
  echo "## Cold page cache"
  echo "  skipped: $COLD_REASON"
fi

# ---------------------------------------------------------------------------
# 9. Summary table.
cell_time() { if [[ -n ${S[$1]:-} ]]; then secs "$(median "$1")"; else echo "n/a"; fi; }
cell_ratio() {  # cell_ratio NAME COMPARATOR
  local w c
  w=$(ratio "$(median "warm:$1")" "$(median "warm:$2")")
  if [[ -n ${S[cold:$1]:-} ]]; then
    c=$(ratio "$(median "cold:$1")" "$(median "cold:$2")")
    echo "$w / $c"
  else
    echo "$w / n/a"
  fi
}

echo
echo "## Summary"
echo
echo "| command | warm median | cold median | vs uv (warm / cold) | vs du -sb (warm / cold) | peak RSS |"
echo "|---|---:|---:|---:|---:|---:|"
declare -A SHOWN=(
  [reopen]="\`uvcache size --bytes\` (index re-open)"
  [uvcache]="\`uvcache size --bytes --no-index\` (full scan)"
  [uv]="\`uv cache size\` ($UV_VERSION)"
  [du]="\`du -sb\`"
)
for n in "${NAMES[@]}"; do
  echo "| ${SHOWN[$n]} | $(cell_time "warm:$n") | $(cell_time "cold:$n") | $(cell_ratio "$n" uv) | $(cell_ratio "$n" du) | ${RSS[$n]:-n/a} |"
done
echo
printf 'Medians of %s interleaved rounds; ratio = time ÷ comparator time (below 1× is faster). ' "$RUNS"
if [[ -z $COLD_REASON ]]; then
  echo "Cold: page cache dropped before each command. Fastest \`--threads\`: ${BEST[warm]} warm, ${BEST[cold]} cold."
else
  echo "Cold runs skipped. Fastest \`--threads\`: ${BEST[warm]} warm."
fi
echo
echo "Machine: ${CPU:-unknown CPU}, nproc $NPROC, ${MEM:-? GiB} RAM, $KERNEL; cache on $FSTYPE:" \
  "$N_FILES files, $N_DIRS dirs, $N_LINKS symlinks, $(awk -v b="$UV_BYTES" 'BEGIN { printf "%.1f GiB", b/1073741824 }') on disk."

if ((MISMATCHES > 0)); then
  echo "benches/scan.sh: $MISMATCHES byte-total MISMATCH(es), see above" >&2
  exit 1
fi
