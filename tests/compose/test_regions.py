"""`compose regions`: linear regions of a hand-set network, against closed-form counts."""

import json

import numpy as np
import pytest

from compose.cli.main import main

SAWTOOTH = """\
name: sawtooth
params: {depth: 3}
networks:
  tooth:    # the tent map on [0, 1]: relu(2h) - relu(4h - 2)
    inputs: {h: [1]}
    nodes:
      up: {block: linear, in: h, out: 1, weight: {init: constant, value: 2.0}}
      down: {block: linear, in: h, out: 1, weight: {init: constant, value: 4.0},
             bias: {init: constant, value: -2.0}}
      a: {block: relu, in: up}
      b: {block: relu, in: down}
      minus: {block: scale, in: b, by: -1.0}
      out: {block: add, in: [a, minus]}
    outputs: [out]
inputs: {x: [1]}
nodes:
  saw: {network: tooth, in: x, repeat: $depth}
outputs: [saw]
"""

CUTS = """\
name: cuts
networks:
  cut:      # relu(h + at): a cut where h = -at
    params: {at: 0.0}
    inputs: {h: [1]}
    nodes:
      z: {block: linear, in: h, out: 1, weight: {init: constant, value: 1.0},
          bias: {init: constant, value: $at}}
      r: {block: relu, in: z}
    outputs: [r]
inputs: {x: [2]}
nodes:
  u: {block: split, in: x, parts: 2, index: 0}
  v: {block: split, in: x, parts: 2, index: 1}
  a1: {network: cut, in: u, at: -0.25}
  a2: {network: cut, in: u, at: -0.5}
  a3: {network: cut, in: u, at: 0.5}
  b1: {network: cut, in: v, at: -0.3}
  b2: {network: cut, in: v, at: 0.6}
  all: {block: concat, in: [a1, a2, a3, b1, b2]}
  out: {block: linear, in: all, out: 1}
outputs: [out]
"""


def regions(capsys, *args):
    code = main(["regions", *map(str, args), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out), err.splitlines()


@pytest.fixture(scope="module")
def sawtooth(tmp_path_factory):
    path = tmp_path_factory.mktemp("saw") / "sawtooth.yaml"
    path.write_text(SAWTOOTH)
    return path


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 8])
def test_a_sawtooth_of_depth_l_has_2_to_the_l_regions_on_the_unit_interval(
    sawtooth, tmp_path, capsys, depth
):
    found, files = regions(
        capsys, sawtooth, "--segment", "0:1", "--set", f"params.depth={depth}", "--out", tmp_path
    )
    segment = found["segment"]
    assert segment["regions"] == 2**depth
    # its teeth meet at the multiples of 2^-L: the tent map composed L times
    expected = np.arange(1, 2**depth) / 2**depth
    np.testing.assert_allclose(segment["breakpoints"], expected, atol=1e-6)
    assert [f.rsplit("/", 1)[-1] for f in files] == ["regions-segment.png"]


def test_a_grid_of_axis_aligned_cuts_has_the_product_of_their_counts(tmp_path, capsys):
    path = tmp_path / "cuts.yaml"
    path.write_text(CUTS)
    # cuts at x0 = 0.25, 0.5, -0.5 and x1 = 0.3, -0.6: (3 + 1) (2 + 1) rectangles
    found, files = regions(
        capsys, path, "--segment=-1,-1:1,1", "--grid=-1:1", "--points", 50, "--out", tmp_path
    )
    assert found["grid"] == {"points": 50, "regions": 12}
    # the diagonal x0 = x1 = 2t - 1 crosses each of the five cuts once: six pieces
    assert found["segment"]["regions"] == 6
    ends = sorted((c + 1) / 2 for c in (0.25, 0.5, -0.5, 0.3, -0.6))
    np.testing.assert_allclose(found["segment"]["breakpoints"], ends, atol=1e-6)
    # a horizontal line at x1 = 0 crosses only the three cuts of x0
    found, _ = regions(capsys, path, "--segment=-1,0:1,0", "--out", tmp_path)
    assert found["segment"]["regions"] == 4
    # a smaller square sees fewer: x0 in [0, 1] crosses 0.25 and 0.5, x1 in [0, 1] 0.3
    found, _ = regions(capsys, path, "--segment=0,0:1,1", "--grid=0:1", "--points", 40,
                       "--out", tmp_path)  # fmt: skip
    assert found["grid"]["regions"] == 3 * 2
    assert sorted(f.rsplit("/", 1)[-1] for f in files) == [
        "regions-grid.png",
        "regions-segment.png",
    ]


def test_the_report_names_the_nodes_and_the_breakpoints(sawtooth, tmp_path, capsys):
    assert main(["regions", str(sawtooth), "--segment", "0:1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "sawtooth (as initialised from seed 0)",
        "piecewise-linear nodes: saw/a, saw/b",
        "along x from 0 to 1: 8 regions",
        "  breakpoints at t = 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875",
    ]
    assert (tmp_path / "regions-segment.png").is_file()


def test_smooth_nodes_are_named_as_making_the_count_an_estimate(tmp_path, capsys):
    path = tmp_path / "smooth.yaml"
    path.write_text(SAWTOOTH.replace("block: scale, in: b, by: -1.0", "block: tanh, in: b"))
    assert main(["regions", str(path), "--segment", "0:1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "not piecewise linear: saw/minus: their regions' ends are found by linearising" in out


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "sawtooth.yaml: expected --segment A:B: the recipe has no training data to take a "
             "segment from"),
        (["--segment", "0:0"], "--segment 0:0: expected two different points of 1 finite number "
                               "each, e.g. 0:1, got '0:0'"),
        (["--segment", "0,1:1,1"], "--segment 0,1:1,1: expected two different points of 1 "
                                   "finite number each, e.g. 0:1, got '0,1:1,1'"),
    ],
)  # fmt: skip
def test_a_segment_it_cannot_take_exits_2(sawtooth, tmp_path, capsys, args, message):
    assert main(["regions", str(sawtooth), *args, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().endswith(message)


MAX_AND_GATE = """\
name: max_and_gate
inputs: {x: [1]}
nodes:
  up: {block: linear, in: x, out: 1, weight: {init: constant, value: 1.0}}
  down: {block: linear, in: x, out: 1, weight: {init: constant, value: -1.0},
         bias: {init: constant, value: 1.0}}
  both: {block: concat, in: [up, down]}
  top: {block: max, in: both}
  top1: {block: reshape, in: top, shape: [1]}
  cond: {block: linear, in: x, out: 1, weight: {init: constant, value: 1.0},
         bias: {init: constant, value: -0.25}}
  gate: {block: where, in: {cond: cond, a: top1, b: up}}
outputs: [gate]
"""


def test_a_max_and_a_hard_gate_each_cut_where_their_piece_changes(tmp_path, capsys):
    path = tmp_path / "gate.yaml"
    path.write_text(MAX_AND_GATE)
    # max(x, 1 - x) changes its selected element at 0.5; the gate its branch at x = 0.25
    found, _ = regions(capsys, path, "--segment", "0:1", "--out", tmp_path)
    assert found["piecewise"] == ["top", "gate"]
    assert found["segment"]["regions"] == 3
    np.testing.assert_allclose(found["segment"]["breakpoints"], [0.25, 0.5], atol=1e-6)
