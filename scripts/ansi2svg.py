#!/usr/bin/env python3
"""Renders a terminal screen captured with `tmux capture-pane -e -p` (text
with SGR escape sequences) as an SVG: a monospace grid, the 16 ANSI colours
plus the 256-colour and true-colour forms, bold, dim, italic, underline and
reverse.

Usage: ansi2svg.py COLS ROWS < screen.ans > screen.svg
"""

import re
import sys
import unicodedata
from html import escape

FONT_SIZE = 22
CELL_W = FONT_SIZE * 0.6021  # DejaVu Sans Mono advance width
CELL_H = round(FONT_SIZE * 1.18, 2)
PAD = 18
FONT = "DejaVu Sans Mono, monospace"

# A dark terminal theme: default colours, then ANSI 0-15.
DEFAULT_FG = "#d4d4d4"
DEFAULT_BG = "#1e1e1e"
ANSI16 = [
    "#1e1e1e", "#e05561", "#8cc265", "#d18f52",
    "#4aa5f0", "#c162de", "#42b3c2", "#bfc4cc",
    "#6b717d", "#ff616e", "#a5e075", "#f0a45d",
    "#4dc4ff", "#de73ff", "#4cd1e0", "#e6e6e6",
]


def colour256(n):
    if n < 16:
        return ANSI16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        r, g, b = steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
        return f"#{r:02x}{g:02x}{b:02x}"
    v = 8 + 10 * (n - 232)
    return f"#{v:02x}{v:02x}{v:02x}"


class Style:
    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "reverse")

    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def copy(self):
        s = Style()
        for k in Style.__slots__:
            setattr(s, k, getattr(self, k))
        return s

    def key(self):
        return tuple(getattr(self, k) for k in Style.__slots__)

    def apply(self, params):
        codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = ANSI16[c - 30]
            elif 90 <= c <= 97:
                self.fg = ANSI16[c - 90 + 8]
            elif c == 39:
                self.fg = None
            elif 40 <= c <= 47:
                self.bg = ANSI16[c - 40]
            elif 100 <= c <= 107:
                self.bg = ANSI16[c - 100 + 8]
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    col = colour256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    r, g, b = codes[i + 2 : i + 5]
                    col = f"#{r:02x}{g:02x}{b:02x}"
                    i += 4
                else:
                    col = None
                if c == 38:
                    self.fg = col
                else:
                    self.bg = col
            i += 1

    def colours(self):
        fg, bg = self.fg or DEFAULT_FG, self.bg or DEFAULT_BG
        if self.reverse:
            fg, bg = bg, fg
        return fg, bg


SGR = re.compile(r"\x1b\[([0-9;]*)m")
OTHER_ESC = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[()][0-9A-Za-z])")


# Box-drawing characters are drawn as lines from the cell's centre to its
# edges (up, down, left, right), so borders join without the gaps that font
# glyphs leave between rows.
BOX = {
    "─": "lr", "━": "lr", "│": "ud", "┃": "ud",
    "┌": "dr", "┐": "dl", "└": "ur", "┘": "ul",
    "╭": "dr", "╮": "dl", "╰": "ur", "╯": "ul",
    "├": "udr", "┤": "udl", "┬": "dlr", "┴": "ulr", "┼": "udlr",
}


def box_lines(ch, left, top, colour):
    # Whole pixels and an even stroke width: crisp lines, no anti-aliasing.
    cx, cy = round(left + CELL_W / 2), round(top + CELL_H / 2)
    ends = {
        "u": (cx, round(top)),
        "d": (cx, round(top + CELL_H)),
        "l": (round(left), cy),
        "r": (round(left + CELL_W), cy),
    }
    path = " ".join(f"M{cx},{cy}L{ends[a][0]},{ends[a][1]}" for a in BOX[ch])
    return (
        f'<path d="{path}" stroke="{colour}" stroke-width="2" '
        'stroke-linecap="square" fill="none"/>'
    )


def width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def parse(text, cols, rows):
    """A grid of rows × cols cells, each (char, Style)."""
    blank = Style()
    grid = [[(" ", blank) for _ in range(cols)] for _ in range(rows)]
    style = Style()  # tmux carries the style across line ends
    for y, line in enumerate(text.split("\n")[:rows]):
        x = 0
        pos = 0
        for m in SGR.finditer(line):
            x = put(grid[y], line[pos : m.start()], x, style, cols)
            style.apply(m.group(1))
            pos = m.end()
        put(grid[y], line[pos:], x, style, cols)
    return grid


def put(row, text, x, style, cols):
    text = OTHER_ESC.sub("", text)
    for ch in text:
        w = width(ch)
        if w == 0 or x >= cols:
            continue
        row[x] = (ch, style.copy())
        if w == 2 and x + 1 < cols:
            row[x + 1] = ("", style.copy())
        x += w
    # The rest of the line keeps the background of the last style.
    return x


def render(grid, cols, rows):
    w = round(cols * CELL_W + 2 * PAD)
    h = round(rows * CELL_H + 2 * PAD)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}">',
        f'<rect width="{w}" height="{h}" rx="8" fill="{DEFAULT_BG}"/>',
        f'<g font-family="{FONT}" font-size="{FONT_SIZE}px" '
        'style="white-space:pre" xml:space="preserve">',
    ]
    for y, row in enumerate(grid):
        top = PAD + y * CELL_H
        base = top + FONT_SIZE * 0.95
        x = 0
        while x < cols:
            style = row[x][1]
            end = x
            while end < cols and row[end][1].key() == style.key():
                end += 1
            fg, bg = style.colours()
            left = PAD + x * CELL_W
            if bg != DEFAULT_BG:
                out.append(
                    f'<rect x="{left:.2f}" y="{top:.2f}" '
                    f'width="{(end - x) * CELL_W + 0.5:.2f}" '
                    f'height="{CELL_H + 0.5:.2f}" fill="{bg}"/>'
                )
            for i in range(x, end):
                if row[i][0] in BOX:
                    out.append(box_lines(row[i][0], PAD + i * CELL_W, top, fg))
            chars = [
                (i, row[i][0])
                for i in range(x, end)
                if row[i][0] not in ("", " ") and row[i][0] not in BOX
            ]
            if chars:
                attrs = [f'fill="{fg}"']
                if style.bold:
                    attrs.append('font-weight="bold"')
                if style.italic:
                    attrs.append('font-style="italic"')
                if style.dim:
                    attrs.append('fill-opacity="0.6"')
                if style.underline:
                    attrs.append('text-decoration="underline"')
                # One element per cell: the grid stays exact whatever the
                # font's advance width (renderers ignore per-glyph x lists).
                cells = "".join(
                    f'<text x="{PAD + i * CELL_W:.2f}" y="{base:.2f}">{escape(c)}</text>'
                    for i, c in chars
                )
                out.append(f'<g {" ".join(attrs)}>{cells}</g>')
            x = end
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    text = sys.stdin.read()
    sys.stdout.write(render(parse(text, cols, rows), cols, rows))


if __name__ == "__main__":
    main()
