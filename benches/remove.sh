#!/usr/bin/env bash
# benches/remove.sh — time removals (`clean PKG`, `prune`, `prune --ci`) by
# `uvcache` against `uv cache …` on fresh copies of the large benchmark corpus,
# and check that both tools leave exactly the same tree behind.
#
#   usage: benches/remove.sh [CACHE_DIR]
#          (default: ${UVCACHE_CORPUS:-/tmp/corpus/uv-cache})
#
# The corpus itself is never modified: every timed command runs on its own
# fresh `cp -a` copy, made in a scratch directory on (ideally) the same
# filesystem and deleted right after it has been listed. Only one copy exists
# at a time, so the disk needs the corpus size (~6 GB) free, plus a margin.
#
# What it does:
#   1. `cargo build --release`, then uses
#      target/release/uvcache OP --yes --uv-version 0.13.9 --cache-dir COPY
#   2. finds uv 0.13.9: $UV (if set), else `uv` on PATH if it is 0.13.9, else
#      target/uv/0.13.9/bin/uv (where the tests put it), installing it there
#      with `python3 -m pip install --target ... uv==0.13.9` when missing;
#      times `uv cache OP --cache-dir COPY` with it.
#   3. builds the corpus with ../shared/corpus/make-corpus.sh if CACHE_DIR does
#      not exist (5-15 minutes, ~6 GB). An existing corpus is only read.
#   4. for each operation, RUNS rounds; in each round uv and uvcache (their
#      order alternates between rounds) each get a fresh copy: `cp -a`, then
#      `sync`, then a wait until the disk is idle (none of these is timed;
#      see SETTLE), then the timed command, then a listing of
#      the resulting tree (`find -printf '%P %y %s %l'`: path, type, size
#      and symlink target; no size for directories, whose ext4 size depends
#      on their history, not on their contents), then the copy is deleted.
#      Every fresh copy is checked against the corpus listing first.
#   5. per operation: median and min time of each tool, ratio uvcache/uv,
#      both tools' `Removed N files (X)` lines (N must match), and IDENTICAL /
#      DIFFERENT for the resulting trees (first 20 differing lines).
#   6. checks that the corpus listing is unchanged at the end, and prints a
#      markdown summary table and the machine facts.
#
# The page cache is warm (each copy has just been written and synced) unless
# COLD=1, which drops the page cache before every timed command (needs root).
#
# Settling: deleting a 6 GB copy and writing the next one can leave the disk
# busy for a while after `sync` returns (writeback, ext4 trimming freed blocks
# when mounted with `discard`). So after each copy the script waits until the
# block device under the copies (/sys/dev/block/MAJ:MIN/stat) has had nothing
# in flight at the sampling instants and has been busy for at most
# SETTLE_UTIL percent of each second (iostat's %util, from io_ticks) for
# SETTLE consecutive seconds (at most SETTLE_MAX seconds in all; a warning
# says when that limit was hit). A threshold rather than total silence, as
# other processes may use the same disk. Each operation's report lists, per
# round and tool, the command's own CPU time and how busy the rest of the
# machine and the disk were while it ran, to explain outliers.
#
# Copies are deleted on exit, on errors and on Ctrl-C / SIGTERM; after a
# SIGKILL, delete the leftover SCRATCH/run.* directory by hand.
#
# Env knobs:
#   RUNS=3                  rounds per operation (each round copies the corpus
#                           twice; a 6 GB copy takes a minute or more)
#   OPS="clean numpy,clean SMALL,prune,prune --ci"
#                           comma-separated operations (arguments of `uv cache`)
#   BIG_PKG=numpy           the big package of the first `clean`
#   SMALL_PKG=              the small package of the second `clean`; default:
#                           the first of six, idna, packaging in wheels-v8/pypi
#   SCRATCH=$(dirname CACHE_DIR)/bench-copies
#                           where the copies go (a fresh subdirectory of it)
#   COLD=0|1                1 drops the page cache before each timed command
#   SETTLE=5                idle seconds required before a timed command (0: off)
#   SETTLE_UTIL=10          "idle": disk busy at most this % of each second
#   SETTLE_MAX=300          the longest wait for that, in seconds
#   UV=/path/to/uv          uv 0.13.9 binary to use (must be that version)
#   CARGO_TARGET_DIR        honoured like cargo does
#
# The report goes to stdout, progress notes to stderr. Exits 1 (after the full
# report) if the trees or file counts differ, 2 on errors. No network access
# except pip/PyPI when uv 0.13.9 has to be installed (and whatever
# make-corpus.sh fetches when the corpus has to be built).

