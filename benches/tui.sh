#!/usr/bin/env bash
# benches/tui.sh — responsiveness of the terminal UI on the large benchmark
# corpus: the real release binary in a real terminal (tmux), timed from the
# outside by polling what the pane shows.
#
#   usage: benches/tui.sh [CACHE_DIR]
#          (default: ${UVCACHE_CORPUS:-/tmp/corpus/uv-cache}; only read)
#
# Per run (RUNS of them), with the binary started in a fresh 120x40 tmux window:
#   first frame     launch -> the tab bar (" uvcache ", "Overview") is on screen
#   complete table  launch -> the scan is done ("N entries · X on disk" in the
#                   tab bar) and the packages table shows its header and rows
#   key (scanning)  while the status still says "scanning": `?` sent with
#                   `tmux send-keys` -> the help overlay is on screen, then `?`
#                   again -> it is gone; each is one sample, kept only if the
#                   pane still said "scanning" when the answer appeared
#   key (idle)      the same after the scan, KEYS_IDLE samples per run
# Medians (and min, 90th percentile, max) over all runs are printed as a
# markdown table.
#
# Env knobs:
#   RUNS=5            launches per condition
#   KEYS_IDLE=10      idle key samples per run
#   COLD=auto|0       auto: also run with the page cache dropped before each
#                     launch (needs root: /proc/sys/vm/drop_caches); 0: warm only
#   THREADS=          --threads for uvcache (default: its own)
#   INDEX=1           0: every launch scans in full (--no-index), as a first launch does
#   POLL_GAP=0.002    seconds between two looks at the pane (the poller's own
#                     processes compete with the program for the CPUs)
#   KEY_GAP=0.05      seconds between an answer and the next key (a key right
#                     after a frame waits for the next one: at most 60 frames
#                     per second are drawn)
#   UVCACHE_BIN=      use this binary instead of building target/release/uvcache
#   CARGO_TARGET_DIR  honoured like cargo does
#
# Every time includes what a user would see too: tmux reading the program's
# output, and is late by up to one poll: a `tmux capture-pane` (a process
# start, a few ms; its median is printed) plus POLL_GAP. The poller shares
# the CPUs with the program and its scan.
# Progress notes go to stderr, the report to stdout. Exits 2 on errors.

set -euo pipefail

RUNS=${RUNS:-5}
KEYS_IDLE=${KEYS_IDLE:-10}
COLD=${COLD:-auto}
THREADS=${THREADS:-}
INDEX=${INDEX:-1}
POLL_GAP=${POLL_GAP:-0.002}
KEY_GAP=${KEY_GAP:-0.05}
UV_VERSION=0.13.9
TIMEOUT_US=120000000 # give up on any single wait after 120 s

