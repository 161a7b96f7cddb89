#!/usr/bin/env bash
# Real English text for the demo: Debian's fortune cookies (packages fortunes-min and fortunes, about 2.5 MB in
# 43 files of short texts separated by '%' lines), prepared as a training dataset.
#
#   scripts/corpus.sh [actorai data prepare options...]
#
# Downloads the two packages with `apt-get download` (no installation; root, or sudo, only for the `apt-get update`
# a machine that never ran it needs — see ensure_apt_lists in common.sh) and unpacks them with
# `dpkg-deb -x` into a temporary directory, then copies the fortune files (not the .dat indexes, not the .u8
# symlinks) as NAME.txt into $ACTORAI_CORPUS_DIR/text (default .actorai/corpus/fortunes/text); a corpus already
# there is reused. Then runs `actorai data prepare` on it into $ACTORAI_CORPUS_DIR/prepared (byte tokenizer and
# blocks of 256 tokens unless the extra options say otherwise, e.g. --train-tokenizer 4096) and prints the summary.
# The text and the dataset are sibling folders, so preparing the text elsewhere never reads an earlier dataset.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

CORPUS_DIR=${ACTORAI_CORPUS_DIR:-$ROOT/.actorai/corpus/fortunes}
TEXT_DIR=$CORPUS_DIR/text
OUTPUT_DIR=$CORPUS_DIR/prepared
PACKAGES=(fortunes-min fortunes)
FORTUNE_DIR=usr/share/games/fortunes
DONE_MARK=$TEXT_DIR/.complete   # hidden: data preparation skips it

download_corpus() {
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    fail "apt-get and dpkg-deb are needed to fetch Debian's fortunes packages"
  fi
  ensure_apt_lists
  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2064  # expand $work now
  trap "rm -rf '$work'" EXIT
  # As root apt drops to the _apt user, which cannot write into a private temp dir; downloading is safe as root.
  local sandbox=()
  ((EUID != 0)) || sandbox=(-o APT::Sandbox::User=root)
  say "downloading ${PACKAGES[*]} with apt-get"
  (cd "$work" && apt-get download -q "${sandbox[@]}" "${PACKAGES[@]}" >&2) ||
    fail "apt-get download ${PACKAGES[*]} failed"
  local deb
  for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
  done
  [[ -d $work/root/$FORTUNE_DIR ]] || fail "the packages hold no $FORTUNE_DIR"

  mkdir -p "$TEXT_DIR"
  local file count=0
  # Regular files only: NAME.u8 are symlinks to NAME, NAME.dat are strfile's binary indexes.
  while IFS= read -r -d '' file; do
    cp "$file" "$TEXT_DIR/$(basename "$file").txt"
    count=$((count + 1))
  done < <(find "$work/root/$FORTUNE_DIR" -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' -print0)
  ((count > 0)) || fail "no fortune files found in ${PACKAGES[*]}"
  touch "$DONE_MARK"
  rm -rf "$work"
  trap - EXIT
}

# Builds the CLI when it is missing or older than its sources (or the data library's).
build_cli_if_needed() {
  if [[ -f $CLI_DLL ]] && [[ -z $(find "$ROOT/src/ActorAI.Cli" "$ROOT/src/ActorAI.Data" \( -name '*.cs' -o -name '*.csproj' \) \
    -not -path '*/bin/*' -not -path '*/obj/*' -newer "$CLI_DLL" -print -quit) ]]; then
    return
  fi
  say "building the CLI ($CONFIGURATION)"
  dotnet build "$ROOT/src/ActorAI.Cli/ActorAI.Cli.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
}

if [[ -f $DONE_MARK ]]; then
  say "corpus already in $TEXT_DIR"
else
  download_corpus
fi
files=("$TEXT_DIR"/*.txt)
say "corpus: ${#files[@]} files, $(du -ch "${files[@]}" | tail -n 1 | cut -f 1) in $TEXT_DIR"

build_cli_if_needed
say "actorai data prepare $TEXT_DIR --output $OUTPUT_DIR --mode separator --separator %${*:+ $*}"
actorai data prepare "$TEXT_DIR" --output "$OUTPUT_DIR" --mode separator --separator % "$@"
