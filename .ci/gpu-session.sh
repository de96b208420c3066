#!/usr/bin/env bash
# The measurements a session with the lent H100 owes issues 4 and 7, in three device calls that each fit the
# 10-minute limit. Here first: bash ../shared/gpu/prepare.sh. Then through the device tool, with carry [".gpu"]:
#   bash .ci/gpu-session.sh check  # devices, kernel checks, every golden case with every plan, FP32 and TF32
#   bash .ci/gpu-session.sh fp32   # cuDNN FP32; tune and bench the CUDA-core kernels (issue 4, tensor cores off)
#                                  # and the 3xTF32 tensor-core kernels (issue 7, FP32 mode) against it
#   bash .ci/gpu-session.sh tf32   # cuDNN TF32; tune and bench TF32 mode against it (issue 7)
#   bash .ci/gpu-session.sh all    # after a kernel change: golden check, then fp32 and tf32 as above, in one call;
#                                  # the JSON and tuning files come back together in results.tgz
#   bash .ci/gpu-session.sh final  # a shorter all for a last few minutes of device time: FP32 (all kernels) and
#                                  # TF32 tune and bench against cuDNN first, then the FP32 golden check
#   bash .ci/gpu-session.sh networks       # issue 27: ResNet-50 and GoogLeNet, batch 1 and 8, against PyTorch's
#   bash .ci/gpu-session.sh networks-tf32  # cuDNN (bench_network.py cuda), TF32 off, then on in both
# Each tune stops starting layers after its --max-seconds (a layer in progress finishes) and writes its tuning file after
# every layer, so that each call ends inside the 10-minute limit with what it measured; the log names layers left out.
# Everything lands in $OUT (at most 8 files come back): log.txt plus the JSON files named below; the tf32 phase (so
# also all and final) ends with mma-layouts.md, the best time per layer of each tensor-core tile layout; the fp32
# phase ends with the same table for the FMA kernel (register-staged against cp.async stages) in log.txt.
set -uo pipefail
phase=${1:?usage: gpu-session.sh check|fp32|tf32}
out=${OUT:?OUT is set by the device tool}
log="$out/log.txt"
# convcl [JVM property]... -- [command line]
convcl() {
  local props=()
  while [ "$1" != "--" ]; do props+=("$1"); shift; done
  shift
  bash .gpu/on-gpu.sh env LD_PRELOAD=/tmp/jre/lib/libjsig.so java --add-modules jdk.incubator.vector "${props[@]}" \
       -cp '.gpu/lib/*' io.github.convcl.cli.Main "$@"
}
step() {
  echo "=== ${*} ($(date -u +%T))" | tee -a "$log"
  "$@" 2>&1 | tr '\r' '\n' | grep -v '^bench\|^tune\|WARNING: Using incubator\|^ *$' | tee -a "$log"
}
suite=(--suite .gpu/bench/suite.json --batch gpu -b opencl-gpu)
data=${GPU_DATA_DIR:-$out}
fma=(-Dconvcl.tensorCores=off -Dconvcl.tuning.file="$data/tuning-fma.json")
tc=(-Dconvcl.tuning.file="$data/tuning-tc.json")
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv >> "$log" 2>&1
case "$phase" in
  check)
    convcl -Dx=1 -- devices --json > "$out/devices.json" 2>> "$log"
    step convcl -Dx=1 -- devices --check -b opencl-gpu
    step convcl -Dx=1 -- verify .gpu/golden -b opencl-gpu --all-plans -q
    step convcl -Dx=1 -- verify .gpu/golden -b opencl-gpu --all-plans --precision tf32 -q
    step convcl -Dx=1 -- verify .gpu/golden -b opencl-gpu --precision tf32
    ;;
  all)
    step convcl -Dx=1 -- verify .gpu/golden -b opencl-gpu --all-plans -q
    step convcl -Dx=1 -- verify .gpu/golden -b opencl-gpu --all-plans --precision tf32 -q
    GPU_DATA_DIR=$(mktemp -d) && export GPU_DATA_DIR
    bash "$0" fp32
    bash "$0" tf32
    tar czf "$out/results.tgz" -C "$GPU_DATA_DIR" .
    ;;
  final)
    GPU_DATA_DIR=$(mktemp -d) && export GPU_DATA_DIR && data=$GPU_DATA_DIR && tc=(-Dconvcl.tuning.file="$data/tuning-tc.json")
    step python3 .gpu/bench/bench_torch.py cuda --json "$data/cudnn.json"
    step convcl "${tc[@]}" -- tune "${suite[@]}" --each --max-seconds 120
    step convcl "${tc[@]}" -- bench "${suite[@]}" --compare "$data/cudnn.json" --json "$data/convcl-tc.json" \
         --markdown "$out/convcl-tc.md"
    tar czf "$out/results.tgz" -C "$data" .
    TF32_TUNE_S=120 bash "$0" tf32
    tar czf "$out/results.tgz" -C "$data" .
    step convcl -Dx=1 -- verify .gpu/golden -b opencl-gpu --all-plans -q
    ;;
  fp32)
    step python3 .gpu/bench/bench_torch.py cuda --json "$data/cudnn.json"
    step convcl "${fma[@]}" -- tune "${suite[@]}" --each --max-seconds 150
    step convcl "${fma[@]}" -- bench "${suite[@]}" --compare "$data/cudnn.json" --json "$data/convcl-fma.json" \
         --markdown "$out/convcl-fma.md"
    step convcl "${tc[@]}" -- tune "${suite[@]}" --each --max-seconds 200
    step convcl "${tc[@]}" -- bench "${suite[@]}" --compare "$data/cudnn.json" --json "$data/convcl-tc.json" \
         --markdown "$out/convcl-tc.md"
    # A/B of the implicit GEMM's loader: the same plans with the channel-major tables
    step convcl "${tc[@]}" -Dconvcl.gemm.tapMajor=off -- bench "${suite[@]}" --compare "$data/convcl-tc.json" \
         --json "$data/convcl-tc-channel-major.json"
    # A/B of the transposed layers whose kernel is the stride: the residue classes instead of one (channel, tap) GEMM
    step convcl "${tc[@]}" -Dconvcl.gemm.rowTaps=off -- bench "${suite[@]}" --layers convT2x2s2,convT3d2s2 \
         --compare "$data/convcl-tc.json" --json "$data/convcl-tc-residue-classes.json"
    # The FMA kernel register-staged against cp.async stages (and the 3xTF32 layouts), per layer, into the log
    bash .ci/mma-layouts.sh "$log" > "$log.layouts" && cat "$log.layouts" >> "$log" && cat "$log.layouts" && rm -f "$log.layouts"
    ;;
  tf32)
    step python3 .gpu/bench/bench_torch.py cuda --tf32 --json "$data/cudnn-tf32.json"
    step convcl "${tc[@]}" -- tune "${suite[@]}" --precision tf32 --each --max-seconds "${TF32_TUNE_S:-400}"
    step convcl "${tc[@]}" -- bench "${suite[@]}" --precision tf32 --compare "$data/cudnn-tf32.json" \
         --json "$data/convcl-tf32.json" --markdown "$out/convcl-tf32.md"
    # The tensor-core tile layouts (rows, fragment-ordered, cp.async) per layer, from every tune candidate's time so far
    bash .ci/mma-layouts.sh "$log" | tee "$out/mma-layouts.md"
    ;;
  networks|networks-tf32)
    # Issue 27's table: ResNet-50 and GoogLeNet at batch 1 and 8, PyTorch (cuDNN) against `convcl network`, with TF32
    # off (networks) or on in both (networks-tf32); each network's output is checked against the Java backend's
    if [ "$phase" = networks ]; then torch_tf32=(); tag=fp32; else torch_tf32=(--tf32); tag=tf32; fi
    data=$(mktemp -d)
    for m in resnet50 googlenet; do
      for b in 1 8; do
        step python3 .gpu/bench/bench_network.py cuda --model "$m" --batch "$b" "${torch_tf32[@]}" \
             --json "$data/torch-$m-b$b-$tag.json"
        step convcl "${tc[@]}" -- network --model "$m" --batch "$b" -b opencl-gpu --precision "$tag" \
             --json "$data/convcl-$m-b$b-$tag.json"
        tar czf "$out/networks-$tag.tgz" -C "$data" .
      done
    done
    ;;
  *)
    echo "unknown phase $phase: check, fp32, tf32, all, final, networks or networks-tf32" >&2
    exit 2
    ;;
esac
