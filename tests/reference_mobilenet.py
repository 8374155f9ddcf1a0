#!/usr/bin/python3
"""reference_mobilenet.py -- an independent float64 MobileNetV2 (Keras semantics) for the fidelity
test, straight from the Keras .h5 (h5py + numpy only; nothing of Orchard's converter or format).

Keras applications/mobilenet_v2.py semantics implemented here:
  x/127.5 - 1; Conv1 = ZeroPadding2D(correct_pad) + 3x3 stride-2 valid conv; BatchNorm
  (epsilon 1e-3) applied as (x - mean) / sqrt(var + eps) * gamma + beta, never folded; ReLU6
  after Conv1, every expand and depthwise conv and Conv_1; project convs linear; stride-1
  depthwise 'same' (pad 1 all sides), stride-2 depthwise ZeroPadding2D(correct_pad) + valid
  (for even sizes: nothing top/left, one row/column bottom/right); residual add when stride 1 and
  in == out channels; global average pool. Channel counts and strides are read from the
  kernels' shapes and the Keras block table.

It also re-implements the documented bilinear resize (src/image.h) and checks that Orchard's
224x224 inputs are byte-identical to it.

usage: reference_mobilenet.py H5 DIR
DIR holds (written by tests/test_fidelity.c): manifest.txt ("N SIDE DIM", then the names of the
K ISAs whose features are given, then one line per image "W H" of the decoded original),
originals.u8 (the decoded RGB originals, concatenated), inputs.u8 (N x SIDE x SIDE x 3, Orchard's
resized inputs), features.f32 (K x N x DIM, Orchard's features per ISA).
Prints one comparison line per ISA and exits 1 when any max abs error > 1e-4 or a resized byte
differs.
"""
import sys
import time

import h5py
import numpy as np

EPS = 1e-3
STRIDE2_BLOCKS = {1, 3, 6, 13}
TOLERANCE = 1e-4


def weights(f, layer):
    g = f[layer]
    out = {}
    for n in g.attrs["weight_names"]:
        n = n.decode() if isinstance(n, bytes) else n
        out[n.split("/")[-1].split(":")[0]] = np.asarray(g[n], dtype=np.float64)
    return out


def batchnorm(x, f, layer):
    w = weights(f, layer)
    return (x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + EPS) * w["gamma"] + w["beta"]


def relu6(x):
    return np.clip(x, 0.0, 6.0)


def correct_pad(h, w):
    """Keras correct_pad for a 3x3 kernel: ((top, bottom), (left, right))"""
    ah, aw = 1 - h % 2, 1 - w % 2
    return (1 - ah, 1), (1 - aw, 1)


def pad(x, stride):
    n, h, w, c = x.shape
    (t, b), (l, r) = ((1, 1), (1, 1)) if stride == 1 else correct_pad(h, w)
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))


def taps(xp, stride, oh, ow):
    """the 9 shifted (strided) views of a padded input, in (ky, kx) order"""
    for ky in range(3):
        for kx in range(3):
            yield ky, kx, xp[:, ky:ky + stride * (oh - 1) + 1:stride, kx:kx + stride * (ow - 1) + 1:stride, :]


def out_size(h, stride):
    return h if stride == 1 else (h + 1) // 2


def conv3x3(x, kernel, stride):
    n, h, w, c = x.shape
    oh, ow = out_size(h, stride), out_size(w, stride)
    xp = pad(x, stride)
    cols = np.concatenate([v for _, _, v in taps(xp, stride, oh, ow)], axis=3)  # (ky, kx, ci)
    return (cols.reshape(-1, 9 * c) @ kernel.reshape(9 * c, -1)).reshape(n, oh, ow, -1)


def depthwise(x, kernel, stride):
    n, h, w, c = x.shape
    oh, ow = out_size(h, stride), out_size(w, stride)
    xp = pad(x, stride)
    y = np.zeros((n, oh, ow, c))
    for ky, kx, v in taps(xp, stride, oh, ow):
        y += v * kernel[ky, kx, :, 0]
    return y


def pointwise(x, kernel):
    n, h, w, c = x.shape
    return (x.reshape(-1, c) @ kernel.reshape(c, -1)).reshape(n, h, w, -1)


