"""One colour-vision-safe palette for every figure, and the checks behind it (issue 17).

Colours (:data:`CATEGORICAL`, in order of use) are six of Okabe & Ito's *Color Universal Design*
set and Paul Tol's wine, chosen so that every colour is a graphical element with >= 3:1 contrast
against white (WCAG 2.1, 1.4.11), and every pair -- neutral grey included -- stays >= 10 apart
in CIEDE2000 for normal vision and under full-severity protanopia, deuteranopia and tritanopia
(Machado, Oliveira & Fernandes 2009). Okabe-Ito's orange, sky blue and yellow are left out:
they are under 3:1 on white. ``tests/test_palette.py`` checks all of it, and that every figure's
category colours come from here.

Six colours is the most that passes; a figure with more categories keeps colour for a grouping
and gives each member a second cue (:data:`DASHES`, :data:`SYMBOLS`, direct labels). Every
figure that carries meaning in colour also carries it in a dash, a symbol, a pattern or a label.

Formulas: relative luminance and contrast ratio from WCAG 2.1 (sRGB, linearised);
CVD simulation: Machado et al. 2009, severity 1.0 matrices applied to linear sRGB;
CIEDE2000: Sharma, Wu & Dalal, *Color Res. Appl.* 30(1), 2005 (checked against their test pairs).

>>> contrast_ratio(BLUE, WHITE) >= 3 and contrast_ratio(text_on(BLUE), BLUE) >= 4.5
True
>>> round(delta_e2000((50, 2.6772, -79.7751), (50, 0, -82.7485)), 4)     # Sharma et al., pair 1
2.0425
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "BLUE", "VERMILLION", "GREEN", "PURPLE", "WINE", "BLACK", "NEUTRAL", "WHITE",
    "CATEGORICAL", "DASHES", "SYMBOLS", "PATTERNS", "SEQUENTIAL", "GOOD", "BAD",
    "colour", "dash", "symbol", "text_on", "to_hex", "relative_luminance", "contrast_ratio",
    "simulate", "to_lab", "delta_e2000", "min_delta_e", "CVD_KINDS",
]

BLUE = "#0072B2"        # Okabe-Ito blue
VERMILLION = "#D55E00"  # Okabe-Ito vermillion
GREEN = "#009E73"       # Okabe-Ito bluish green
PURPLE = "#CC79A7"      # Okabe-Ito reddish purple
WINE = "#882255"        # Paul Tol's wine
BLACK = "#000000"
NEUTRAL = "#727272"     # free / other / reference: 4.8:1 on white, >= 10 from every colour above
WHITE = "#FFFFFF"

CATEGORICAL: tuple[str, ...] = (BLUE, VERMILLION, GREEN, PURPLE, WINE, BLACK)
DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "8px,3px,2px,3px,2px,3px")
SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "x", "star")
PATTERNS: tuple[str, ...] = ("", "/", "x", ".", "\\", "+")
#: one-hue sequential scale (lightness carries the value: safe under every CVD)
SEQUENTIAL = "Blues"
#: status colours of read-outs (always next to a ✔ / ✘ sign): >= 4.5:1 on white as text
GOOD, BAD = "#137333", "#B3261E"

CVD_KINDS = ("protanopia", "deuteranopia", "tritanopia")
_MACHADO_2009 = {  # severity 1.0, linear RGB (Machado, Oliveira & Fernandes 2009, Table 1 supplement)
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}
_RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
_NAMED = {"white": WHITE, "black": BLACK, "grey": "#808080", "gray": "#808080", "red": "#FF0000",
          "blue": "#0000FF", "green": "#008000", "orange": "#FFA500", "lightgrey": "#D3D3D3",
          "lightgray": "#D3D3D3", "darkgrey": "#A9A9A9", "darkgray": "#A9A9A9", "silver": "#C0C0C0"}


def colour(i: int) -> str:
    """The ``i``-th categorical colour (cycling)."""
    return CATEGORICAL[i % len(CATEGORICAL)]


def dash(i: int) -> str:
    return DASHES[i % len(DASHES)]


def symbol(i: int) -> str:
    return SYMBOLS[i % len(SYMBOLS)]


def _rgb(c: str) -> np.ndarray:
    """``"#RRGGBB"``, ``"#RGB"``, ``"rgb(r, g, b)"`` or white/black → sRGB in [0, 1]."""
    c = _NAMED.get(c.strip().lower(), c.strip())
    if c.startswith("#"):
        h = c[1:]
        if len(h) == 3:
            h = "".join(ch * 2 for ch in h)
        if len(h) != 6:
            raise ValueError(f"colour must be #RRGGBB, #RGB or rgb(r, g, b); got {c!r}")
        return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255
    if c.startswith("rgb"):
        parts = c[c.index("(") + 1:c.index(")")].split(",")[:3]
        return np.array([float(p) for p in parts]) / 255
    raise ValueError(f"colour must be #RRGGBB, #RGB or rgb(r, g, b); got {c!r}")


def to_hex(c: str) -> str:
    """Any colour :func:`_rgb` reads as ``"#RRGGBB"`` (upper case).

    >>> to_hex("#abc"), to_hex("rgb(0, 114, 178)"), to_hex("black")
    ('#AABBCC', '#0072B2', '#000000')
    """
    return "#" + "".join(f"{round(v * 255):02X}" for v in _rgb(c))


def _linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def relative_luminance(c: str) -> float:
    """WCAG 2.1 relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B (linear sRGB)."""
    return float(np.dot([0.2126, 0.7152, 0.0722], _linear(_rgb(c))))


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio (L1 + 0.05) / (L2 + 0.05), lighter over darker: 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def text_on(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (always >= 4.5:1 for an opaque fill)."""
    return BLACK if contrast_ratio(BLACK, fill) >= contrast_ratio(WHITE, fill) else WHITE


