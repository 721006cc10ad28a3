"""The teaching toolkit's promise, in a real browser: a teacher configures a tie exercise, hides
the answers and copies the link; a student who opens it sees exactly that exercise, solves it and
gets per-cell feedback. Also: Ties and Next-layer links open the exact view.

The answers the student types come from the loop reference (tests/loop_reference.py), not from
the code under test.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
from appserver import start_server, stop_server
from playwright.sync_api import Page, expect
from pw_helpers import (
    OpenTab,
    assert_no_exception,
    choose,
    edit_cell,
    heatmap_text,
    screenshot,
    set_number,
    wait_idle,
)

from pooling_core import generate
from ui.format import fmt
from ui.i18n import t
from ui.links.urlstate import encode_grid

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loop_reference import loop_pool_backward, loop_pool_forward  # noqa: E402

SEED = 34  # a 4x4 "ties" exercise whose own policy is "first"; the teacher picks "all"
VIEWPORT = {"width": 1280, "height": 4000}


def open_page(open_tab: OpenTab, url: str) -> Page:
    page = open_tab(viewport=VIEWPORT)
    page.goto(url)
    page.wait_for_selector("[data-testid=stApp]")
    wait_idle(page, settle_ms=600)
    assert_no_exception(page)
    return page


def fill_editor(page: Page, key: str, texts: list[list[str]]) -> None:
    """Type every cell of the grid editor with key `key` (one commit per cell)."""
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            edit_cell(page, r, c, text, page.locator(f".st-key-{key}"), wait=False)
    wait_idle(page)


def test_teacher_link_to_a_tie_exercise_student_solves_it(open_tab: OpenTab, app_url: str) -> None:
    # --- the teacher: level 3 (ties), exercise 34, policy "all", answers hidden, copy the link
    teacher = open_page(open_tab, f"{app_url}/exercise")
    choose(teacher, "ex_level", t("exercise.level.ties"))
    set_number(teacher, "ex_seed", SEED)
    choose(teacher, "ex_policy", f"all — {t('policy.all.who')}")
    teacher.get_by_text(t("classroom.share"), exact=True).click()
    teacher.get_by_text(t("classroom.hide_answers"), exact=True).click()
    wait_idle(teacher)
    # The link in full (a read-only text box) with a copy button always visible beside it.
    box = teacher.locator("[data-testid=stSidebar] .st-key-share_link")
    code = box.get_by_role("textbox", name=t("share.link"), exact=True)
    expect(code).to_have_value(re.compile("hide=answers"))
    link = code.input_value().strip()
    assert link.startswith(app_url + "/exercise?"), link
    copy = box.get_by_role("button", name=t("share.copy"), exact=True)
    expect(copy).to_be_visible()
    text_box, button_box = code.bounding_box(), copy.bounding_box()
    assert button_box["x"] >= text_box["x"] + text_box["width"] - 0.5  # beside it, not over it
    assert code.evaluate("el => el.scrollHeight <= el.clientHeight + 2")  # nothing hidden
    screenshot(teacher, "classroom-teacher-share")
    teacher.close()

    # --- the student opens it: that exercise, the teacher's policy, no way to show answers
    ex = generate("ties", SEED)  # the problem's x and dL/dy (the answers are not taken from it)
    student = open_page(open_tab, link)
    expect(student.locator("h1").first).to_have_text(t("exercise.title"))
    assert heatmap_text(student, "ex_fig_x") == [[fmt(v) for v in row] for row in ex.x]
    rule = t("exercise.rule.all")
    expect(student.get_by_text(rule, exact=False).first).to_be_visible()
    assert student.locator(".st-key-ex_show").count() == 0
    expect(student.get_by_text(t("exercise.answers_hidden"))).to_be_visible()

    # Answers from the loop reference: kernel 2, stride 2, every tied maximum gets dL/dy.
    params = {"kernel_size": 2, "stride": 2, "ties": "all"}
    y, _ = loop_pool_forward(ex.x, **params)
    mask = loop_pool_backward(ex.x, np.ones_like(y), **params)
    grad = loop_pool_backward(ex.x, ex.grad_output, **params)
    answers = {"y": y, "mask": mask, "grad_input": grad}
    texts = {p: [[fmt(v) for v in row] for row in a] for p, a in answers.items()}
    # Two slips: one mask cell and one gradient cell.
    slip_mask = tuple(int(v) for v in np.argwhere(mask > 0)[0])
    slip_grad = tuple(int(v) for v in np.argwhere(grad != 0)[-1])
    texts["mask"][slip_mask[0]][slip_mask[1]] = "0"
    texts["grad_input"][slip_grad[0]][slip_grad[1]] = "7"
    ex_id = f"ties_{SEED}_all"
    for part in ("y", "mask", "grad_input"):
        fill_editor(student, f"ex_{part}_{ex_id}", texts[part])
    student.locator(".st-key-ex_check button").click()
    wait_idle(student)
    assert_no_exception(student)
    total = y.size + mask.size + grad.size
    expect(student.get_by_text(f"Score: {total - 2} / {total} cells right")).to_be_visible()
    why = student.locator(".st-key-ex_why li")
    expect(why).to_have_count(2)
    items = why.all_inner_texts()
    assert any(f"({slip_mask[0]},{slip_mask[1]})" in s or f"[{slip_mask[0]},{slip_mask[1]}]" in s
               for s in items), items
    assert any(f"({slip_grad[0]},{slip_grad[1]})" in s or f"[{slip_grad[0]},{slip_grad[1]}]" in s
               for s in items), items
    screenshot(student, "classroom-student-feedback")

    # The student corrects the two cells and checks again: solved.
    edit_cell(student, *slip_mask, fmt(mask[slip_mask]),
              student.locator(f".st-key-ex_mask_{ex_id}"), wait=False)
    edit_cell(student, *slip_grad, fmt(grad[slip_grad]),
              student.locator(f".st-key-ex_grad_input_{ex_id}"), wait=False)
    wait_idle(student)
    student.locator(".st-key-ex_check button").click()
    wait_idle(student)
    expect(student.get_by_text(t("exercise.solved", total=total))).to_be_visible()
    screenshot(student, "classroom-student-solved")
    student.close()


def test_ties_and_next_layer_links_open_the_exact_view(open_tab: OpenTab, app_url: str) -> None:
    grid = [[3.0, 3.0, 1.0], [0.0, 3.0, 2.0], [2.0, 2.0, 2.0]]
    page = open_page(open_tab, f"{app_url}/ties?x={encode_grid(grid)}&k=2&s=1&policy=all&lang=es")
    expect(page.locator("h1").first).to_have_text(t("ties.title", lang="es"))
    # Hand-worked (kernel 2, stride 1, dL/dy = 1): see tests/pages/test_page_links.py.
    assert heatmap_text(page, "ties_fig_all") == [["1", "2", "0"], ["0", "4", "0"], ["0", "0", "0"]]
    assert "policy=all" in page.url and "k=2" in page.url
    screenshot(page, "link-ties-es")
    page.close()

    x = np.arange(30, dtype=np.float64).reshape(5, 6) % 7
    page = open_page(open_tab, f"{app_url}/next_layer?src=random&rows=5&cols=6&rs=3"
                              f"&x={encode_grid(x.tolist())}&k=2&s=2&mode=avg&cell=4")
    y, _ = loop_pool_forward(x, kernel_size=2, stride=2, mode="avg")
    assert heatmap_text(page, "nl_fig_P") == [[fmt(v) for v in row] for row in y]
    expect(page.locator(".st-key-nl_cell_2x3 [role=combobox]")).to_have_value(
        t("next.cell_option", r=1, c=1, j=4))
    screenshot(page, "link-next-layer")
    page.close()


def test_a_fresh_server_opens_a_link_to_any_page_inside_the_app(
        open_tab: OpenTab, tmp_path: Path) -> None:
    """The first visitor after a restart may arrive on a page link, not on the root: the page
    must still run inside app.py's frame (language, projector switch, page titles)."""
    proc, url, _ = start_server(tmp_path / "server.log")
    try:
        page = open_page(open_tab, f"{url}/exercise?level=ties&seed=34&lang=pl")
        expect(page.locator("h1").first).to_have_text(t("exercise.title", lang="pl"))
        nav = page.locator("[data-testid=stSidebarNav]")
        expect(nav).to_contain_text(t("nav.explorer", lang="pl"))
        expect(page.locator(".st-key-projector")).to_be_attached()
        page.close()
    finally:
        stop_server(proc)
