import struct
import sys
import zlib

import numpy as np
W, H, S = 960, 540, 2  # drawn at 2x, averaged down: smooth edges
w, h = W*S, H*S
y, x = np.mgrid[0:h, 0:w].astype(np.float32)
img = np.zeros((h, w, 3), np.float32)
# sky-to-teal gradient
t = y / h
img[...] = (np.array([18, 52, 86]) * (1 - t[..., None]) + np.array([28, 120, 128]) * t[..., None])
def blend(mask, color, alpha=1.0):
    m = mask[..., None].astype(np.float32) * alpha
    img[...] = img * (1 - m) + np.array(color, np.float32) * m
def rrect(x0, y0, x1, y1, r):
    cx = np.clip(x, x0 + r, x1 - r); cy = np.clip(y, y0 + r, y1 - r)
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1) & ((x - cx) ** 2 + (y - cy) ** 2 <= r * r)
def circle(cx, cy, r): return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
def ellipse(cx, cy, rx, ry): return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
# a soft glow of city lights along the bottom
for i, cx in enumerate(range(0, w, 90)):
    hgt = 120 + (i * 37) % 160
    blend(rrect(cx, h - hgt, cx + 70, h + 10, 6), (12, 36, 58), 0.9)
    for wy in range(h - hgt + 20, h - 10, 36):
        for wx in (cx + 14, cx + 42):
            if (wx * 7 + wy * 3) % 5: blend(rrect(wx, wy, wx + 14, wy + 18, 2), (240, 200, 110), 0.8)
def screen(x0, label_color, person_color):
    sx0, sy0, sx1, sy1 = x0, 170, x0 + 700, 170 + 460
    blend(rrect(sx0 - 14, sy0 - 14, sx1 + 14, sy1 + 14, 28), (30, 34, 40))
    blend(rrect(sx0, sy0, sx1, sy1, 16), (230, 236, 242))
    # a table and three people at it
    blend(rrect(sx0 + 40, sy0 + 330, sx1 - 40, sy0 + 372, 12), (150, 110, 80))
    for k, px in enumerate((sx0 + 170, sx0 + 350, sx0 + 530)):
        blend(ellipse(px, sy0 + 300, 78, 70) & (y <= sy0 + 332), person_color)
        blend(circle(px, sy0 + 190, 50), (236, 196, 160) if k != 1 else (214, 170, 132))
        blend(ellipse(px, sy0 + 158, 52, 30) & (y <= sy0 + 175), (40, 34, 30))
    # a banner above them
    blend(rrect(sx0 + 60, sy0 + 40, sx1 - 60, sy0 + 96, 10), label_color)
    for k in range(6):
        blend(rrect(sx0 + 90 + k * 92, sy0 + 58, sx0 + 160 + k * 92, sy0 + 78, 4), (255, 255, 255), 0.85)
    # stand
    blend(rrect(x0 + 300, sy1 + 14, x0 + 400, sy1 + 70, 4), (30, 34, 40))
    blend(rrect(x0 + 230, sy1 + 66, x0 + 470, sy1 + 84, 8), (30, 34, 40))
screen(120, (200, 40, 50), (40, 70, 140))
screen(w - 120 - 700, (30, 90, 170), (60, 110, 80))
# the link between them: a dashed arc
cx, cy, r = w / 2, 560, 230
ring = (np.abs(np.sqrt((x - cx) ** 2 + (y - cy) ** 2) - r) <= 7) & (y < cy)
ang = np.arctan2(y - cy, x - cx)
blend(ring & (np.floor(ang * 14) % 2 == 0), (250, 220, 120))
for px in (cx - r, cx + r): blend(circle(px, cy, 22), (250, 220, 120))
small = img.reshape(H, S, W, S, 3).mean(axis=(1, 3))
px = np.clip(small + 0.5, 0, 255).astype(np.uint8)
raw = b"".join(b"\x00" + row.tobytes() for row in px)
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(sys.argv[1] if len(sys.argv) > 1 else "/tmp/img/forum.png", "wb").write(png)
print(len(png))
