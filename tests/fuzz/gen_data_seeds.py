#!/usr/bin/env python3
"""Writes the binary seed inputs of the read_image and archive fuzz targets
(standard library only; run by `scripts/fuzz.sh --seeds`, outputs committed):

  corpus/read_image/  IDX image+label pairs (the target splits them at the labels'
                      header) and 8x8 PNGs: gray, gray+alpha, RGB, RGBA, palette
                      with transparency, 16-bit
  corpus/archive/     tar, tar.gz, tar.bz2 holding a.txt, and a wheel (zip) with a
                      deflated and a stored member
"""
import bz2
import gzip
import io
import os
import struct
import sys
import tarfile
import zipfile
import zlib


def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def png(width, height, color_type, bit_depth, rows, palette=None, trns=None):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if palette:
        out += chunk(b"PLTE", palette)
    if trns:
        out += chunk(b"tRNS", trns)
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 per row
    return out + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    print(path)


def image_seeds(d):
    os.makedirs(d, exist_ok=True)
    n, h, w = 3, 4, 4
    pixels = [(i * 37 + 11) % 256 for i in range(n * h * w)]
    write(f"{d}/idx-3x4x4.idx", idx([n, h, w], pixels) + idx([n], [0, 1, 2]))
    write(f"{d}/idx-2x6x5.idx", idx([2, 6, 5], range(60)) + idx([2], [2, 0]))
    g = [bytes((x * 32 + y) % 256 for x in range(8)) for y in range(8)]
    write(f"{d}/gray8.png", png(8, 8, 0, 8, g))
    write(f"{d}/gray-alpha.png", png(8, 8, 4, 8, [bytes(v for p in r for v in (p, 200)) for r in g]))
    write(f"{d}/rgb.png", png(8, 8, 2, 8, [bytes(v for p in r for v in (p, 255 - p, 128)) for r in g]))
    write(f"{d}/rgba.png", png(8, 8, 6, 8, [bytes(v for p in r for v in (p, 0, 255 - p, p)) for r in g]))
    pal = bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    idxrows = [bytes((x + y) % 3 for x in range(8)) for y in range(8)]
    write(f"{d}/palette-trns.png", png(8, 8, 3, 8, idxrows, palette=pal, trns=bytes([0, 128, 255])))
    write(f"{d}/gray16.png", png(8, 8, 0, 16, [b"".join(struct.pack(">H", p * 257) for p in r) for r in g]))


def archive_seeds(d):
    os.makedirs(d, exist_ok=True)
    members = {"a.txt": b"a good film\nbad plot\n", "rt-polarity.neg": b"dull\n"}

    def tar_bytes():
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
            for name, data in members.items():
                info = tarfile.TarInfo("data/" + name)
                info.size, info.mtime = len(data), 0
                t.addfile(info, io.BytesIO(data))
        return buf.getvalue()

    tar = tar_bytes()
    write(f"{d}/members.tar", tar)
    write(f"{d}/members.tar.gz", gzip.compress(tar, mtime=0))
    write(f"{d}/members.tar.bz2", bz2.compress(tar))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("pkg/data/a.txt", (1980, 1, 1, 0, 0, 0)), members["a.txt"], zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("pkg/data.csv", (1980, 1, 1, 0, 0, 0)), b"x,y\n1,2\n", zipfile.ZIP_STORED)
    write(f"{d}/wheel.whl", buf.getvalue())


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz"
    image_seeds(f"{root}/corpus/read_image")
    archive_seeds(f"{root}/corpus/archive")
