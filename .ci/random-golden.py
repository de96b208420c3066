#!/usr/bin/python3
"""Writes random golden cases in the format of ../shared/golden (cases.json + .npy files), computed by PyTorch in
float64 from float32 inputs, to check `convcl verify` on cases it has never seen:

    /usr/bin/python3 .ci/random-golden.py OUT_DIR [--count 200] [--seed 1]
    ./convcl verify OUT_DIR -b java -b opencl-cpu

Needs a CPU PyTorch (`apt-get install -y python3-torch`). Every valid case is also run through PyTorch's own
refusal check: a random combination PyTorch refuses is written as an error case with the parameter it breaks.
"""
import argparse
import json
import os
import random

import numpy as np
import torch
import torch.nn.functional as F

OPS = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
MODES = ["zeros", "reflect", "replicate", "circular"]


def rank(op):
    return int(op[-2])


def pick_case(r, op):
    d = rank(op)
    transposed = op.startswith("conv_transpose")
    big = r.random() < 0.25
    groups = r.choice([1, 1, 1, 2, 3, 4]) if r.random() < 0.7 else 1
    depthwise = r.random() < 0.15
    cin_per = r.choice([1, 2, 3, 5, 8, 16] + ([24, 40, 64] if big else []))
    cin = groups * cin_per
    if depthwise:
        groups = cin
    mult = r.choice([1, 2]) if depthwise else None
    cout = cin * mult if depthwise else groups * r.choice([1, 2, 3, 4, 7, 16] + ([32, 48, 70] if big else []))
    kernel = [r.choice([1, 1, 2, 3, 3, 4, 5] if d < 3 else [1, 2, 3]) for _ in range(d)]
    stride = [r.choice([1, 1, 1, 2, 3]) for _ in range(d)]
    dilation = [r.choice([1, 1, 1, 2, 3]) for _ in range(d)]
    limit = {1: 40, 2: 14 if not big else 20, 3: 7}[d]
    size = [r.randint(1, limit) for _ in range(d)]
    batch = r.choice([1, 1, 2, 3])
    case = {"op": op, "input_shape": [batch, cin] + size, "out_channels": cout, "kernel_size": kernel,
            "stride": stride, "dilation": dilation, "groups": groups}
    if transposed:
        case["padding"] = [r.randint(0, max(0, (k - 1) * dl)) for k, dl in zip(kernel, dilation)]
        case["output_padding"] = [r.randint(0, max(s, dl) - 1) if r.random() < 0.5 else 0 for s, dl in zip(stride, dilation)]
    else:
        choice = r.random()
        if choice < 0.15 and all(s == 1 for s in stride):
            case["padding"] = "same"
        elif choice < 0.25:
            case["padding"] = "valid"
        else:
            case["padding"] = [r.randint(0, 3) for _ in range(d)]
        if r.random() < 0.3:
            case["padding_mode"] = r.choice(MODES[1:])
    return case


def run_torch(case, x, w, b):
    op = case["op"]
    d = rank(op)
    fn = getattr(F, op)
    if op.startswith("conv_transpose"):
        return fn(x, w, b, stride=case["stride"], padding=case["padding"], output_padding=case["output_padding"],
                  groups=case["groups"], dilation=case["dilation"])
    mode = case.get("padding_mode", "zeros")
    pad = case["padding"]
    if mode == "zeros":
        return fn(x, w, b, stride=case["stride"], padding=pad, dilation=case["dilation"], groups=case["groups"])
    if isinstance(pad, str):
        if pad == "valid":
            pad = [0] * d
        else:  # same: total (k-1)*dilation, the smaller half on the left, as torch's _conv_forward does
            totals = [(k - 1) * dl for k, dl in zip(case["kernel_size"], case["dilation"])]
            flat = []
            for t in reversed(totals):
                flat += [t // 2, t - t // 2]
            x = F.pad(x, flat, mode=mode)
            return fn(x, w, b, stride=case["stride"], padding=0, dilation=case["dilation"], groups=case["groups"])
    flat = []
    for p in reversed(pad):
        flat += [p, p]
    x = F.pad(x, flat, mode=mode)
    return fn(x, w, b, stride=case["stride"], padding=0, dilation=case["dilation"], groups=case["groups"])


def error_word(case):
    """The parameter a refused case breaks, checked in the order a reader would (None: PyTorch's reason is unclear)."""
    op = case["op"]
    cin = case["input_shape"][1]
    if cin % case["groups"] != 0:
        return "in_channels"
    if case["out_channels"] % case["groups"] != 0:
        return "out_channels"
    if op.startswith("conv_transpose"):
        if any(op_ >= s and op_ >= dl for op_, s, dl in zip(case["output_padding"], case["stride"], case["dilation"])):
            return "output_padding"
        return None
    pad = case["padding"]
    if pad == "same":
        pad = [(k - 1) * dl - (k - 1) * dl // 2 for k, dl in zip(case["kernel_size"], case["dilation"])]
    elif pad == "valid":
        pad = [0] * rank(op)
    mode = case.get("padding_mode", "zeros")
    if mode != "zeros" and any(p > n or (p == n and mode != "circular") for p, n in zip(pad, case["input_shape"][2:])):
        return "padding"
    return "kernel"


def write_array(out, name, a):
    np.save(os.path.join(out, name), np.ascontiguousarray(a, dtype=np.float32))
    return name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    r = random.Random(args.seed)
    torch.manual_seed(args.seed)
    cases = []
    errors = 0
    while len(cases) < args.count:
        op = r.choice(OPS)
        case = pick_case(r, op)
        name = "rnd%04d_%s" % (len(cases), op)
        case["name"] = name
        cin = case["input_shape"][1]
        k = case["kernel_size"]
        g = case["groups"]
        cout = case["out_channels"]
        wshape = ([cin, cout // g] if op.startswith("conv_transpose") else [cout, cin // g]) + k
        x = torch.randn(case["input_shape"], dtype=torch.float32)
        w = torch.randn(wshape, dtype=torch.float32) * (1.0 / max(1, (cin // g) * int(np.prod(k))) ** 0.5)
        b = torch.randn(cout, dtype=torch.float32) if r.random() < 0.7 else None
        try:
            y = run_torch(case, x.double(), w.double(), None if b is None else b.double())
        except (RuntimeError, ValueError) as e:
            word = error_word(case)
            if word is None or errors >= args.count // 10:
                continue
            errors += 1
            case["expect_error"] = word
            case["input"] = write_array(args.out, name + ".input.npy", x.numpy())
            case["weight"] = write_array(args.out, name + ".weight.npy", w.numpy())
            case["bias"] = False if b is None else write_array(args.out, name + ".bias.npy", b.numpy())
            case["torch_error"] = str(e).splitlines()[0][:200]
            cases.append(case)
            continue
        if y.numel() == 0:
            continue
        case["input"] = write_array(args.out, name + ".input.npy", x.numpy())
        case["weight"] = write_array(args.out, name + ".weight.npy", w.numpy())
        case["bias"] = False if b is None else write_array(args.out, name + ".bias.npy", b.numpy())
        case["expected"] = name + ".expected.npy"
        np.save(os.path.join(args.out, case["expected"]), y.numpy().astype(np.float32))
        case["output_shape"] = list(y.shape)
        cases.append(case)
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump({"format": 1, "reference": "PyTorch %s, float64 from float32 inputs (random, seed %d)"
                   % (torch.__version__, args.seed), "cases": cases}, f, indent=1)
    print("%d cases (%d refused by PyTorch) in %s" % (len(cases), errors, args.out))


if __name__ == "__main__":
    main()
