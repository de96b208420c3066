#!/usr/bin/env bash
# Per layer, the best time of the tensor-core kernels by local-tile layout (rows: the row layout; frag: the
# fragment-ordered tiles, -DMMA_FRAG; async: fragment-ordered tiles filled by cp.async stages, -DMMA_ASYNC) and
# precision, and of the FMA kernel register-staged and with cp.async stages (fma async, -DASYNC_COPY), from the
# `tune --each` lines of a gpu-session log.
# Usage: bash .ci/mma-layouts.sh log.txt
set -euo pipefail
awk '
  / implicit gemm / && !/ mma / && !/winograd/ {
    ms = ""
    for (i = 2; i <= NF; i++) if ($i == "ms") { ms = $(i - 1); break }
    if (ms == "") next
    kind = ($0 ~ / fma async /) ? "async" : "staged"
    k = $1 SUBSEP kind
    if (!(k in fma) || ms + 0 < fma[k] + 0) fma[k] = ms
    fmalayers[$1] = 1
    next
  }
  / implicit gemm mma / {
    ms = ""
    for (i = 2; i <= NF; i++) if ($i == "ms") { ms = $(i - 1); break }
    if (ms == "") next
    prec = ($0 ~ / mma 3xtf32 /) ? "3xtf32" : "tf32"
    kind = ($0 ~ / async /) ? "async" : ($0 ~ / frag /) ? "frag" : "rows"
    k = $1 SUBSEP prec SUBSEP kind
    if (!(k in best) || ms + 0 < best[k] + 0) best[k] = ms
    layers[$1] = 1
  }
  function cell(v) { return v == "" ? "n/a" : v }
  function ratio(a, b, key) {
    if (a == "" || b == "") return "n/a"
    sum[key] += log(a / b); cnt[key]++
    return sprintf("%.2f", a / b)
  }
  END {
    print "| layer | tf32 rows ms | tf32 frag ms | tf32 async ms | frag/rows | async/rows | 3xtf32 rows ms | 3xtf32 frag ms | 3xtf32 async ms | frag/rows | async/rows |"
    print "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for (l in layers) {
      line = "| " l
      for (p = 0; p < 2; p++) {
        prec = p == 0 ? "tf32" : "3xtf32"
        r = best[l, prec, "rows"]; f = best[l, prec, "frag"]; a = best[l, prec, "async"]
        line = line " | " cell(r) " | " cell(f) " | " cell(a) " | " ratio(f, r, prec " frag") " | " ratio(a, r, prec " async")
      }
      print line " |"
    }
    print ""
    print "| layer | fma ms | fma async ms | async/fma |"
    print "| --- | --- | --- | --- |"
    for (l in fmalayers) {
      r = fma[l, "staged"]; a = fma[l, "async"]
      print "| " l " | " cell(r) " | " cell(a) " | " ratio(a, r, "fma async") " |"
    }
    if (cnt["fma async"] > 0) printf "geometric mean async/fma: %.3f over %d layers\n", exp(sum["fma async"] / cnt["fma async"]), cnt["fma async"]
    for (p = 0; p < 2; p++) {
      prec = p == 0 ? "tf32" : "3xtf32"
      for (q = 0; q < 2; q++) {
        kind = q == 0 ? "frag" : "async"
        key = prec " " kind
        if (cnt[key] > 0) printf "geometric mean %s/rows, %s: %.3f over %d layers\n", kind, prec, exp(sum[key] / cnt[key]), cnt[key]
      }
    }
  }' "$1"