def forward(f, images_u8):
    x = images_u8.astype(np.float64) / 127.5 - 1.0
    x = relu6(batchnorm(conv3x3(x, weights(f, "Conv1")["kernel"], 2), f, "bn_Conv1"))
    for block in range(17):
        p = "expanded_conv_" if block == 0 else "block_%d_" % block
        stride = 2 if block in STRIDE2_BLOCKS else 1
        inp = x
        if block > 0:
            x = relu6(batchnorm(pointwise(x, weights(f, p + "expand")["kernel"]), f, p + "expand_BN"))
        x = relu6(batchnorm(depthwise(x, weights(f, p + "depthwise")["depthwise_kernel"], stride),
                            f, p + "depthwise_BN"))
        x = batchnorm(pointwise(x, weights(f, p + "project")["kernel"]), f, p + "project_BN")
        if stride == 1 and inp.shape[3] == x.shape[3]:
            x = x + inp
    x = relu6(batchnorm(pointwise(x, weights(f, "Conv_1")["kernel"]), f, "Conv_1_bn"))
    return x.mean(axis=(1, 2))


def axis_taps(src, dst):
    d = np.arange(dst, dtype=np.float64)
    s = (d + 0.5) * (src / dst) - 0.5
    s = np.clip(s, 0.0, src - 1)
    i0 = np.floor(s).astype(np.int64)
    i1 = np.minimum(i0 + 1, src - 1)
    return i0, i1, s - i0


def resize(img, side):
    """the bilinear half-pixel-centre resize documented in src/image.h, same operation order"""
    h, w, _ = img.shape
    if h == side and w == side:
        return img.copy()
    p = img.astype(np.float64)
    x0, x1, fx = axis_taps(w, side)
    y0, y1, fy = axis_taps(h, side)
    fx = fx[None, :, None]
    fy = fy[:, None, None]
    top = (1.0 - fx) * p[y0][:, x0] + fx * p[y0][:, x1]
    bot = (1.0 - fx) * p[y1][:, x0] + fx * p[y1][:, x1]
    v = (1.0 - fy) * top + fy * bot
    return np.floor(v + 0.5).astype(np.uint8)


def main():
    h5_path, d = sys.argv[1], sys.argv[2]
    with open(d + "/manifest.txt") as m:
        n, side, dim = (int(v) for v in m.readline().split())
        isas = m.readline().split()
        sizes = [tuple(int(v) for v in m.readline().split()) for _ in range(n)]
    originals = np.fromfile(d + "/originals.u8", dtype=np.uint8)
    inputs = np.fromfile(d + "/inputs.u8", dtype=np.uint8).reshape(n, side, side, 3)
    ours_all = np.fromfile(d + "/features.f32", dtype="<f4").reshape(len(isas), n, dim)

    mismatched = 0
    off = 0
    for i, (w, h) in enumerate(sizes):
        img = originals[off:off + w * h * 3].reshape(h, w, 3)
        off += w * h * 3
        if not np.array_equal(resize(img, side), inputs[i]):
            mismatched += 1
    if off != originals.size:
        print("reference: originals.u8 has %d bytes, manifest says %d" % (originals.size, off))
        return 1

    t0 = time.time()
    with h5py.File(h5_path, "r") as f:
        ref = np.concatenate([forward(f, inputs[i:i + 10]) for i in range(0, n, 10)])
    ok = mismatched == 0
    print("reference: %d images in %.1f s, largest feature %.3g, resize mismatches %d"
          % (n, time.time() - t0, np.abs(ref).max(), mismatched))
    for isa, ours in zip(isas, ours_all.astype(np.float64)):
        err = np.abs(ours - ref)
        worst = np.unravel_index(np.argmax(err), err.shape)
        print("fidelity %s: %d images, max abs error %.3g, mean abs error %.3g "
              "(worst: image %d feature %d: orchard %.9g reference %.9g)"
              % (isa, n, err.max(), err.mean(), worst[0], worst[1], ours[worst], ref[worst]))
        ok = ok and err.max() <= TOLERANCE
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main())
