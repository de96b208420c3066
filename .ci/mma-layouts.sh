#!/usr/bin/env bash
# Per layer, the best time of the tensor-core kernels by local-tile layout (rows: the row layout; frag: the
# fragment-ordered tiles, -DMMA_FRAG) and precision, from the `tune --each` lines of a gpu-session log.
# Usage: bash .ci/mma-layouts.sh log.txt
set -euo pipefail
awk '
  / implicit gemm mma / {
    ms = ""
    for (i = 2; i <= NF; i++) if ($i == "ms") { ms = $(i - 1); break }
    if (ms == "") next
    prec = ($0 ~ / mma 3xtf32 /) ? "3xtf32" : "tf32"
    kind = ($0 ~ / frag /) ? "frag" : "rows"
    k = $1 SUBSEP prec SUBSEP kind
    if (!(k in best) || ms + 0 < best[k] + 0) best[k] = ms
    layers[$1] = 1
  }
  END {
    print "| layer | tf32 rows ms | tf32 frag ms | frag/rows | 3xtf32 rows ms | 3xtf32 frag ms | frag/rows |"
    print "| --- | --- | --- | --- | --- | --- | --- |"
    n = 0
    for (l in layers) {
      line = "| " l
      for (p = 0; p < 2; p++) {
        prec = p == 0 ? "tf32" : "3xtf32"
        r = best[l, prec, "rows"]; f = best[l, prec, "frag"]
        ratio = (r != "" && f != "") ? sprintf("%.2f", f / r) : "n/a"
        if (ratio != "n/a") { sum[prec] += log(f / r); cnt[prec]++ }
        line = line " | " (r == "" ? "n/a" : r) " | " (f == "" ? "n/a" : f) " | " ratio
      }
      print line " |"
    }
    for (p = 0; p < 2; p++) {
      prec = p == 0 ? "tf32" : "3xtf32"
      if (cnt[prec] > 0) printf "geometric mean frag/rows, %s: %.3f over %d layers\n", prec, exp(sum[prec] / cnt[prec]), cnt[prec]
    }
  }' "$1"