set -euo pipefail

UV_VERSION=0.13.9
RUNS=${RUNS:-3}
BIG_PKG=${BIG_PKG:-numpy}
SMALL_PKG=${SMALL_PKG:-}
COLD=${COLD:-0}
SETTLE=${SETTLE:-5}
SETTLE_UTIL=${SETTLE_UTIL:-10}
SETTLE_MAX=${SETTLE_MAX:-300}

die() { printf 'benches/remove.sh: error: %s\n' "$*" >&2; exit 2; }
note() { printf '[remove.sh %s] %s\n' "$(date +%T)" "$*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ $COLD == 0 || $COLD == 1 ]] || die "COLD must be '0' or '1' (got '$COLD')"
[[ $SETTLE =~ ^[0-9]+$ ]] || die "SETTLE must be a whole number of seconds (got '$SETTLE')"
[[ $SETTLE_UTIL =~ ^[0-9]+$ ]] && ((SETTLE_UTIL <= 100)) || die "SETTLE_UTIL must be a percentage, 0 to 100 (got '$SETTLE_UTIL')"
[[ $SETTLE_MAX =~ ^[0-9]+$ ]] || die "SETTLE_MAX must be a whole number of seconds (got '$SETTLE_MAX')"
(($# <= 1)) || die "usage: benches/remove.sh [CACHE_DIR]"

for tool in cargo cp find stat sort awk diff comm df du realpath sync mktemp; do
  command -v "$tool" >/dev/null || die "'$tool' is required but not on PATH"
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
[[ -f Cargo.toml ]] || die "cannot find the crate root (no Cargo.toml in $REPO)"
TARGET=${CARGO_TARGET_DIR:-target}
[[ $TARGET == /* ]] || TARGET=$REPO/$TARGET
CACHE=$(realpath -m -- "${1:-${UVCACHE_CORPUS:-/tmp/corpus/uv-cache}}")
[[ $CACHE != / ]] || die "refusing to use / as the corpus"
SCRATCH_PARENT=$(realpath -m -- "${SCRATCH:-$(dirname "$CACHE")/bench-copies}")
case $SCRATCH_PARENT/ in
  "$CACHE"/*) die "SCRATCH ($SCRATCH_PARENT) must not be inside the corpus ($CACHE)" ;;
esac
case $CACHE/ in
  "$SCRATCH_PARENT"/*) die "the corpus ($CACHE) must not be inside SCRATCH ($SCRATCH_PARENT)" ;;
esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/uvcache-bench.XXXXXX")
WORK=""            # our own subdirectory of $SCRATCH_PARENT, once created
CREATED_PARENT=0   # whether we created $SCRATCH_PARENT (then we remove it if empty)
cleanup() {
  local rc=$?
  if [[ -n $WORK && -d $WORK ]]; then
    note "removing the scratch copies in $WORK"
    rm -rf -- "$WORK" || true
  fi
  if ((CREATED_PARENT)); then rmdir -- "$SCRATCH_PARENT" 2>/dev/null || true; fi
  rm -rf -- "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

# run_timed OUT CMD...: runs CMD with stdout and stderr into OUT, sets ELAPSED
# to its wall time in ns; dies with CMD's output if it fails.
run_timed() {
  local out=$1 t0 rc=0
  shift
  stamp; t0=$REPLY
  "$@" >"$out" 2>&1 </dev/null || rc=$?
  stamp; ELAPSED=$((REPLY - t0))
  ((rc == 0)) || die "command failed (exit $rc): $*"$'\n'"$(tail -n 40 "$out")"
}

# Sample lists (space-separated ns) by key, and statistics over them.
gib() { awk -v b="$1" 'BEGIN { printf "%.1f GiB", b/1073741824 }'; }
# Shared helpers: samples and medians, uv, the corpus.
# shellcheck source=benches/lib.sh
source "$REPO/benches/lib.sh"

# uv must not pick up a uv.toml / pyproject.toml from the working directory.
export UV_NO_CONFIG=1 UV_NO_PROGRESS=1 NO_COLOR=1

# The operations (arguments after `uv cache`).
if [[ -z $SMALL_PKG ]]; then
  for p in six idna packaging; do
    if [[ -e $CACHE/wheels-v8/pypi/$p ]]; then SMALL_PKG=$p; break; fi
  done
  [[ -n $SMALL_PKG ]] || die "none of six, idna, packaging is in $CACHE/wheels-v8/pypi; set SMALL_PKG"
fi
[[ -e $CACHE/wheels-v8/pypi/$BIG_PKG ]] || note "warning: $BIG_PKG is not in $CACHE/wheels-v8/pypi"
IFS=, read -r -a OPS <<<"${OPS:-clean $BIG_PKG,clean $SMALL_PKG,prune,prune --ci}"
((${#OPS[@]} > 0)) || die "OPS is empty"
for op in "${OPS[@]}"; do
  [[ $op =~ ^(clean|prune)( |$) ]] || die "OPS: '$op' is not a clean or prune operation"
done

# ---------------------------------------------------------------------------
# Scratch space: one copy at a time.
if [[ ! -d $SCRATCH_PARENT ]]; then
  mkdir -p -- "$SCRATCH_PARENT"
  CREATED_PARENT=1
fi
WORK=$(mktemp -d "$SCRATCH_PARENT/run.XXXXXX")

note "measuring the corpus"
listing() {  # listing DIR OUT: one sorted line per entry below DIR
  find "$1" -mindepth 1 \( -type d -printf '%P\td\n' \) -o -printf '%P\t%y\t%s\t%l\n' \
    | LC_ALL=C sort >"$2"
}
listing "$CACHE" "$TMP/corpus.list"
N_ENTRIES=$(wc -l <"$TMP/corpus.list")
N_FILES=$(awk -F'\t' '$2 == "f"' "$TMP/corpus.list" | wc -l)
N_DIRS=$(awk -F'\t' '$2 == "d"' "$TMP/corpus.list" | wc -l)
N_LINKS=$(awk -F'\t' '$2 == "l"' "$TMP/corpus.list" | wc -l)
CORPUS_BYTES=$(du -s -B1 "$CACHE" | cut -f1)
FREE_BYTES=$(df -B1 --output=avail "$WORK" | tail -n1 | tr -d ' ')
[[ $FREE_BYTES =~ ^[0-9]+$ ]] || die "could not read the free space of $WORK (df said '$FREE_BYTES')"
NEED=$((CORPUS_BYTES + CORPUS_BYTES / 10 + 1073741824))
((FREE_BYTES >= NEED)) || die "$SCRATCH_PARENT has $(gib "$FREE_BYTES") free; one copy of the corpus needs $(gib "$NEED") (corpus + 10% + 1 GiB)"
((FREE_BYTES >= 20 * 1073741824)) || note "warning: only $(gib "$FREE_BYTES") free; consider RUNS=1 and fewer OPS"
FSTYPE=$(findmnt -no FSTYPE -T "$WORK" 2>/dev/null || stat -f -c %T "$WORK")
if [[ $(stat -c %d "$WORK") == "$(stat -c %d "$CACHE")" ]]; then
  SAMEFS="same filesystem as the corpus"
else
  SAMEFS="NOT the corpus's filesystem"
  note "warning: $SCRATCH_PARENT is not on the corpus's filesystem"
fi
NPROC=$(nproc)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
KERNEL=$(uname -sr)
CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || true)
UVCACHE_VERSION=$("$UVCACHE" --version 2>/dev/null || echo "uvcache ?")

# ---------------------------------------------------------------------------
# Cold page cache (COLD=1).
drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches; }
if ((COLD)); then
  (drop_caches) 2>"$TMP/stderr" || die "COLD=1, but 'sync; echo 3 > /proc/sys/vm/drop_caches' failed: $(cat "$TMP/stderr")"
  PAGE_CACHE="cold: page cache dropped before every timed command (the tool's binary is read back in first)"
else
  PAGE_CACHE="warm: every copy has just been written with cp -a and synced"
fi

# The block device under the copies, for settle().
DEV_STAT=/sys/dev/block/$(stat -c '%Hd:%Ld' "$WORK")/stat
DEV_NAME=$(findmnt -no SOURCE -T "$WORK" 2>/dev/null || echo "device $(stat -c '%Hd:%Ld' "$WORK")")
DEV_OK=0
[[ -r $DEV_STAT ]] && DEV_OK=1
if ((SETTLE == 0)); then
  SETTLE_DESC="off (SETTLE=0)"
elif [[ -r $DEV_STAT ]]; then
  SETTLE_DESC="after each copy, waited until $DEV_NAME had been at most ${SETTLE_UTIL}% busy, with nothing in flight, for ${SETTLE} s in a row"
else
  SETTLE_DESC="not possible ($DEV_STAT is missing): only sync after each copy"
  note "warning: cannot watch $DEV_STAT; timed commands may overlap the previous copy's background I/O"
  SETTLE=0
fi
# io_ticks: ms the device has spent busy (field 10 of its stat file).
io_ticks() { if [[ -r $DEV_STAT ]]; then awk '{print $10}' "$DEV_STAT"; else echo 0; fi; }
# own_cpu_ms: user+sys CPU of this shell's finished children so far, in ms
# (from the `times` builtin, which runs in this shell: no fork).
to_ms() {  # 1m2.345s -> 62345 (in REPLY)
  [[ $1 =~ ^([0-9]+)m([0-9]+)[.,]?([0-9]*)s$ ]] || die "internal: cannot parse times output '$1'"
  local frac=${BASH_REMATCH[3]}000
  REPLY=$((10#${BASH_REMATCH[1]} * 60000 + 10#${BASH_REMATCH[2]} * 1000 + 10#${frac:0:3}))
}
own_cpu_ms() {
  local a b c d u
  times >"$TMP/times"
  { read -r a b; read -r c d; } <"$TMP/times"
  to_ms "$c"; u=$REPLY
  to_ms "$d"; REPLY=$((u + REPLY))
}
# machine_cpu: all CPUs' busy time (REPLY) and total time (TOTAL), in ms,
# from the first line of /proc/stat (no fork).
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
machine_cpu() {
  local -a c
  read -r -a c </proc/stat
  # cpu user nice system idle iowait irq softirq steal
  REPLY=$(((c[1] + c[2] + c[3] + c[6] + c[7] + c[8]) * 1000 / CLK_TCK))
  TOTAL=$((REPLY + (c[4] + c[5]) * 1000 / CLK_TCK))
}
# settle: waits until the disk has been idle enough for $SETTLE seconds.
declare -a SETTLE_NS=()
SETTLE_TIMEOUTS=0
settle() {
  ((SETTLE > 0)) || return 0
  local t0 t1 t2 busy0 busy1 quiet=0
  local -a f
  stamp; t0=$REPLY t1=$REPLY
  busy0=$(io_ticks)
  while :; do
    sleep 1
    read -r -a f <"$DEV_STAT"
    stamp; t2=$REPLY
    busy1=${f[9]}
    # busy ms * 100 <= UTIL% * elapsed ms, with nothing in flight (field 9)
    if ((f[8] == 0 && (busy1 - busy0) * 100 * 1000000 <= SETTLE_UTIL * (t2 - t1))); then
      quiet=$((quiet + 1))
    else
      quiet=0
    fi
    busy0=$busy1 t1=$t2
    ((quiet < SETTLE)) || break
    if (((t2 - t0) / 1000000000 >= SETTLE_MAX)); then
      note "warning: the disk was still busy after SETTLE_MAX=${SETTLE_MAX} s; timing anyway"
      SETTLE_TIMEOUTS=$((SETTLE_TIMEOUTS + 1))
      break
    fi
  done
  stamp; SETTLE_NS+=($((REPLY - t0)))
}

# fresh_copy DEST: an untimed `cp -a` of the corpus, synced and verified.
declare -a COPY_NS=()
fresh_copy() {
  local t0
  [[ ! -e $1 ]] || die "internal: $1 already exists"
  stamp; t0=$REPLY
  cp -a -- "$CACHE" "$1" || die "cp -a $CACHE $1 failed"
  sync
  stamp; COPY_NS+=($((REPLY - t0)))
  listing "$1" "$TMP/copy.list"
  cmp -s "$TMP/corpus.list" "$TMP/copy.list" \
    || die "the fresh copy $1 differs from the corpus:"$'\n'"$(diff "$TMP/corpus.list" "$TMP/copy.list" | head -n 20)"
  settle
}
drop_copy() {  # drop_copy DIR (only ever one of our own copies)
  case $1 in "$WORK"/*) ;; *) die "internal: refusing to delete $1" ;; esac
  rm -rf -- "$1"
}

declare -A LINE=() VERDICT=() NMATCH=() MED=() MEDR=() COND=()
FAILURES=0

# run_tool OP_INDEX TOOL ROUND: one timed removal on a fresh copy; leaves the
# resulting listing in $TMP/op$OP_INDEX.$TOOL.r$ROUND.list
run_tool() {
  local i=$1 tool=$2 r=$3 op=${OPS[$1]} copy
  local -a args
  read -r -a args <<<"$op"
  copy=$WORK/$tool
  note "[$op] round $r/$RUNS, $tool: copying the corpus"
  fresh_copy "$copy"
  if [[ $tool == uv ]]; then
    CMD=("$UV_BIN" cache "${args[@]}" --cache-dir "$copy")
  else
    CMD=("$UVCACHE" "${args[@]}" --yes --uv-version "$UV_VERSION" --cache-dir "$copy")
  fi
  if ((COLD)); then
    drop_caches 2>"$TMP/stderr" || die "dropping caches stopped working: $(cat "$TMP/stderr")"
    "${CMD[0]}" --version >/dev/null 2>&1 || true
  fi
  note "[$op] round $r/$RUNS, $tool: ${CMD[*]}"
  local io0 own0 cpu0 tot0 io1 own1 cpu1 tot1
  io0=$(io_ticks); own_cpu_ms; own0=$REPLY; machine_cpu; cpu0=$REPLY tot0=$TOTAL
  run_timed "$TMP/op$i.$tool.r$r.out" "${CMD[@]}"
  machine_cpu; cpu1=$REPLY tot1=$TOTAL; own_cpu_ms; own1=$REPLY; io1=$(io_ticks)
  add "$i:$tool" "$ELAPSED"
  # Conditions: the command's own CPU time; how busy the rest of the machine
  # was (all CPUs' busy time minus the command's, over elapsed x CPUs); how
  # busy the disk was (io_ticks over elapsed).
  COND[$i:$tool:$r]=$(awk -v e="$ELAPSED" -v own="$((own1 - own0))" -v busy="$((cpu1 - cpu0))" \
    -v tot="$((tot1 - tot0))" -v io="$((io1 - io0))" -v n="$NPROC" -v dev="$DEV_OK" 'BEGIN {
      ms = e / 1e6
      other = (tot > 0) ? 100 * busy / tot - 100 * own / (ms * n) : 0
      if (other < 0) other = 0
      printf "own CPU %.2f s, rest of machine %.0f%% busy", own / 1000, other
      if (dev) printf ", disk busy %.0f%%", (ms > 0) ? 100 * io / ms : 0
    }')
  note "[$op] round $r/$RUNS, $tool: $(secs "$ELAPSED") (${COND[$i:$tool:$r]}); listing and deleting the copy"
  listing "$copy" "$TMP/op$i.$tool.r$r.list"
  drop_copy "$copy"
}

removed_line() {  # removed_line OUTFILE: uv's summary line, or the last line
  local l
  l=$(grep -E '^(Removed [0-9]+ (file|files|directory|directories) |No cache entries found|No unused entries found)' "$1" | tail -n1) || true
  [[ -n $l ]] || l="(no summary line; last line: $(tail -n1 "$1"))"
  printf '%s\n' "$l"
}
removed_n() { awk '$1 == "Removed" {print $2; exit}' <<<"$1"; }

echo "# uvcache removal benchmark"
echo
echo "corpus:  $CACHE ($FSTYPE; $N_FILES files, $N_DIRS dirs, $N_LINKS symlinks, $(gib "$CORPUS_BYTES") on disk) — never modified"
echo "copies:  $WORK ($SAMEFS; $(gib "$FREE_BYTES") free at start), one \`cp -a\` per timed command"
echo "uvcache: $UVCACHE ($UVCACHE_VERSION): uvcache OP --yes --uv-version $UV_VERSION --cache-dir COPY"
echo "uv:      $UV_BIN (uv $UV_VERSION, $UV_ORIGIN): uv cache OP --cache-dir COPY"
echo "clock:   $CLOCK; RUNS=$RUNS"
echo "page cache: $PAGE_CACHE"
echo "settling: $SETTLE_DESC"

# ---------------------------------------------------------------------------
# 4./5. The operations.
for i in "${!OPS[@]}"; do
  op=${OPS[$i]}
  for ((r = 1; r <= RUNS; r++)); do
    if ((r % 2)); then order=(uv uvcache); else order=(uvcache uv); fi
    for tool in "${order[@]}"; do run_tool "$i" "$tool" "$r"; done
  done

  echo
  echo "## $op"
  MED[$i:uv]=$(median "$i:uv")
  MED[$i:uvcache]=$(median "$i:uvcache")
  MEDR[$i]=$(ratio "${MED[$i:uvcache]}" "${MED[$i:uv]}")
  printf '  %-40s %10s %10s\n' command median min
  printf '  %-40s %10s %10s\n' "uv cache $op" "$(secs "${MED[$i:uv]}")" "$(secs "$(minimum "$i:uv")")"
  printf '  %-40s %10s %10s\n' "uvcache $op --yes" "$(secs "${MED[$i:uvcache]}")" "$(secs "$(minimum "$i:uvcache")")"
  echo "  ratio uvcache/uv (medians): ${MEDR[$i]}"
  for ((r = 1; r <= RUNS; r++)); do
    for tool in uv uvcache; do
      printf '  round %d %-8s %10s  (%s)\n' "$r" "$tool" "$(secs "$(printf '%s\n' ${S[$i:$tool]} | sed -n "${r}p")")" "${COND[$i:$tool:$r]}"
    done
  done

  # Summary lines (from round 1; any round whose N differs is flagged).
  uv_line=$(removed_line "$TMP/op$i.uv.r1.out")
  uvc_line=$(removed_line "$TMP/op$i.uvcache.r1.out")
  LINE[$i:uv]=$uv_line LINE[$i:uvcache]=$uvc_line
  echo "  uv:      $uv_line"
  echo "  uvcache: $uvc_line"
  nmatch=yes
  for ((r = 1; r <= RUNS; r++)); do
    a=$(removed_n "$(removed_line "$TMP/op$i.uv.r$r.out")")
    b=$(removed_n "$(removed_line "$TMP/op$i.uvcache.r$r.out")")
    if [[ $a != "$b" ]]; then
      nmatch=no
      echo "  round $r: uv removed ${a:-?} files, uvcache ${b:-?}"
    fi
  done
  NMATCH[$i]=$nmatch
  if [[ $nmatch == yes ]]; then
    if [[ $uv_line == "$uvc_line" ]]; then
      echo "  file counts: MATCH (summary lines identical)"
    else
      echo "  file counts: MATCH (the size in parentheses differs)"
    fi
  else
    echo "  file counts: MISMATCH"
    FAILURES=$((FAILURES + 1))
  fi

  # Resulting trees.
  verdict=IDENTICAL
  for ((r = 1; r <= RUNS; r++)); do
    a=$TMP/op$i.uv.r$r.list b=$TMP/op$i.uvcache.r$r.list
    if ! cmp -s "$a" "$b"; then
      verdict=DIFFERENT
      echo "  round $r: trees DIFFERENT (< only after uv, > only after uvcache; first 20 lines):"
      diff "$a" "$b" | grep -E '^[<>]' | head -n 20 | sed 's/^/    /' || true
    fi
  done
  VERDICT[$i]=$verdict
  gone=$(LC_ALL=C comm -23 "$TMP/corpus.list" "$TMP/op$i.uv.r1.list" | wc -l)
  left=$(wc -l <"$TMP/op$i.uv.r1.list")
  echo "  trees: $verdict ($RUNS round(s) compared; after uv: $gone of $N_ENTRIES entries gone, $left left)"
  [[ $verdict == IDENTICAL ]] || FAILURES=$((FAILURES + 1))
  rm -f "$TMP"/op"$i".*.list
done

# ---------------------------------------------------------------------------
# 6. The corpus must be untouched; summary.
note "re-listing the corpus"
listing "$CACHE" "$TMP/corpus.after"
echo
if cmp -s "$TMP/corpus.list" "$TMP/corpus.after"; then
  echo "corpus: unchanged (same listing before and after)"
else
  echo "corpus: CHANGED during the benchmark (first 20 lines):"
  diff "$TMP/corpus.list" "$TMP/corpus.after" | grep -E '^[<>]' | head -n 20 | sed 's/^/  /' || true
  FAILURES=$((FAILURES + 1))
fi

med_of() {  # med_of NS...: median of the arguments
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1}
    END { if (NR % 2) print a[(NR+1)/2]; else printf "%.0f\n", (a[NR/2]+a[NR/2+1])/2 }'
}
COPY_MED=$(med_of "${COPY_NS[@]}")
SETTLE_NOTE=""
if ((${#SETTLE_NS[@]} > 0)); then
  SETTLE_NOTE=", then waited for an idle disk (median $(secs "$(med_of "${SETTLE_NS[@]}")"), max $(secs "$(printf '%s\n' "${SETTLE_NS[@]}" | sort -n | tail -n1)")"
  ((SETTLE_TIMEOUTS == 0)) || SETTLE_NOTE+="; $SETTLE_TIMEOUTS wait(s) hit SETTLE_MAX"
  SETTLE_NOTE+=")"
fi

echo
echo "## Summary"
echo
echo "| operation | \`uv cache\` $UV_VERSION median | \`uvcache\` median | uvcache/uv | identical? | removed (uv / uvcache) |"
echo "|---|---:|---:|---:|:---:|---|"
for i in "${!OPS[@]}"; do
  ident=${VERDICT[$i],,}
  if [[ ${NMATCH[$i]} != yes ]]; then ident="$ident (file counts differ)"; fi
  echo "| \`${OPS[$i]}\` | $(secs "${MED[$i:uv]}") | $(secs "${MED[$i:uvcache]}") | ${MEDR[$i]} | $ident | ${LINE[$i:uv]} / ${LINE[$i:uvcache]} |"
done
echo
echo "Medians of $RUNS round(s); each timed command ran on its own fresh \`cp -a\` copy of the corpus" \
  "(untimed: median copy $(secs "$COPY_MED")$SETTLE_NOTE); page cache ${PAGE_CACHE%%:*}. Ratio below 1× means uvcache is faster." \
  "Files that the corpus shares by hard link with virtual environments are single links in the copies."
if ((RUNS < 3)); then
  echo
  echo "RUNS=$RUNS: this few samples on a shared machine are noisy; see the per-round conditions above, and use RUNS=3 or more for figures to quote."
fi
echo
echo "Machine: load average $LOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?") at end; ${CPU:-unknown CPU}, nproc $NPROC, ${MEM:-? GiB} RAM, $KERNEL; copies on $FSTYPE ($SAMEFS);" \
  "corpus: $N_FILES files, $N_DIRS dirs, $N_LINKS symlinks, $(gib "$CORPUS_BYTES") on disk."

if ((FAILURES > 0)); then
  echo "benches/remove.sh: $FAILURES difference(s) between uv and uvcache, see above" >&2
  exit 1
fi
