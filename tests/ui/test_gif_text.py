"""Word-by-word text of the animation's frames (ui.exports.gif_text.Words), with a stand-in font
whose widths are worked out by hand: every character is 10 px wide, so "ab cd" is 50 px and
a space 10 px."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from ui.exports.gif_fonts import font_for
from ui.exports.gif_text import Words


class TenPx:
    """Each character 10 px wide and 12 px high, no ink (only the line breaking is tested)."""

    def getlength(self, text: str) -> float:
        return 10.0 * len(text)

    def getbbox(self, text: str) -> tuple[int, int, int, int]:
        return (0, 0, 0, 0)


def test_lines_break_at_spaces_within_the_width() -> None:
    words = Words("en", ink=1)
    # "one two" = 70 px fits 75; "three" (50) after it would end at 70 + 10 + 50 = 130
    lines = words.lines("one two three four", TenPx(), width=75)
    assert lines == [[("one", 0.0), ("two", 40.0)], [("three", 0.0)], [("four", 0.0)]]


def test_at_most_lines_ends_in_an_ellipsis() -> None:
    words = Words("en", ink=1)
    lines = words.lines("one two three four five", TenPx(), width=75, most=2)
    # line 2 is "three" (ends at 50); "…" after a 10 px space at 60
    assert lines == [[("one", 0.0), ("two", 40.0)], [("three", 0.0), ("…", 60.0)]]
    assert words.lines("one two", TenPx(), width=75, most=2) == [[("one", 0.0), ("two", 40.0)]]


def test_chinese_breaks_between_any_two_characters() -> None:
    words = Words("zh-CN", ink=1)
    assert words.lines("反向传播", TenPx(), width=25) == [[("反", 0.0), ("向", 10.0)],
                                                      [("传", 0.0), ("播", 10.0)]]


def test_a_stamped_line_has_the_ink_of_the_drawn_line() -> None:
    """Pasting the words one by one gives the pixels of the whole line drawn by Pillow at
    the same place (digits and spaces: no kerning between them, whole-pixel advances)."""
    file = font_for("en")
    font = ImageFont.truetype(str(file.path), 22, index=file.index) if file else \
        ImageFont.load_default(22)
    words = Words("en", ink=255)
    stamped = Image.new("L", (400, 40))
    words.stamp(stamped, (5, 5), words.lines("12 345 6789", font)[0], font)
    drawn = Image.new("L", (400, 40))
    draw = ImageDraw.Draw(drawn)
    draw.fontmode = "1"
    draw.text((5, 5), "12 345 6789", fill=255, font=font)
    assert drawn.getbbox() is not None
    assert stamped.tobytes() == drawn.tobytes()
