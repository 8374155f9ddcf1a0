#!/usr/bin/python3
"""orw_reference.py ORW H5 -- check an .orw file against the Keras .h5 it was made from.

An implementation independent of src/weights.c and tools/convert/: it reads the .orw by
weights/FORMAT.md alone (struct + hashlib), checks every checksum, offset and reserved byte,
then folds BatchNorm from the .h5 in float64 with NumPy and compares each stored tensor.
Exit 0 when everything matches, 1 with the reason otherwise. Run with Debian's
/usr/bin/python3 (python3-numpy, python3-h5py).
"""
import hashlib
import struct
import sys

import h5py
import numpy as np

HEADER, RECORD = 192, 192


def fail(msg):
    print("orw_reference: FAIL: " + msg)
    sys.exit(1)


def main():
    orw_path, h5_path = sys.argv[1], sys.argv[2]
    buf = open(orw_path, "rb").read()
    if buf[:8] != b"ORCHARDW":
        fail("magic")
    (version, header_size, file_size, n, record_size, table_offset, data_offset,
     data_size) = struct.unpack_from("<IIQIIQQQ", buf, 8)
    alpha, input_size, in_ch, feat, pre_scale, pre_offset = struct.unpack_from(
        "<fIIIff", buf, 56)
    if (version, header_size, record_size, table_offset) != (1, 192, 192, 192):
        fail("fixed header fields")
    if file_size != len(buf) or data_offset != HEADER + n * RECORD:
        fail("sizes")
    if data_size != file_size - data_offset or any(buf[80:128]):
        fail("data size or reserved header bytes")
    if hashlib.sha256(buf[:160]).digest() != buf[160:192]:
        fail("header sha256")
    if hashlib.sha256(buf[HEADER:data_offset]).digest() != buf[128:160]:
        fail("table sha256")
    if pre_scale != np.float32(1 / 127.5) or pre_offset != -1.0 or in_ch != 3:
        fail("preprocessing constants / input channels")

    h5 = h5py.File(h5_path, "r")
    cursor, max_diff, exact, total = data_offset, 0.0, 0, 0
    prev_cout = in_ch
    for i in range(n):
        r = HEADER + i * RECORD
        name = buf[r:r + 48].rstrip(b"\0").decode()
        (kind, stride, cin, cout, relu6, residual, block, res0, woff, wsize, boff,
         bsize) = struct.unpack_from("<IIIIIiIIQQQQ", buf, r + 48)
        if res0 or any(buf[r + 112:r + 128]) or cin != prev_cout:
            fail(f"layer {i} {name}: reserved bytes or channel chain")
        prev_cout = cout
        for off, size, sha in ((woff, wsize, r + 128), (boff, bsize, r + 160)):
            if off % 64 or off < cursor or off + size > file_size or any(buf[cursor:off]):
                fail(f"layer {i} {name}: placement of tensor at {off}")
            if hashlib.sha256(buf[off:off + size]).digest() != buf[sha:sha + 32]:
                fail(f"layer {i} {name}: tensor sha256")
            cursor = off + size
        weight = np.frombuffer(buf, "<f4", wsize // 4, woff).astype(np.float64)
        bias = np.frombuffer(buf, "<f4", bsize // 4, boff).astype(np.float64)

        group = h5[name]
        wname = [w.decode() for w in group.attrs["weight_names"]][0]
        kernel = np.asarray(group[wname], np.float64)
        bn_name = {"Conv1": "bn_Conv1", "Conv_1": "Conv_1_bn"}.get(name, name + "_BN")
        bn = {w.decode().split("/")[-1]: np.asarray(h5[bn_name][w.decode()], np.float64)
              for w in h5[bn_name].attrs["weight_names"]}
        scale = bn["gamma:0"] / np.sqrt(bn["moving_variance:0"] + 1e-3)
        want_w = (kernel * scale.reshape(1, 1, 1, -1) if kernel.shape[3] == cout
                  else kernel[:, :, :, 0] * scale).astype(np.float32).ravel()
        want_b = (bn["beta:0"] - bn["moving_mean:0"] * scale).astype(np.float32)
        expect_kind = {3: 1 if kernel.shape[3] == cout else 2, 1: 3}[kernel.shape[0]]
        if kind != expect_kind or want_w.size * 4 != wsize or want_b.size * 4 != bsize:
            fail(f"layer {i} {name}: kind {kind} / sizes vs kernel {kernel.shape}")
        for got, want in ((weight, want_w), (bias, want_b)):
            d = np.abs(got - want.astype(np.float64))
            tol = np.abs(want.astype(np.float64)) * 2.0 ** -23
            if np.any(d > tol):
                fail(f"layer {i} {name}: fold differs by {d.max():.3g}")
            max_diff = max(max_diff, float(d.max()))
            exact += int(np.count_nonzero(d == 0))
            total += d.size
    if file_size - cursor >= 64 or any(buf[cursor:]):
        fail("trailing bytes")
    if feat != prev_cout:
        fail("feature dim")
    print(f"orw_reference: {orw_path}: {n} layers, alpha {alpha}, input {input_size}, "
          f"{total} folded values match the float64 fold of {h5_path} "
          f"({exact} bit-exact, max abs diff {max_diff:.3g})")


if __name__ == "__main__":
    main()
