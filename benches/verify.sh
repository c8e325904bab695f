#!/usr/bin/env bash
# benches/verify.sh — time `uvcache verify` against a bare parallel sha256 of the
# same files (the floor: reading and hashing every archive file once), first run
# (no remembered digests) and second run (nothing changed), as ratios taken in
# one run.
#
#   usage: benches/verify.sh [CACHE_DIR]
#          (default: ${UVCACHE_CORPUS:-/tmp/corpus/uv-cache})
#
# What it does:
#   1. `cargo build --release`; finds uv 0.13.9 and, when CACHE_DIR does not
#      exist, builds the benchmark corpus there (benches/lib.sh, as scan.sh).
#      An existing cache is only read: verify runs without --fix.
#   2. the floor: `find CACHE/archive-v0 -type f -print0 | xargs -0 -P$JOBS
#      -n 512 sha256sum` (JOBS = cores, the threads verify hashes with).
#      And, when python3 >= 3.11 is at hand, the same files hashed with
#      hashlib (OpenSSL, SHA extensions where the CPU has them) in JOBS
#      processes: coreutils' sha256sum may not use them.
#   3. verify, first run: the remembered digests (`<digest>.verify` in a
#      private UVCACHE_INDEX_DIR) are deleted before each sample, the scan
#      index is kept (written once before the timed rounds), so what is timed
#      is opening the cache, finding the roots, reading every RECORD, hashing
#      every file and decoding the records.
#   4. verify, second run: the same with the digests of the run before; its
#      floor is a stat of every file (`find archive-v0 -printf '%s %C@'`):
#      an edit through a hard link moves only the file's own change time.
#   5. warm page cache: one untimed warm-up of each, then RUNS rounds, each
#      running the three in turn (interleaved); medians and minima, ratios.
#
# Env knobs:
#   RUNS=5          timed rounds
#   JOBS=$(nproc)   parallel sha256sum processes (and verify --threads)
#   UV=/path/to/uv  uv 0.13.9 binary to use (only needed to build the corpus)
#   CARGO_TARGET_DIR honoured like cargo does
#
# The report goes to stdout, progress notes to stderr. Exits 2 on errors
# (a verify that exits 1, damage found, is reported, not an error).

set -euo pipefail

UV_VERSION=0.13.9
RUNS=${RUNS:-5}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

