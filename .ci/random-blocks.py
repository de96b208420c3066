#!/usr/bin/python3
"""Writes torchvision blocks in the format of ../shared/golden-blocks (blocks.json + .npy files) with shapes other than
the shared ones, to check `convcl verify` on blocks it has never seen:

    /usr/bin/python3 .ci/random-blocks.py OUT_DIR [--seed 5]
    ./convcl verify OUT_DIR -b java -b opencl-cpu

A bottleneck with the identity shortcut (batch 2, 9x11), one with a stride-1 downsample, one with stride 2 on an odd
input, and an Inception module of other widths (batch 2, 9x7); batch norms with random statistics, folded into each
convolution's scale and shift; expected outputs in float64 (eval mode). Needs
`apt-get install -y python3-torch python3-torchvision`.
"""
import argparse
import json

import numpy as np
import torch
from torchvision.models.googlenet import Inception
from torchvision.models.resnet import Bottleneck

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--seed", type=int, default=5)
a = ap.parse_args()
torch.manual_seed(a.seed)
out = a.out
import os
os.makedirs(out, exist_ok=True)
cases = []
def fold(bn):
    s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return s, bn.bias - bn.running_mean * s
def randomize(m):
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            with torch.no_grad():
                mod.weight.uniform_(0.5, 1.5); mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.2, 0.2); mod.running_var.uniform_(0.5, 1.5)
def save(name, key, t):
    f = f"{name}.{key}.npy"; np.save(f"{out}/{f}", t.detach().float().numpy()); return f
def block_case(name, kind, m, x, params, convs):
    m.eval(); randomize(m)
    with torch.no_grad():
        y = m.double()(x.double()).float()
    m.float()
    arrays = {}
    for conv_name, bn_name in convs:
        conv = m.get_submodule(conv_name); bn = m.get_submodule(bn_name)
        s, sh = fold(bn)
        arrays[conv_name + ".weight"] = save(name, conv_name + ".weight", conv.weight)
        arrays[conv_name + ".scale"] = save(name, conv_name + ".scale", s)
        arrays[conv_name + ".shift"] = save(name, conv_name + ".shift", sh)
    c = dict(name=name, kind=kind, **params, input=save(name, "input", x), input_shape=list(x.shape),
             expected=save(name, "expected", y), output_shape=list(y.shape), arrays=arrays)
    cases.append(c)
# bottleneck with identity shortcut, stride 1
x = torch.randn(2, 256, 9, 11)
m = Bottleneck(256, 64, 1)
block_case("bneck_identity", "bottleneck", m, x, dict(inplanes=256, planes=64, stride=1, downsample=False),
           [("conv1","bn1"),("conv2","bn2"),("conv3","bn3")])
# bottleneck with stride-1 downsample (layer1.0)
x = torch.randn(1, 64, 13, 13)
ds = torch.nn.Sequential(torch.nn.Conv2d(64, 256, 1, 1, bias=False), torch.nn.BatchNorm2d(256))
m = Bottleneck(64, 64, 1, downsample=ds)
block_case("bneck_ds1", "bottleneck", m, x, dict(inplanes=64, planes=64, stride=1, downsample=True),
           [("conv1","bn1"),("conv2","bn2"),("conv3","bn3"),("downsample.0","downsample.1")])
# bottleneck stride 2 odd input
x = torch.randn(1, 128, 15, 15)
ds = torch.nn.Sequential(torch.nn.Conv2d(128, 256, 1, 2, bias=False), torch.nn.BatchNorm2d(256))
m = Bottleneck(128, 64, 2, downsample=ds)
block_case("bneck_s2_odd", "bottleneck", m, x, dict(inplanes=128, planes=64, stride=2, downsample=True),
           [("conv1","bn1"),("conv2","bn2"),("conv3","bn3"),("downsample.0","downsample.1")])
# inception 4e-like, batch 2, odd size
x = torch.randn(2, 96, 9, 7)
m = Inception(96, 32, 24, 48, 8, 16, 16)
convs = [(f"{b}.conv", f"{b}.bn") for b in ["branch1","branch2.0","branch2.1","branch3.0","branch3.1","branch4.1"]]
block_case("incep_small", "inception", m, x, dict(in_channels=96, ch1x1=32, ch3x3red=24, ch3x3=48, ch5x5red=8, ch5x5=16, pool_proj=16), convs)
json.dump(dict(format=1, cases=cases), open(f"{out}/blocks.json", "w"), indent=1)
print(len(cases))
