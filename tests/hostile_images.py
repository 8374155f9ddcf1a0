#!/usr/bin/python3
"""hostile_images.py DIR -- write test images no Debian tool makes without extra packages:
gray.png (8-bit gray 100x100), deep.png (16-bit RGB 64x48), bomb.png (a PNG whose header
claims 30000x30000), cmyk.jpg (a baseline 4-component Adobe JPEG, transform 0 = CMYK, 16x16,
DC-only blocks, written by the small encoder below)."""
import os
import struct
import sys
import zlib


def png(path, w, h, depth, ctype, raw_rows):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = b"".join(b"\x00" + r for r in raw_rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b""))


class Bits:
    def __init__(self):
        self.out, self.acc, self.n = bytearray(), 0, 0

    def put(self, code, length):
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((code >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)
                self.acc, self.n = 0, 0

    def flush(self):
        while self.n:
            self.put(1, 1)
        return bytes(self.out)


def cmyk_jpeg(path, size=16):
    dc_bits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    dc_codes, code, k = {}, 0, 0
    for length, count in enumerate(dc_bits, 1):
        for _ in range(count):
            dc_codes[k] = (code, length)
            code, k = code + 1, k + 1
        code <<= 1
    seg = lambda m, d: struct.pack(">BBH", 0xFF, m, len(d) + 2) + d
    hdr = b"\xff\xd8"
    hdr += seg(0xEE, b"Adobe" + struct.pack(">HHHB", 100, 0, 0, 0))
    hdr += seg(0xDB, b"\x00" + bytes([1] * 64))
    hdr += seg(0xC0, struct.pack(">BHHB", 8, size, size, 4) + b"".join(bytes([c + 1, 0x11, 0]) for c in range(4)))
    hdr += seg(0xC4, b"\x00" + bytes(dc_bits) + bytes(range(12)))
    hdr += seg(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    hdr += seg(0xDA, struct.pack(">B", 4) + b"".join(bytes([c + 1, 0]) for c in range(4)) + b"\x00\x3f\x00")
    bits, pred = Bits(), [0] * 4
    nb = size // 8
    for by in range(nb):
        for bx in range(nb):
            for c in range(4):
                v = (40 + 50 * c + 30 * bx + 20 * by) % 256
                dc = 8 * (v - 128)
                diff, pred[c] = dc - pred[c], dc
                cat = abs(diff).bit_length()
                bits.put(*dc_codes[cat])
                if cat:
                    bits.put(diff if diff > 0 else diff + (1 << cat) - 1, cat)
                bits.put(0, 1)  # EOB
    with open(path, "wb") as f:
        f.write(hdr + bits.flush() + b"\xff\xd9")


d = sys.argv[1]
os.makedirs(d, exist_ok=True)
png(os.path.join(d, "gray.png"), 100, 100, 8, 0, [bytes((x * 2 + y) % 256 for x in range(100)) for y in range(100)])
png(os.path.join(d, "deep.png"), 64, 48, 16, 2,
    [b"".join(struct.pack(">HHH", x * 1000, y * 1300, 40000) for x in range(64)) for y in range(48)])
with open(os.path.join(d, "bomb.png"), "wb") as f:
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    f.write(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
            + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND") & 0xFFFFFFFF))
cmyk_jpeg(os.path.join(d, "cmyk.jpg"))
