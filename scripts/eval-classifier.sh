#!/usr/bin/env bash
# Evaluates the username-field classifier (ThreatRules.UsernameClassifier, trained on the project's
# generated corpus) on real strings from ../shared/data/text: third-party development data that is
# read in place and never copied into the repository.
#
#   scripts/eval-classifier.sh                 # build (debug) and print the report
#   SCRATCH_PATH=.build-clf scripts/eval-classifier.sh --json   # extra arguments go to ClassifyUsernames
#
# Files → classes: passwords.txt → password, shell-commands.txt → command,
# service-and-default-accounts.txt → service, usernames-first-names.txt → username.
# Prints per-class precision/recall/F1 and macro-F1 (over the classes present), then the same
# scores counting strings that are listed under several classes as correct for any of them.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
data="${CLASSIFIER_DATA:-$(dirname "$0")/../../shared/data/text}"

if [ ! -d "$data" ]; then
    echo "eval-classifier: no development data at $data (../shared/data/text is not part of the repository); nothing to evaluate."
    exit 0
fi
data="$(cd "$data" && pwd)"

args=()
add() {
    local class="$1" file="$2"
    if [ -f "$data/$file" ]; then
        args+=("--$class" "$data/$file")
    else
        echo "eval-classifier: $data/$file is missing; class '$class' is not evaluated." >&2
    fi
}
add password passwords.txt
add command shell-commands.txt
add service service-and-default-accounts.txt
add username usernames-first-names.txt

if [ ${#args[@]} -eq 0 ]; then
    echo "eval-classifier: none of the expected files are in $data; nothing to evaluate."
    exit 0
fi

build=(swift build --product ClassifyUsernames)
if [ -n "${SCRATCH_PATH:-}" ]; then build+=(--scratch-path "$SCRATCH_PATH"); fi

cd "$root"
echo "eval-classifier: building ClassifyUsernames (debug)..." >&2
"${build[@]}" >&2
bin="$("${build[@]}" --show-bin-path)/ClassifyUsernames"

"$bin" "${args[@]}" --lenient-overlaps "$@"
