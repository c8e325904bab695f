#!/usr/bin/env bash
# benches/remove_scale.sh — removal time of `uvcache` (sequential and parallel)
# against `uv cache` on a large synthetic cache, when the benchmark corpus is
# not at hand.
#
#   usage: benches/remove_scale.sh [FILES]        (default: 500000)
#
# The cache (generated once under ${SCALE_DIR:-/tmp/uvcache-scale}/remove-FILES,
# about 4 KB of disk per file, and kept) has one big package (`bigpkg`: one
# archive of 20,000 files in 100 directories) and archives of 200 files in 4
# directories, each with its `wheels-v8` link, pointer and Simple API page,
# except one archive in four that nothing links to (what `prune` removes). The
# pointer and page files are the test fixture's (run `cargo test --test
# removal` once first), re-pointed at each archive; `uv cache` and `uvcache`
# leave the same trees behind on it.
#
# Each round gives each tool two fresh `cp -a` copies (untimed, then `sync`):
# on the first it runs `clean bigpkg`, `prune`, `prune --ci` one after the
# other (each operation starts from the same tree for every tool), on the
# second `clean`. Tools: `uv cache` (0.13.9), `uvcache` with
# UVCACHE_REMOVE_THREADS=1 (sequential) and with the default thread count;
# their order rotates between rounds. COLD=1 drops the page cache before each
# timed command (needs root).
#
# Env knobs: RUNS=3, COLD=0|1, SCALE_DIR, SCRATCH (where the copies go,
# default SCALE_DIR), THREADS (uvcache's parallel thread count; default: its
# own default), UV (a uv 0.13.9 binary).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
TMP=$(mktemp -d)
UV_VERSION=0.13.9
RUNS=${RUNS:-3}
COLD=${COLD:-0}
SCALE_DIR=${SCALE_DIR:-/tmp/uvcache-scale}
SCRATCH=${SCRATCH:-$SCALE_DIR}
FILES=${1:-500000}
CACHE=/nonexistent
NO_CORPUS=1
note() { printf '== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
COPY=""
cleanup() { [[ -z $COPY || ! -e $COPY ]] || rm -rf -- "$COPY"; rm -rf -- "$TMP"; }
trap cleanup EXIT
cd "$REPO"
# shellcheck source=benches/lib.sh
source "$REPO/benches/lib.sh"
export UV_NO_CONFIG=1 UV_NO_PROGRESS=1 NO_COLOR=1

TEMPLATE=$TARGET/uvcache-fixtures/current-r1/cache
# The fixture's index is a local server, so its cache digest follows the server's address.
POINTER=$(compgen -G "$TEMPLATE/wheels-v8/index/*/alpha/1.0.0-py3-none-any.http" | head -n1 || true)
[[ -n $POINTER ]] || die "$TEMPLATE is missing: run \`cargo test --test removal\` once first"
IDX=$(basename "$(dirname "$(dirname "$POINTER")")")

generate() { # generate FILES CACHE_DIR
  python3 - "$1" "$2" "$TEMPLATE" "$IDX" <<'PY'
import os, sys, shutil
n_files, cache, tmpl, IDX = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
os.makedirs(os.path.join(cache, "archive-v0"))
for f in ("CACHEDIR.TAG", ".gitignore"):
    shutil.copy(os.path.join(tmpl, f), cache)
wdir = os.path.join(cache, "wheels-v8", "index", IDX)
sdir = os.path.join(cache, "simple-v28", "index", IDX)
os.makedirs(wdir); os.makedirs(sdir)
def read(p): return open(os.path.join(tmpl, p), "rb").read()
http = read(f"wheels-v8/index/{IDX}/alpha/1.0.0-py3-none-any.http")
meta = read(f"wheels-v8/index/{IDX}/alpha/1.0.0-py3-none-any.msgpack")
page = read(f"simple-v28/index/{IDX}/alpha.rkyv")
old = os.readlink(os.path.join(tmpl, f"wheels-v8/index/{IDX}/alpha/1.0.0-py3-none-any")).rsplit("/", 1)[1].encode()
at = http.index(old)  # the archive id inside the pointer
ALPH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
def aid(n):
    return "".join(ALPH[(n >> (6 * k)) % 64] for k in range(16))[::-1]
def archive(a, name, files, per_dir):
    i = aid(a * 7919 + 12345)
    base = os.path.join(cache, "archive-v0", i)
    info = os.path.join(base, f"{name}-1.0.0.dist-info")
    os.makedirs(info)
    for f in ("METADATA", "WHEEL", "RECORD"):
        with open(os.path.join(info, f), "w") as fh:
            fh.write(f"Name: {name}\nVersion: 1.0.0\n")
    n = d = 0
    while n < files:
        sub = os.path.join(base, name, f"sub{d // 10}", f"m{d}")
        os.makedirs(sub)
        for k in range(min(per_dir, files - n)):
            with open(os.path.join(sub, f"f{k}.py"), "wb") as fh:
                fh.write(b"x" * (100 + (n * 37) % 3000))
            n += 1
        d += 1
    return i
def wheel(name, i):
    d = os.path.join(wdir, name)
    os.makedirs(d)
    os.symlink(f"../../../../archive-v0/{i}", os.path.join(d, "1.0.0-py3-none-any"))
    for ext, data in ((".http", http[:at] + i.encode() + http[at + 16:]), (".msgpack", meta), (".lock", b"")):
        with open(os.path.join(d, "1.0.0-py3-none-any" + ext), "wb") as fh:
            fh.write(data)
    with open(os.path.join(sdir, name + ".rkyv"), "wb") as fh:
        fh.write(page)
big = 20000
wheel("bigpkg", archive(0, "bigpkg", big, 200))
for a in range(1, max(0, n_files - big) // 207 + 1):
    i = archive(a, f"pkg{a}", 200, 50)
    if a % 4:
        wheel(f"pkg{a}", i)
PY
}

DIR=$SCALE_DIR/remove-$FILES
if [[ ! -e $DIR/.complete ]]; then
  note "generating $DIR (a few minutes)"
  rm -rf -- "$DIR"
  mkdir -p "$DIR"
  generate "$FILES" "$DIR/cache"
  touch "$DIR/.complete"
fi
N=$(find "$DIR/cache" | wc -l)
mkdir -p "$SCRATCH"
COPY=$SCRATCH/remove-copy.$$
drop() { if ((COLD)); then sync; echo 3 >/proc/sys/vm/drop_caches; fi; }

timed() { # timed KEY CMD...: one timed run (output into $TMP/KEY.out)
  local key=$1 t0
  shift
  drop
  stamp; t0=$REPLY
  "$@" >"$TMP/${key// /_}.out" 2>&1 </dev/null || die "$* failed: $(tail -n 5 "$TMP/${key// /_}.out")"
  stamp; add "$key" $((REPLY - t0))
}
stamp() { REPLY=${EPOCHREALTIME//[.,]/}000; }
run() { # run TOOL OP...
  local tool=$1
  shift
  case $tool in
    uv) timed "$tool $*" "$UV_BIN" cache "$@" --cache-dir "$COPY" ;;
    seq) timed "$tool $*" env UVCACHE_REMOVE_THREADS=1 "$UVCACHE" "$@" --yes --uv-version "$UV_VERSION" --cache-dir "$COPY" ;;
    par) timed "$tool $*" env ${THREADS:+UVCACHE_REMOVE_THREADS=$THREADS} "$UVCACHE" "$@" --yes --uv-version "$UV_VERSION" --cache-dir "$COPY" ;;
  esac
}
fresh() { rm -rf -- "$COPY"; cp -a -- "$DIR/cache" "$COPY"; sync; }

TOOLS=(uv seq par)
for ((r = 0; r < RUNS; r++)); do
  for ((t = 0; t < 3; t++)); do
    tool=${TOOLS[(r + t) % 3]}
    note "round $((r + 1))/$RUNS: $tool"
    fresh
    run "$tool" clean bigpkg
    run "$tool" prune
    run "$tool" prune --ci
    fresh
    run "$tool" clean
  done
done
rm -rf -- "$COPY"

echo "$N entries ($FILES files asked), $(nproc) cores, $( ((COLD)) && echo cold || echo warm ), medians of $RUNS"
echo
echo '| operation | `uv cache` | uvcache sequential | uvcache parallel | sequential / uv | parallel / uv |'
echo '|---|---:|---:|---:|---:|---:|'
for op in "clean bigpkg" "prune" "prune --ci" "clean"; do
  u=$(median "uv $op") s=$(median "seq $op") p=$(median "par $op")
  echo "| \`$op\` | $(secs "$u") | $(secs "$s") | $(secs "$p") | $(ratio "$s" "$u") | $(ratio "$p" "$u") |"
done
