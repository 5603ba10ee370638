#!/usr/bin/env python3
"""Draws the app's PNG icons (192 and 512 px, plus a maskable 512) from the
same geometry as client/static/icon.svg, with nothing but the standard
library: Android needs PNG icons to offer installation, and this machine kind
has no SVG rasteriser. Run once when the icon changes; the PNGs are committed.

    python3 scripts/make-icons.py client/static
"""
import math
import struct
import sys
import zlib

GREEN = (0x0B, 0x5D, 0x3B)
WHITE = (0xFF, 0xFF, 0xFF)
GOLD = (0xE8, 0xA3, 0x17)


def in_round_rect(x, y, x0, y0, w, h, r):
    if not (x0 <= x <= x0 + w and y0 <= y <= y0 + h):
        return False
    cx = min(max(x, x0 + r), x0 + w - r)
    cy = min(max(y, y0 + r), y0 + h - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def near_segment(x, y, ax, ay, bx, by, half):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    px, py = ax + t * dx, ay + t * dy
    return (x - px) ** 2 + (y - py) ** 2 <= half * half


def colour_at(x, y, maskable):
    """The icon in its 512-unit space; None is transparent."""
    if maskable:
        # Maskable icons fill the square; the drawing stays in the safe 80 %.
        x, y = (x - 256) / 0.8 + 256, (y - 256) / 0.8 + 256
        base = GREEN
    else:
        base = GREEN if in_round_rect(x, y, 0, 0, 512, 512, 96) else None
    if base is None:
        return None
    if near_segment(x, y, 196, 330, 232, 366, 15) or near_segment(x, y, 232, 366, 316, 282, 15):
        return GOLD
    for (rx, ry, rw, rh) in ((176, 156, 160, 20), (176, 206, 160, 20), (176, 256, 110, 20)):
        if in_round_rect(x, y, rx, ry, rw, rh, 10):
            return GREEN
    if in_round_rect(x, y, 136, 96, 240, 320, 24):
        return WHITE
    return base


def render(size, maskable):
    ss = 4  # 4x4 samples per pixel for smooth edges
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter: none
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    x = (px + (sx + 0.5) / ss) * 512 / size
                    y = (py + (sy + 0.5) / ss) * 512 / size
                    c = colour_at(x, y, maskable)
                    if c is not None:
                        acc[0] += c[0]
                        acc[1] += c[1]
                        acc[2] += c[2]
                        acc[3] += 255
            n = ss * ss
            alpha = acc[3] / n
            if alpha == 0:
                row += bytes(4)
            else:
                row += bytes([round(acc[0] / (acc[3] / 255)), round(acc[1] / (acc[3] / 255)),
                              round(acc[2] / (acc[3] / 255)), round(alpha)])
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size, raw):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "client/static"
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("icon-maskable-512.png", 512, True)):
        with open(f"{out}/{name}", "wb") as f:
            f.write(render(size, maskable))
        print(f"{out}/{name}")


if __name__ == "__main__":
    main()