die() { printf 'benches/verify.sh: error: %s\n' "$*" >&2; exit 2; }
note() { printf '[verify.sh %s] %s\n' "$(date +%T)" "$*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer (got '$JOBS')"
(($# <= 1)) || die "usage: benches/verify.sh [CACHE_DIR]"
for tool in cargo find xargs sha256sum sort awk realpath nproc; do
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

if [[ -n ${EPOCHREALTIME:-} ]]; then
  stamp() { REPLY=${EPOCHREALTIME//[.,]/}000; }
else
  stamp() { REPLY=$(date +%s%N); }
fi

# run_timed OK_CODES CMD...: runs CMD (stdout discarded), sets ELAPSED (ns) and
# RC; dies unless its exit code is one of OK_CODES (a space-separated list).
run_timed() {
  local ok=$1 t0
  shift
  RC=0
  stamp; t0=$REPLY
  "$@" >/dev/null 2>"$TMP/stderr" || RC=$?
  stamp; ELAPSED=$((REPLY - t0))
  [[ " $ok " == *" $RC "* ]] || die "command failed (exit $RC): $*"$'\n'"$(cat "$TMP/stderr")"
}

# shellcheck source=benches/lib.sh
source "$REPO/benches/lib.sh"
export UV_NO_CONFIG=1 UV_NO_PROGRESS=1

[[ -d $CACHE/archive-v0 ]] || die "$CACHE has no archive-v0"
export UVCACHE_INDEX_DIR=$TMP/index UVCACHE_STATE_DIR=$TMP/state
VERIFY=("$UVCACHE" verify --json --threads "$JOBS" --cache-dir "$CACHE" --uv-version "$UV_VERSION")
FLOOR=(bash -c 'find "$1/archive-v0" -type f -print0 | xargs -0 -P"$2" -n 512 sha256sum' _ "$CACHE" "$JOBS")
STATWALK=(find "$CACHE/archive-v0" -printf '%s %C@\n')
cat >"$TMP/hash.py" <<'PY'
import hashlib, os, sys
from concurrent.futures import ProcessPoolExecutor

def digest(paths):
    for p in paths:
        with open(p, "rb") as f:
            hashlib.file_digest(f, "sha256")
    return len(paths)

root, jobs = sys.argv[1], int(sys.argv[2])
files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
files = [f for f in files if not os.path.islink(f)]
chunks = [files[i :: jobs * 8] for i in range(jobs * 8)]
with ProcessPoolExecutor(jobs) as ex:
    print(sum(ex.map(digest, chunks)))
PY
PYHASH=()
if python3 -c 'import hashlib, sys; sys.exit(not hasattr(hashlib, "file_digest"))' 2>/dev/null; then
  PYHASH=(python3 "$TMP/hash.py" "$CACHE/archive-v0" "$JOBS")
fi
forget() { rm -f "$UVCACHE_INDEX_DIR"/*.verify; }

note "counting archive files in $CACHE"
N_FILES=$(find "$CACHE/archive-v0" -type f | wc -l)
N_BYTES=$(find "$CACHE/archive-v0" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')

note "warm-up (and the scan index, and the verdict)"
run_timed "0 1" "${FLOOR[@]}"
run_timed "0" "${STATWALK[@]}"
((${#PYHASH[@]} == 0)) || run_timed "0" "${PYHASH[@]}"
forget
"${VERIFY[@]}" >"$TMP/first.json" 2>/dev/null || true
"${VERIFY[@]}" >"$TMP/second.json" 2>/dev/null || VERDICT_RC=$?
VERDICT_RC=${VERDICT_RC:-0}
summary() {
  awk -v f="$1" 'BEGIN {
    while ((getline line < f) > 0) {
      if (match(line, /"(archives|files|hashed_files|remembered_files|records)": [0-9]+/)) {
        s = substr(line, RSTART, RLENGTH); gsub(/[" ]/, "", s); printf "%s ", s
      }
    }
  }'
}

for ((r = 1; r <= RUNS; r++)); do
  note "round $r/$RUNS"
  run_timed "0" "${FLOOR[@]}"; add floor "$ELAPSED"
  run_timed "0" "${STATWALK[@]}"; add statwalk "$ELAPSED"
  if ((${#PYHASH[@]})); then run_timed "0" "${PYHASH[@]}"; add pyhash "$ELAPSED"; fi
  forget
  run_timed "0 1" "${VERIFY[@]}"; add first "$ELAPSED"
  run_timed "0 1" "${VERIFY[@]}"; add second "$ELAPSED"
done

F=$(median floor) V1=$(median first) V2=$(median second) W=$(median statwalk)
cat <<EOF
## uvcache verify vs a bare parallel sha256

Cache: $CACHE ($N_FILES archive files, $(awk -v b="$N_BYTES" 'BEGIN { printf "%.1f MiB", b/1048576 }'))
Machine: $(nproc) cores; $JOBS hashing jobs; warm page cache; medians and minima of $RUNS rounds
uvcache verify exit code: $VERDICT_RC (0 intact, 1 damage found)
first run:  $(summary "$TMP/first.json")
second run: $(summary "$TMP/second.json")

| command | median | min | ratio |
|---|---:|---:|---:|
| \`find archive-v0 -type f \| xargs -P$JOBS sha256sum\` (floor) | $(secs "$F") | $(secs "$(minimum floor)") | 1.00× |
| \`uvcache verify\`, first run (no remembered digests) | $(secs "$V1") | $(secs "$(minimum first)") | $(ratio "$V1" "$F") of the floor |
| \`uvcache verify\`, second run (nothing changed) | $(secs "$V2") | $(secs "$(minimum second)") | $(ratio "$V2" "$V1") of the first run |
| \`find archive-v0 -printf '%s %C@'\` (a stat of every file, 1 process) | $(secs "$W") | $(secs "$(minimum statwalk)") | second run $(ratio "$V2" "$W") of it |
EOF
if ((${#PYHASH[@]})); then
  P=$(median pyhash)
  echo "| python3 hashlib (OpenSSL) in $JOBS processes | $(secs "$P") | $(secs "$(minimum pyhash)") | first run $(ratio "$V1" "$P") of it |"
fi