die() { printf 'benches/tui.sh: error: %s\n' "$*" >&2; exit 2; }
note() { printf '[tui.sh %s] %s\n' "$(date +%T)" "$*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ $KEYS_IDLE =~ ^[0-9]+$ ]] || die "KEYS_IDLE must be a number (got '$KEYS_IDLE')"
[[ $COLD == auto || $COLD == 0 ]] || die "COLD must be 'auto' or '0' (got '$COLD')"
[[ -z $THREADS || $THREADS =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer"
[[ $INDEX == 0 || $INDEX == 1 ]] || die "INDEX must be 0 or 1 (got '$INDEX')"
[[ $POLL_GAP =~ ^[0-9]*\.?[0-9]+$ ]] || die "POLL_GAP must be a number of seconds (got '$POLL_GAP')"
[[ $KEY_GAP =~ ^[0-9]*\.?[0-9]+$ ]] || die "KEY_GAP must be a number of seconds (got '$KEY_GAP')"
(($# <= 1)) || die "usage: benches/tui.sh [CACHE_DIR]"
((BASH_VERSINFO[0] >= 5)) || die "bash 5 is needed (\$EPOCHREALTIME)"
for tool in tmux awk sort; do
  command -v "$tool" >/dev/null || die "'$tool' is required but not on PATH"
done

CACHE=${1:-${UVCACHE_CORPUS:-/tmp/corpus/uv-cache}}
[[ -d $CACHE ]] || die "no cache at '$CACHE' (build it with ../shared/corpus/make-corpus.sh)"
CACHE=$(cd "$CACHE" && pwd)

repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n ${UVCACHE_BIN:-} ]]; then
  bin=$UVCACHE_BIN
else
  note "building the release binary"
  (cd "$repo" && cargo build --release --quiet) || die "cargo build --release failed"
  target=${CARGO_TARGET_DIR:-target}
  [[ $target == /* ]] || target="$repo/$target"
  bin="$target/release/uvcache"
fi
[[ -x $bin ]] || die "no executable at '$bin'"

work=$(mktemp -d "${TMPDIR:-/tmp}/uvcache-tui-bench.XXXXXX")
socket="uvcache-bench-$$"
tmx() { tmux -L "$socket" -f /dev/null "$@"; }
cleanup() { tmx kill-server >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/home"

now() { local t=${EPOCHREALTIME/./}; echo $((10#$t)); } # microseconds
pane() { tmx capture-pane -p -t bench 2>/dev/null || true; }
# A pause between polls without starting a process: a read that times out on
# a FIFO nobody writes to.
mkfifo "$work/nap"
exec {nap_fd}<>"$work/nap"
nap() { read -rt "${1:-$POLL_GAP}" -u "$nap_fd" _ || true; }

# Waits until the pane matches the extended regex $1 (or, with $2 = "!", no
# longer matches); sets $at to the microseconds at which that was seen and
# $seen to the pane's text then.
seen=""
at=0
wait_here() {
  local pattern=$1 negate=${2:-} start t
  start=$(now)
  while :; do
    seen=$(pane)
    t=$(now)
    if [[ $negate == "!" ]]; then
      grep -Eq -- "$pattern" <<<"$seen" || { at=$t; return 0; }
    else
      grep -Eq -- "$pattern" <<<"$seen" && { at=$t; return 0; }
    fi
    ((t - start < TIMEOUT_US)) || { note "timed out waiting for /$pattern/"; printf '%s\n' "$seen" >&2; return 1; }
    nap
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
can_drop=0
if [[ $COLD == auto ]] && [[ -w /proc/sys/vm/drop_caches ]] && sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then
  can_drop=1
fi

tmx new-session -d -s idle -x 120 -y 40 "sleep 100000"
cmd=(env -i PATH="$PATH" HOME="$work/home" XDG_CONFIG_HOME="$work/home/config"
  XDG_STATE_HOME="$work/home/state" UVCACHE_LOG="$work/tui.log" TERM=xterm-256color
  "$bin" --cache-dir "$CACHE" --uv-version "$UV_VERSION")
[[ -n $THREADS ]] && cmd+=(--threads "$THREADS")
[[ $INDEX == 0 ]] && cmd+=(--no-index)
cmd+=(tui)
printf -v cmdline '%q ' "${cmd[@]}"

HELP='Everywhere'     # the help overlay's first heading
SCANNING='scanning [0-9]+/[0-9]+ entries'
DONE='[0-9]+ entries · .* on disk'

# One launch; appends samples (milliseconds) to files in $work/<condition>.*
run_once() {
  local cond=$1 t0 t_first t_done sent
  [[ $cond == cold ]] && { sync; echo 3 >/proc/sys/vm/drop_caches; cat "$bin" >/dev/null; }
  t0=$(now)
  tmx new-session -d -s bench -x 120 -y 40 "exec $cmdline"
  wait_here ' uvcache .*Overview' || return 1
  t_first=$at
  echo "$(((t_first - t0) / 1000)).$(((t_first - t0) % 1000 / 100))" >>"$work/$cond.first"
  # Keys while the scan runs: open the help, close it, as long as it scans.
  while grep -Eq -- "$SCANNING" <<<"$seen"; do
    nap "$KEY_GAP"
    sent=$(now)
    tmx send-keys -t bench -l '?'
    wait_here "$HELP" || return 1
    grep -Eq -- "$SCANNING" <<<"$seen" && echo "$(((at - sent) / 100))" >>"$work/$cond.scan_keys"
    nap "$KEY_GAP"
    sent=$(now)
    tmx send-keys -t bench -l '?'
    wait_here "$HELP" '!' || return 1
    grep -Eq -- "$SCANNING" <<<"$seen" && echo "$(((at - sent) / 100))" >>"$work/$cond.scan_keys"
  done
  wait_here "$DONE" || return 1
  wait_here 'NAME.*VERSIONS' || return 1
  t_done=$at
  echo "$(((t_done - t0) / 1000)).$(((t_done - t0) % 1000 / 100))" >>"$work/$cond.table"
  for ((k = 0; k < KEYS_IDLE; k++)); do
    nap "$KEY_GAP"
    sent=$(now)
    tmx send-keys -t bench -l '?'
    wait_here "$HELP" || return 1
    echo "$(((at - sent) / 100))" >>"$work/$cond.idle_keys"
    nap "$KEY_GAP"
    sent=$(now)
    tmx send-keys -t bench -l '?'
    wait_here "$HELP" '!' || return 1
    echo "$(((at - sent) / 100))" >>"$work/$cond.idle_keys"
  done
  # Peak memory of the whole launch (the pane's process is uvcache itself: `exec`).
  local pid
  pid=$(tmx list-panes -t bench -F '#{pane_pid}')
  awk '/^VmHWM:/ { print $2 / 1024 }' "/proc/$pid/status" >>"$work/$cond.rss" 2>/dev/null || true
  tmx send-keys -t bench -l q
  local start
  start=$(now)
  while tmx has-session -t bench 2>/dev/null; do
    (($(now) - start < TIMEOUT_US)) || die "uvcache did not quit"
  done
}

# Resolution: how long one capture-pane takes.
tmx new-session -d -s bench -x 120 -y 40 "sleep 100000"
for ((i = 0; i < 20; i++)); do
  a=$(now); pane >/dev/null; b=$(now)
  echo "$(((b - a) / 100))" >>"$work/poll"
done
tmx kill-session -t bench

conditions=(warm)
((can_drop)) && conditions+=(cold)
for cond in "${conditions[@]}"; do
  if [[ $cond == warm ]]; then
    note "warm-up launch (untimed)"
    run_once discard || die "the warm-up launch failed"
  fi
  for ((r = 1; r <= RUNS; r++)); do
    note "$cond launch $r/$RUNS"
    run_once "$cond" || die "launch $r ($cond) failed; the pane is above"
  done
done

# Median, min, 90th percentile and max of a file of numbers in tenths of ms (keys, poll) or
# "ms.tenth" (startup), printed in ms with one decimal.
stats() {
  local file=$1 scale=$2
  [[ -s $file ]] || { echo "| – | – | – | – | 0 |"; return; }
  sort -g "$file" | awk -v s="$scale" '
    { v[NR] = $1 / s }
    END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      p = int(NR * 0.9 + 0.999999); if (p < 1) p = 1
      printf "| %.1f | %.1f | %.1f | %.1f | %d |\n", m, v[1], v[p], v[NR], NR
    }'
}

cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
entries=$(grep -Eo 'scanned [0-9]+ entries, [0-9]+ files, [^ ]+ on disk in [0-9]+ ms' "$work/tui.log" | tail -1 || true)
echo "## uvcache TUI responsiveness"
echo
echo "Cache: \`$CACHE\` (${entries:-see the log}); $cpus CPUs; tmux $(tmux -V | cut -d' ' -f2);"
echo "load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?");"
echo "120x40 window; ${RUNS} launches per condition; times in ms."
echo
echo "| measurement | median | min | p90 | max | samples |"
echo "|---|---|---|---|---|---|"
for cond in "${conditions[@]}"; do
  echo "| $cond: launch → first frame $(stats "$work/$cond.first" 1)"
  echo "| $cond: launch → complete table $(stats "$work/$cond.table" 1)"
  echo "| $cond: key → redraw while scanning $(stats "$work/$cond.scan_keys" 10)"
  echo "| $cond: key → redraw after the scan $(stats "$work/$cond.idle_keys" 10)"
  echo "| $cond: peak RSS of a launch (MB) $(stats "$work/$cond.rss" 1)"
done
echo "| one look at the pane (capture-pane; then POLL_GAP ${POLL_GAP}s) $(stats "$work/poll" 10)"
