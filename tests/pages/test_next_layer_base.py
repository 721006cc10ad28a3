"""The Next layer page in the session's index base (issue #18): the page has no notation switch
of its own; the base set on the Explorer or Ties sidebar (session_state "index_base") names
every cell, neuron and kernel weight of its sentences. Cells worked by hand: P is 2 x 2, the
followed cell 3 is P[1,1] 0-based, P[2,2] 1-based (j = 3 / 4); with a 2 x 2 kernel and no
padding Y is 1 x 1, so P[0,1] is reached by δ[0,0] through K[0,1] (1-based δ[1,1], K[1,2])."""

from __future__ import annotations

from page_helpers import grid_editor_data
from test_next_layer_page import all_text, markdown_with, new_app, run


def texts(at) -> str:
    return "\n".join(all_text(at))


def test_dense_sentences_in_one_based_cells():
    at = run(new_app(nl_cell_2x2=3, index_base=1))
    text = markdown_with(at, "**dL/dP[2,2]** = Σᵢ")
    assert "Wᵢ,4" in text and "Wᵢ,3" not in text
    page = texts(at)
    assert "P[2,2]  (j = 4)" in page and "P[0,0]  (j = 0)" not in page
    assert "j = (r − 1)·OW + c" in at.selectbox(key="nl_cell_2x2").help
    assert "the followed cell P[2,2] is outlined" in page
    assert "dL/dP[2,2] = " in page  # section 3's sentence
    # P[1,1] is still an option of the selectbox (1-based, the top-left cell); no sentence
    # names the followed cell by its 0-based name.
    assert not [m for m in (*at.markdown, *at.caption) if "P[1,1]" in m.value]
    assert [str(i) for i in at.table[0].value.index] == ["1", "2", "3"]  # neurons i
    # The page's own words count from 1 too: 3 neurons are i = 1 … 3, and the flattening
    # rule puts P[2,2] of a 2 x 2 P at j = (2 − 1)·2 + 2 = 4, as the option says.
    assert "j = (r − 1)·2 + c" in markdown_with(at, "The dense layer reads P")
    assert grid_editor_data(at, "nl_b_3_0")["label"] == (
        "Bias b: one per neuron (columns i = 1 … 3).")
    assert grid_editor_data(at, "nl_da_3")["label"] == (
        "Upstream gradient δ = dL/da: one per neuron (columns i = 1 … 3).")


def test_dense_sentences_default_zero_based():
    at = run(new_app(nl_cell_2x2=3))
    assert "Wᵢ,3" in markdown_with(at, "**dL/dP[1,1]** = Σᵢ")
    page = texts(at)
    assert "P[1,1]  (j = 3)" in page and "P[2,2]" not in page
    assert "j = r·OW + c" in at.selectbox(key="nl_cell_2x2").help
    assert [str(i) for i in at.table[0].value.index] == ["0", "1", "2"]
    assert "j = r·2 + c" in markdown_with(at, "The dense layer reads P")
    assert grid_editor_data(at, "nl_b_3_0")["label"] == (
        "Bias b: one per neuron (columns i = 0 … 2).")


def test_conv_sum_in_one_based_cells():
    at = run(new_app(nl_pad_2=0, nl_from="conv", nl_cell_2x2=1, index_base=1))
    text = markdown_with(at, "**dL/dP[1,2]** = Σ δ[u,v]")
    # K's index r − u + p + 1 in 1-based: 1 − 1 + 0 + 1 = 1, 2 − 1 + 0 + 1 = 2.
    assert "K[1 − u + 1, 2 − v + 1]" in text
    assert "δ[1,1] · K[1,2]" in text and "K[0,1]" not in text
    at0 = run(new_app(nl_pad_2=0, nl_from="conv", nl_cell_2x2=1))
    text0 = markdown_with(at0, "**dL/dP[0,1]** = Σ δ[u,v]")
    assert "K[0 − u + 0, 1 − v + 0]" in text0 and "δ[0,0] · K[0,1]" in text0