def simulate(c: str, kind: str | None) -> np.ndarray:
    """Linear sRGB of ``c`` as seen with full-severity ``kind`` (None: normal vision)."""
    lin = _linear(_rgb(c))
    if kind is None:
        return lin
    if kind not in _MACHADO_2009:
        raise ValueError(f"kind must be one of {CVD_KINDS} or None; got {kind!r}")
    return np.clip(np.asarray(_MACHADO_2009[kind]) @ lin, 0.0, 1.0)


def to_lab(linear_rgb: np.ndarray) -> tuple[float, float, float]:
    """CIELAB (D65) of a linear sRGB triple."""
    white = _RGB_TO_XYZ @ np.ones(3)
    t = (_RGB_TO_XYZ @ np.asarray(linear_rgb, dtype=float)) / white
    d = 6 / 29
    f = np.where(t > d ** 3, np.cbrt(t), t / (3 * d * d) + 4 / 29)
    return (float(116 * f[1] - 16), float(500 * (f[0] - f[1])), float(200 * (f[1] - f[2])))


def delta_e2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), Sharma, Wu & Dalal 2005, eqs. 1-23."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    cbar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(cbar ** 7 / (cbar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dh = 0.0 if c1p * c2p == 0 else (h2p - h1p + 180) % 360 - 180
    dl, dc = l2 - l1, c2p - c1p
    dhh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    lbar, cbarp = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hbar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbar = (h1p + h2p) / 2
    else:
        hbar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hbar - 30)) + 0.24 * math.cos(math.radians(2 * hbar))
         + 0.32 * math.cos(math.radians(3 * hbar + 6)) - 0.20 * math.cos(math.radians(4 * hbar - 63)))
    dtheta = 30 * math.exp(-(((hbar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cbarp ** 7 / (cbarp ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (lbar - 50) ** 2 / math.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbarp, 1 + 0.015 * cbarp * t
    rt = -math.sin(math.radians(2 * dtheta)) * rc
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


def min_delta_e(colours: Iterable[str], kind: str | None) -> tuple[float, str, str]:
    """The closest pair of ``colours`` under ``kind``: (ΔE2000, colour a, colour b); inf if < 2."""
    cs = sorted(set(colours))
    labs = {c: to_lab(simulate(c, kind)) for c in cs}
    pairs = ((delta_e2000(labs[a], labs[b]), a, b) for a, b in itertools.combinations(cs, 2))
    return min(pairs, default=(math.inf, "", ""))
