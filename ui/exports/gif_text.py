"""Text for the animation's frames (ui.exports.gif), set word by word: each word is drawn once
(a mask, without anti-aliasing) and pasted wherever it appears, because drawing text is the
slow part of a frame and a sentence's words repeat from step to step.

    words = Words("en", ink=1)                        # ink: palette index of the text
    lines = words.lines(sentence, font, width=976, most=3)   # [[(word, x), ...], ...]
    words.stamp(picture, (24, 600), lines[0], font)
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from ui.exports.gif_fonts import CJK_LANGUAGES


class Words:
    """The drawn words of one animation in one language (kept only while it is drawn)."""

    def __init__(self, lang: str, ink: int) -> None:
        self.cjk = lang in CJK_LANGUAGES
        self.ink = ink
        self.advances: dict[tuple[str, int], float] = {}
        self.masks: dict[tuple[str, int], tuple[Image.Image | None, tuple[int, int]]] = {}

    def advance(self, word: str, font: object) -> float:
        """A word's advance in px (measured once)."""
        key = (word, id(font))
        if key not in self.advances:
            self.advances[key] = font.getlength(word)  # type: ignore[attr-defined]
        return self.advances[key]

    def mask(self, word: str, font: object) -> tuple[Image.Image | None, tuple[int, int]]:
        """A word's ink as an "L" mask (None: no ink) and the mask's offset from the word's
        top-left (drawn once, when first shown)."""
        key = (word, id(font))
        if key not in self.masks:
            left, top, right, bottom = font.getbbox(word)  # type: ignore[attr-defined]
            mask = None
            if right > left and bottom > top:
                mask = Image.new("L", (right - left, bottom - top))
                draw = ImageDraw.Draw(mask)
                draw.fontmode = "1"  # no anti-aliasing: only palette colours
                draw.text((-left, -top), word, fill=255, font=font)
            self.masks[key] = (mask, (left, top))
        return self.masks[key]

    def lines(self, text: str, font: object, width: float = float("inf"),
              most: int = 0) -> list[list[tuple[str, float]]]:
        """`text` in lines no wider than `width` px, each a list of (word, its x): broken at
        spaces, or between any two characters in Chinese (no spaces between words); with
        `most`, at most that many lines, the last one ending in "…" when text was left out
        (the words after it are not measured)."""
        units = list(text) if self.cjk else text.split(" ")
        gap = 0.0 if self.cjk else self.advance(" ", font)
        lines: list[list[tuple[str, float]]] = []
        used = 0.0
        for unit in units:
            wide = self.advance(unit, font)
            if lines and used + gap + wide <= width:
                lines[-1].append((unit, used + gap))
                used += gap + wide
            elif most and len(lines) == most:
                last = lines[-1]
                end = last[-1][1] + self.advance(last[-1][0], font) + self.advance(" ", font)
                return [*lines[:-1], [*last, ("…", end)]]
            else:
                lines.append([(unit, 0.0)])
                used = wide
        return lines

    def stamp(self, img: Image.Image, xy: tuple[int, int], words: list[tuple[str, float]],
              font: object) -> None:
        """Paint one line's `words` (from lines()) on `img` with its top-left at `xy`."""
        for word, x in words:
            mask, (left, top) = self.mask(word, font)
            if mask is not None:
                img.paste(self.ink, (xy[0] + round(x) + left, xy[1] + top), mask)
