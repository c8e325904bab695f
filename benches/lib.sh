# benches/lib.sh — what benches/scan.sh and benches/remove.sh share: sample
# collection and medians, the uv 0.13.9 binary (installed with pip when
# missing) and the benchmark corpus (built when missing). Sourced, never run:
# expects REPO, TARGET, TMP, CACHE, UV_VERSION, note() and die() to be set.

declare -A S=()
add() { S[$1]="${S[$1]:-} $2"; }
median() {
  printf '%s\n' ${S[$1]} | sort -n | awk '{a[NR]=$1}
    END { if (NR % 2) print a[(NR+1)/2]; else printf "%.0f\n", (a[NR/2]+a[NR/2+1])/2 }'
}
minimum() { printf '%s\n' ${S[$1]} | sort -n | head -n1; }
secs() { awk -v n="$1" 'BEGIN { printf "%.3f s", n/1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a/b; else print "n/a" }'; }

# ---------------------------------------------------------------------------
# 1. Build uvcache.
note "cargo build --release (in $REPO)"
cargo build --release >&2 || die "cargo build --release failed (see above)"
UVCACHE=$TARGET/release/uvcache
[[ -x $UVCACHE ]] || die "cargo build succeeded but $UVCACHE is missing"

# ---------------------------------------------------------------------------
# 2. Find uv 0.13.9.
version_of() { "$1" --version 2>/dev/null | awk 'NR==1 && $1=="uv" {print $2}'; }

find_uv() {
  local v
  if [[ -n ${UV:-} ]]; then
    local bin
    bin=$(command -v -- "$UV") || die "UV=$UV: no such executable"
    v=$(version_of "$bin") || true
    [[ $v == "$UV_VERSION" ]] || die "UV=$UV is uv '${v:-?}', not $UV_VERSION; unset UV or point it at uv $UV_VERSION"
    UV_BIN=$bin UV_ORIGIN="\$UV"; return
  fi
  if command -v uv >/dev/null; then
    v=$(version_of "$(command -v uv)") || true
    if [[ $v == "$UV_VERSION" ]]; then
      UV_BIN=$(command -v uv) UV_ORIGIN="uv on PATH"; return
    fi
    note "uv on PATH is ${v:-of unknown version}, not $UV_VERSION"
  fi
  local dir=$TARGET/uv/$UV_VERSION
  if [[ -x $dir/bin/uv ]]; then
    v=$(version_of "$dir/bin/uv") || true
    [[ $v == "$UV_VERSION" ]] || die "$dir/bin/uv is uv '${v:-?}', not $UV_VERSION; remove $dir"
    UV_BIN=$dir/bin/uv UV_ORIGIN="installed earlier in $dir"; return
  fi
  [[ ! -e $dir ]] || die "$dir exists but has no bin/uv; remove it and rerun"
  command -v python3 >/dev/null || die "uv $UV_VERSION not found and python3 (for pip) is missing; set UV=/path/to/uv-$UV_VERSION"
  note "installing uv $UV_VERSION into $dir with pip"
  mkdir -p "$TARGET/uv"
  # Install next to the final place and rename, as the tests do, so that a
  # concurrent test run never sees a half-installed directory.
  local tmpd
  tmpd=$(mktemp -d "$TARGET/uv/.$UV_VERSION.bench.XXXXXX")
  if ! python3 -m pip install --quiet --no-deps --target "$tmpd" "uv==$UV_VERSION" >&2; then
    rm -rf "$tmpd"
    die "python3 -m pip install --target $dir uv==$UV_VERSION failed; make PyPI reachable (or PIP_INDEX_URL / PIP_FIND_LINKS), or set UV=/path/to/uv-$UV_VERSION"
  fi
  if ! mv -T "$tmpd" "$dir" 2>/dev/null; then
    rm -rf "$tmpd"   # someone else installed it meanwhile
  fi
  v=$(version_of "$dir/bin/uv") || true
  [[ $v == "$UV_VERSION" ]] || die "pip installed $dir/bin/uv but it reports '${v:-?}', not $UV_VERSION"
  UV_BIN=$dir/bin/uv UV_ORIGIN="installed with pip into $dir"
}
find_uv
note "uv $UV_VERSION: $UV_BIN ($UV_ORIGIN)"

# ---------------------------------------------------------------------------
# 3. The corpus.
# (Skipped by benches that make caches of their own: NO_CORPUS=1.)
if [[ -z ${NO_CORPUS:-} ]]; then
  if [[ ! -d $CACHE ]]; then
    MAKE_CORPUS=$REPO/../shared/corpus/make-corpus.sh
    [[ -f $MAKE_CORPUS ]] || die "$CACHE does not exist and $MAKE_CORPUS (which builds it) is missing"
    note "$CACHE does not exist: building it with $MAKE_CORPUS (5-15 minutes, ~6 GB)"
    UV=$UV_BIN bash "$MAKE_CORPUS" "$CACHE" >&2 || die "make-corpus.sh failed"
    [[ -d $CACHE ]] || die "make-corpus.sh finished but $CACHE does not exist"
  fi
  [[ -r $CACHE && -x $CACHE ]] || die "cannot read $CACHE"
  [[ -f $CACHE/CACHEDIR.TAG ]] || note "warning: $CACHE has no CACHEDIR.TAG; is it a uv cache?"
fi
