#!/usr/bin/env bash
# Per-prompt cost of the awsmfa hook with fresh credentials (bash, zsh, fish) against
# `direnv export bash`, and per-TAB completion latency on a 10 000-profile config against
# awsume's completion (`awsume-autocomplete` + compgen). Uses the release front binary:
#   swift build -c release --product awsmfa --static-swift-stdlib --disable-local-rpath && bench/hook.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${AWSMFA_BIN_DIR:-$root/.build/release}
[[ -x $bin/awsmfa ]] || { echo "build $bin/awsmfa first (see the header)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PATH="$bin:$PATH" HOME="$work"
runs=${RUNS:-20000}

echo "== prompt hook, fresh credentials, $runs prompts each"
fresh='export AWSMFA_PROFILE=prod AWSMFA_EXPIRES=$((EPOCHSECONDS + 40000))'
bash_us=$(bash --norc -c "source '$root/shell/awsmfa.bash'; $fresh
  s=\$EPOCHREALTIME; for ((i = 0; i < $runs; i++)); do _awsmfa_hook; done; e=\$EPOCHREALTIME
  echo \"(\${e/./} - \${s/./}) / $runs\" | bc -l")
zsh_us=$(zsh -f -c "zmodload zsh/datetime; source '$root/shell/awsmfa.zsh'; $fresh
  float s=\$EPOCHREALTIME; for ((i = 0; i < $runs; i++)); do _awsmfa_hook; done
  print \$(( (EPOCHREALTIME - s) * 1e6 / $runs ))")
# fish has no EPOCHREALTIME: two `date` forks around the whole loop, none inside it.
fish_us=$(fish --no-config -c "source '$root/shell/awsmfa.fish'
  set -gx AWSMFA_PROFILE prod; set -gx AWSMFA_EXPIRES (math (date +%s) + 40000)
  set s (date +%s%N); for i in (seq $runs); __awsmfa_hook; end; set e (date +%s%N)
  math \"(\$e - \$s) / 1000 / $runs\"")
mkdir -p "$work/plain" && cd "$work/plain"
direnv_ms=$(hyperfine -N -w 20 -r 200 --export-json "$work/direnv.json" 'direnv export bash' >/dev/null &&
  python3 -c "import json; print(json.load(open('$work/direnv.json'))['results'][0]['mean'] * 1000)")
for pair in "bash $bash_us" "zsh $zsh_us" "fish $fish_us"; do
  set -- $pair
  printf '%-5s hook %7.1f us/prompt (goal <= 100 us)   direnv export bash %.2f ms: %5.0fx cheaper\n' \
    "$1" "$2" "$direnv_ms" "$(echo "$direnv_ms * 1000 / $2" | bc -l)"
done

echo "== completion, 10 000 profiles"
python3 - "$work/config" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(10000):
        f.write(f"[profile team-{i}-admin]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\n"
                "source_profile = base\nregion = eu-west-1\n\n")
PY
export AWS_CONFIG_FILE="$work/config" AWS_SHARED_CREDENTIALS_FILE="$work/none"
awsume=$(python3 -c 'import shutil,sys; print(shutil.which("awsume-autocomplete"))')
# Through pyenv shims the script is a bash wrapper; time the Python entry point itself.
real_awsume=$(dirname "$(python3 -c 'import sys; print(sys.executable)')")/awsume-autocomplete
[[ -x $real_awsume ]] && awsume=$real_awsume
tab() {  # per-TAB ms in one bash: the completion function, process start included
  bash --norc -c "$1
    s=\$EPOCHREALTIME; for ((i = 0; i < 30; i++)); do $2; done; e=\$EPOCHREALTIME
    echo \"(\${e/./} - \${s/./}) / 30000\" | bc -l"
}
ours="source '$root/completions/awsmfa.bash'"
theirs="_awsume() { COMPREPLY=(\$(compgen -W \"\$('$awsume')\" -- \"\$cur\")); }"
a1=$(tab "$ours" 'COMP_WORDS=(awsmfa env team-12); COMP_CWORD=2; _awsmfa')
a2=$(tab "$ours" 'COMP_WORDS=(awsmfa env ""); COMP_CWORD=2; _awsmfa')
w1=$(tab "$theirs" 'cur=team-12; _awsume')
w2=$(tab "$theirs" 'cur=; _awsume')
printf 'TAB after "team-12" (111 matches): awsmfa %6.2f ms   awsume %7.2f ms  (%.0fx)\n' "$a1" "$w1" \
  "$(echo "$w1 / $a1" | bc -l)"
printf 'TAB on an empty word (10 000):     awsmfa %6.2f ms   awsume %7.2f ms  (%.0fx)\n' "$a2" "$w2" \
  "$(echo "$w2 / $a2" | bc -l)"
hyperfine -N -w 5 -r 50 "$bin/awsmfa __profiles team-12" "$bin/awsmfa __profiles" "$awsume" \
  2>/dev/null | grep -E 'Benchmark|Time'
