#!/usr/bin/env bash
# benches/scale.sh — uvcache's full scan and index re-open against `uv cache size` and `du -sb`
# on large synthetic caches: time and peak RSS, warm (or cold: COLD=1) page cache, ratios taken in one run.
#
#   usage: benches/scale.sh [FILES...]        (default: 500000 2000000)
#
# Each cache has archives in archive-v0 (200 files of 100 bytes each, one package directory
# and its empty .dist-info directory, which names the package: 1 package per 200 files)
# whose files are all hard-linked once into a virtual environment's site-packages next to the
# cache, as installs with uv's hard-link mode leave them: the case where uvcache's memory grows
# with the number of files (it counts every inode once). A cache is generated once under
# ${SCALE_DIR:-/tmp/uvcache-scale}/<files> (about 4 KB of disk per file) and kept.
#
# Measured: a full scan without the index (`--no-index`), a full scan that writes the index
# (`--rescan`: what a first scan and the TUI's first scan pay), the re-open from the index,
# `uv cache size` and `du -sb`.
#
# Env knobs: RUNS=3 (rounds per measurement), COLD=1 (drop the page cache before each timed
# command; needs root), SCALE_DIR, UV (a uv 0.13.9 binary),
# FILE_BYTES=100 (size of each file; 0 makes an 8 M-file cache fit in little disk, the files
# then take no data blocks: only the link accounting is measured, not the sizes).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
UV_VERSION=0.13.9
RUNS=${RUNS:-3}
SCALE_DIR=${SCALE_DIR:-/tmp/uvcache-scale}
CACHE=/nonexistent
NO_CORPUS=1 # caches of its own, not the corpus
note() { printf '== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
cd "$REPO"
# shellcheck source=benches/lib.sh
source "$REPO/benches/lib.sh"

generate() { # generate FILES DIR
  python3 - "$1" "$2" "${FILE_BYTES:-100}" <<'PY'
import os, sys
n_files, root, file_bytes = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
per = 200
cache = os.path.join(root, "cache")
venv = os.path.join(root, "venv", "lib", "python3.11", "site-packages")
os.makedirs(os.path.join(cache, "archive-v0"), exist_ok=True)
with open(os.path.join(cache, "CACHEDIR.TAG"), "w") as f:
    f.write("Signature: 8a477f597d28d172789f06886806bc55\n")
data = b"x" * file_bytes
for a in range(n_files // per):
    src = os.path.join(cache, "archive-v0", f"A{a:015d}", f"pkg{a}")
    dst = os.path.join(venv, f"pkg{a}")
    os.makedirs(src, exist_ok=True)
    os.makedirs(dst, exist_ok=True)
    os.makedirs(f"{os.path.dirname(src)}/pkg{a}-1.0.dist-info", exist_ok=True)
    for i in range(per):
        p = os.path.join(src, f"m{i}.py")
        with open(p, "wb") as f:
            f.write(data)
        os.link(p, os.path.join(dst, f"m{i}.py"))
open(os.path.join(root, ".complete"), "w").close()
open(os.path.join(root, ".named"), "w").close()
PY
}

name() { # name DIR: gives the archives of a cache generated before they had names their .dist-info
  python3 - "$1" <<'PY'
import os, sys
root = sys.argv[1]
archives = os.path.join(root, "cache", "archive-v0")
for a in os.listdir(archives):
    for pkg in os.listdir(os.path.join(archives, a)):
        if not pkg.endswith(".dist-info"):
            os.makedirs(os.path.join(archives, a, f"{pkg}-1.0.dist-info"), exist_ok=True)
open(os.path.join(root, ".named"), "w").close()
PY
}

COLD=${COLD:-0}
measure() { # measure NAME CMD... : adds seconds (ns) and peak RSS (KB) samples
  local name=$1; shift
  local start end
  if ((COLD)); then sync; echo 3 >/proc/sys/vm/drop_caches || die "COLD=1 needs root"; fi
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$TMP/rss" "$@" >/dev/null 2>"$TMP/err" || die "$name failed: $(cat "$TMP/err")"
  end=$(date +%s%N)
  add "$name" $((end - start))
  add "$name.rss" "$(tail -n1 "$TMP/rss")"
}

echo "$(nproc) cores, $( ((COLD)) && echo cold || echo warm ) page cache, medians of $RUNS"
printf '| files | uvcache full scan | uvcache full scan writing the index | uvcache re-open | `uv cache size` | `du -sb` | uvcache peak RSS (full / writing the index) | uv peak RSS |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
for files in "${@:-500000 2000000}"; do
  for n in $files; do
    dir=$SCALE_DIR/$n; [[ ${FILE_BYTES:-100} == 100 ]] || dir=$dir-${FILE_BYTES}b
    if [[ ! -e $dir/.complete ]]; then
      note "generating $n files in $dir"
      rm -rf "$dir"
      generate "$n" "$dir"
    fi
    [[ -e $dir/.named ]] || name "$dir"
    c=$dir/cache
    S=()
    export UVCACHE_INDEX_DIR=$TMP/index-$n
    "$UVCACHE" --cache-dir "$c" --uv-version "$UV_VERSION" size >/dev/null # writes the index
    for _ in $(seq "$RUNS"); do
      measure full "$UVCACHE" --cache-dir "$c" --uv-version "$UV_VERSION" --no-index size
      measure rescan "$UVCACHE" --cache-dir "$c" --uv-version "$UV_VERSION" --rescan size
      measure reopen "$UVCACHE" --cache-dir "$c" --uv-version "$UV_VERSION" size
      measure uv "$UV_BIN" cache size --preview-features cache-size --cache-dir "$c"
      measure du du -sb "$c"
    done
    printf '| %s | %s (%s) | %s (%s) | %s (%s) | %s | %s | %s MB (%s) / %s MB (%s) | %s MB |\n' "$n" \
      "$(secs "$(median full)")" "$(ratio "$(median full)" "$(median uv)")" \
      "$(secs "$(median rescan)")" "$(ratio "$(median rescan)" "$(median uv)")" \
      "$(secs "$(median reopen)")" "$(ratio "$(median reopen)" "$(median uv)")" \
      "$(secs "$(median uv)")" "$(secs "$(median du)")" \
      "$(( $(median full.rss) / 1024 ))" "$(ratio "$(median full.rss)" "$(median uv.rss)")" \
      "$(( $(median rescan.rss) / 1024 ))" "$(ratio "$(median rescan.rss)" "$(median uv.rss)")" \
      "$(( $(median uv.rss) / 1024 ))"
  done
done
