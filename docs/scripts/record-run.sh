#!/bin/sh
# Records a worked-task run under docs/runs/<task>/: the command, the machine, the settings and
# metrics the example writes (--out), and the whole output log. Run from docs/:
#   sh scripts/record-run.sh sst2 examples/tasks/sst2-classification.ts [--name value ...]
set -e
task=$1
example=$2
shift 2
dir=runs/$task
mkdir -p "$dir"
echo "cd docs && nice -n 10 npx tsx $example --out $dir $*" >"$dir/command.txt"
{
  echo "started: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "node: $(node --version); cpus: $(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)"
} >"$dir/machine.txt"
start=$(date +%s)
# shellcheck disable=SC2068
nice -n 10 npx tsx "$example" --out "$dir" $@ 2>&1 | grep --line-buffered -v "npm warn" | tee "$dir/output.log"
echo "wall: $(($(date +%s) - start)) s" >>"$dir/machine.txt"
