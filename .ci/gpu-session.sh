#!/usr/bin/env bash
# The measurements a session with the lent H100 owes issues 4 and 7, in two device calls that fit the 10-minute limit.
# Here first: bash ../shared/gpu/prepare.sh. Then through the device tool, with carry [".gpu"]:
#   bash .ci/gpu-session.sh check   # devices, kernel checks, every golden case on every plan in FP32 and TF32
#   bash .ci/gpu-session.sh bench   # cuDNN FP32 and TF32, tune, then bench FP32 and TF32 against them
# Everything lands in $OUT (at most 8 files come back): log.txt plus the JSON files named below.
set -uo pipefail
phase=${1:?usage: gpu-session.sh check|bench}
out=${OUT:?OUT is set by the device tool}
log="$out/log.txt"
convcl() {
  bash .gpu/on-gpu.sh env LD_PRELOAD=/tmp/jre/lib/libjsig.so java --add-modules jdk.incubator.vector \
       -Dconvcl.tuning.file="$out/tuning.json" -cp '.gpu/lib/*' io.github.convcl.cli.Main "$@"
}
step() {
  echo "=== $* ($(date -u +%T))" | tee -a "$log"
  "$@" 2>&1 | grep -v '^bench\|^tune\|WARNING: Using incubator' | tee -a "$log"
}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,temperature.gpu --format=csv >> "$log" 2>&1
case "$phase" in
  check)
    convcl devices --json > "$out/devices.json" 2>> "$log"
    step convcl devices --check -b opencl-gpu
    step convcl verify .gpu/golden -b opencl-gpu --all-plans -q
    step convcl verify .gpu/golden -b opencl-gpu --all-plans --precision tf32 -q
    step convcl verify .gpu/golden -b opencl-gpu --precision tf32
    ;;
  bench)
    step python3 .gpu/bench/bench_torch.py cuda --json "$out/cudnn.json"
    step python3 .gpu/bench/bench_torch.py cuda --tf32 --json "$out/cudnn-tf32.json"
    step convcl tune --suite .gpu/bench/suite.json --batch gpu -b opencl-gpu
    step convcl tune --suite .gpu/bench/suite.json --batch gpu -b opencl-gpu --precision tf32
    step convcl bench --suite .gpu/bench/suite.json --batch gpu -b opencl-gpu --compare "$out/cudnn.json" \
         --json "$out/convcl.json" --chart "$out/convcl.png"
    step convcl bench --suite .gpu/bench/suite.json --batch gpu -b opencl-gpu --precision tf32 \
         --compare "$out/cudnn-tf32.json" --json "$out/convcl-tf32.json"
    ;;
  *)
    echo "unknown phase $phase: check or bench" >&2
    exit 2
    ;;
esac
