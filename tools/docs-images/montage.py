#!/usr/bin/env python3
"""Tiles 8-bit grey PNGs (irsim run --frames output) into one grey PNG, each halved by 2x2 averaging.
Usage: montage.py OUT.png COLUMNS IN1.png IN2.png ...  (standard library only: no ImageMagick here)."""
import struct
import sys
import zlib


def read_grey(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour != 0 or interlace:
                sys.exit(f"{path}: expected an 8-bit grey non-interlaced PNG (depth {depth}, colour type {colour})")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w)
    for r in range(h):
        f, line = raw[r * (w + 1)], bytearray(raw[r * (w + 1) + 1:(r + 1) * (w + 1)])
        for c in range(w):
            a = line[c - 1] if c else 0
            b, d = prev[c], prev[c - 1] if c else 0
            if f == 1: line[c] = (line[c] + a) & 255
            elif f == 2: line[c] = (line[c] + b) & 255
            elif f == 3: line[c] = (line[c] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - d
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - d)
                line[c] = (line[c] + (a if pa <= pb and pa <= pc else b if pb <= pc else d)) & 255
        rows.append(line)
        prev = line
    return rows


def halved(rows):
    return [bytearray((rows[2 * r][2 * c] + rows[2 * r][2 * c + 1] + rows[2 * r + 1][2 * c] + rows[2 * r + 1][2 * c + 1] + 2) // 4
                      for c in range(len(rows[0]) // 2)) for r in range(len(rows) // 2)]


def main():
    out, cols, tiles = sys.argv[1], int(sys.argv[2]), [halved(read_grey(p)) for p in sys.argv[3:]]
    th, tw = len(tiles[0]), len(tiles[0][0])
    nrows = (len(tiles) + cols - 1) // cols
    canvas = [bytearray(tw * cols) for _ in range(th * nrows)]
    for i, t in enumerate(tiles):
        for r in range(th):
            canvas[(i // cols) * th + r][(i % cols) * tw:(i % cols + 1) * tw] = t[r]
    raw = b"".join(b"\x00" + bytes(line) for line in canvas)
    chunk = lambda k, b: struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", tw * cols, th * nrows, 8, 0, 0, 0, 0))
    open(out, "wb").write(png + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


main()
