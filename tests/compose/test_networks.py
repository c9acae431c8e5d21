"""Networks: named, from files, inline; parameters; repeat; and their problems."""

import textwrap

import jax
import jax.numpy as jnp
import numpy as np

import compose
from compose.checker.summary import model_summary

RESIDUAL = """\
networks:
  residual:
    params: {width: 4}
    inputs: {h: [$width]}
    nodes:
      a: {block: linear, in: h, out: $width}
      b: {block: tanh, in: a}
      s: {block: add, in: [h, b]}
    outputs: [s]
"""


def recipe(text):
    return compose.loads(textwrap.dedent(text), file="r.yaml")


def problems(text):
    return [str(p) for p in compose.check(recipe(text)).problems]


def test_repeat_equals_the_copies_applied_in_sequence():
    model = compose.build(
        recipe(
            RESIDUAL + "inputs: {x: [4]}\nnodes:\n"
            "  body: {network: residual, in: x, repeat: 5}\noutputs: [body]\n"
        ),
        key=jax.random.key(0),
    )
    stacked = model.weights["body"]["a"]
    assert stacked["weight"].shape == (5, 4, 4) and stacked["bias"].shape == (5, 4)
    assert not jnp.allclose(stacked["weight"][0], stacked["weight"][1]), "own weights per copy"
    x = np.array([0.5, -1.0, 2.0, 0.1], np.float32)
    h = x
    for i in range(5):
        h = h + np.tanh(np.asarray(stacked["weight"][i]) @ h + np.asarray(stacked["bias"][i]))
    np.testing.assert_allclose(model({"x": x})["body"], h, rtol=1e-5)


def test_parameters_size_each_instance():
    text = RESIDUAL + textwrap.dedent("""\
        inputs: {x: [4], z: [8]}
        nodes:
          small: {network: residual, in: x}
          big: {network: residual, in: z, width: 8}
        outputs: [small, big]
        """)
    checked = compose.check(recipe(text))
    assert checked.problems == ()
    rows = {n.name: n for n in checked.nodes}
    assert (rows["small"].out_shape, rows["small"].params) == ((4,), 4 * 4 + 4)
    assert (rows["big"].out_shape, rows["big"].params) == ((8,), 8 * 8 + 8)


def test_hypernetwork_weight_differs_per_example():
    text = """\
    networks:
      gen:
        inputs: {z: [2]}
        nodes: {w: {block: linear, in: z, out: 6}}
        outputs: [w]
    inputs: {x: [3], task: [2]}
    nodes:
      g: {network: gen, in: {z: task}}
      layer: {block: linear, in: x, out: 2, weight: g, use_bias: false}
    outputs: [layer]
    """
    model = compose.build(recipe(text), key=jax.random.key(0))
    x = jnp.array([1.0, 2.0, 3.0])
    tasks = jnp.array([[1.0, 0.0], [0.0, 1.0]])
    out = jax.vmap(lambda t: model({"x": x, "task": t})["layer"])(tasks)
    g = model.weights["g"]["w"]
    for i in range(2):
        generated = (g["weight"] @ tasks[i] + g["bias"]).reshape(2, 3)
        np.testing.assert_allclose(out[i], generated @ x, rtol=1e-5)


def test_inline_network_in_a_weight_slot():
    text = """\
    inputs: {x: [3], task: [2]}
    nodes:
      layer:
        block: linear
        in: x
        out: 2
        weight:
          network: {inputs: {t: [2]}, nodes: {w: {block: linear, in: t, out: 6}}, outputs: [w]}
          in: task
    outputs: [layer]
    """
    checked = compose.check(recipe(text))
    assert checked.problems == ()
    assert [n.name for n in checked.nodes] == ["layer/weight", "layer"]
    assert checked.nodes[1].weights[0].source == "from layer/weight (6,) reshaped"


def test_network_from_a_file_relative_to_the_recipe(tmp_path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "enc.yaml").write_text(
        "params: {out: 3}\ninputs: {v: [2]}\nnodes:\n  e: {block: linear, in: v, out: $out}\n"
        "outputs: [e]\n"
    )
    (tmp_path / "main.yaml").write_text(
        "inputs: {x: [2]}\nnodes:\n  enc: {network: parts/enc.yaml, in: x, out: 5}\n"
        "outputs: [enc]\n"
    )
    checked = compose.check(compose.load(tmp_path / "main.yaml"))
    assert checked.problems == ()
    assert checked.nodes[0].out_shape == (5,) and checked.nodes[0].block == "parts/enc.yaml"


def test_summary_folds_networks_with_their_totals():
    text = RESIDUAL + "inputs: {x: [4]}\nnodes:\n  body: {network: residual, in: x, repeat: 32}\n" \
        "outputs: [body]\n"  # fmt: skip
    out = model_summary(compose.check(recipe(text)))
    row = next(line for line in out.splitlines() if line.startswith("body"))
    assert row.split() == [
        "body", "residual", "x32", "x", "(4,)", "(4,)", "3", "nodes,", "20", "parameters", "per",
        "copy", "640",
    ]  # fmt: skip
    assert "total parameters: 640" in out
    expanded = model_summary(compose.check(recipe(text)), expand=True).splitlines()
    inside = [line.split()[0] for line in expanded if line.startswith("body/")]
    assert inside == ["body/a", "body/b", "body/s"]


# -- problems ------------------------------------------------------------------------------


def test_unknown_network_and_parameter():
    text = RESIDUAL + textwrap.dedent("""\
        inputs: {x: [4]}
        nodes:
          a: {network: residul, in: x}
          b: {network: residual, in: x, widht: 3}
        outputs: [a]
        """)
    assert problems(text) == [
        "r.yaml:12:3: nodes.a: node 'a': expected a network or a .yaml file, got 'residul' "
        "(did you mean 'residual'?)",
        "r.yaml:13:3: nodes.b: node 'b': network residual has no parameter 'widht' "
        "(did you mean 'width'?)",
    ]


def test_problem_inside_a_network_points_into_its_body():
    text = RESIDUAL.replace("out: $width", "out: $widht") + (
        "inputs: {x: [4]}\nnodes:\n  a: {network: residual, in: x}\noutputs: [a]\n"
    )
    assert problems(text) == [
        "r.yaml:6:38: networks.residual.nodes.a.out: expected a parameter, got '$widht' "
        "(parameters: $width) (in node 'a' (network residual))",
    ]


def test_wrong_input_shape_for_a_network():
    text = RESIDUAL + "inputs: {x: [3]}\nnodes:\n  a: {network: residual, in: x}\noutputs: [a]\n"
    assert problems(text) == [
        "r.yaml:12:30: nodes.a.in: node 'a' (network residual): input 'h' is declared [4], "
        "but 'x' gives (3,)",
    ]


def test_repeat_needs_a_chainable_network():
    text = """\
    networks:
      narrow:
        inputs: {h: [4]}
        nodes: {a: {block: linear, in: h, out: 2}}
        outputs: [a]
    inputs: {x: [4]}
    nodes: {a: {network: narrow, in: x, repeat: 3}}
    outputs: [a]
    """
    assert problems(text) == [
        "r.yaml:7:9: nodes.a: node 'a' (network narrow): expected a network whose output has "
        "the shape of its one input, to chain 3 copies; it takes (4,) and gives (2,)",
    ]


def test_a_network_containing_itself_is_a_cycle():
    text = """\
    networks:
      loop:
        inputs: {h: [2]}
        nodes: {inner: {network: loop, in: h}}
        outputs: [inner]
    inputs: {x: [2]}
    nodes: {a: {network: loop, in: x}}
    outputs: [a]
    """
    assert problems(text) == [
        "r.yaml:4:13: networks.loop.nodes.inner: node 'inner': expected networks that do not "
        "contain themselves, got the cycle loop -> loop (in node 'a' (network loop))",
    ]


def test_files_that_include_each_other_are_a_cycle(tmp_path):
    body = "inputs: {x: [2]}\nnodes:\n  n: {network: %s, in: x}\noutputs: [n]\n"
    (tmp_path / "a.yaml").write_text(body % "b.yaml")
    (tmp_path / "b.yaml").write_text(body % "a.yaml")
    found = [str(p) for p in compose.check(compose.load(tmp_path / "a.yaml")).problems]
    assert len(found) == 1
    assert found[0].endswith(
        "nodes.n: node 'n': expected networks that do not contain themselves, got the cycle "
        "a.yaml -> b.yaml -> a.yaml (in node 'n' (b.yaml))"
    )


TWO_INPUTS = """\
networks:
  pair:
    inputs: {h: [2], g: [2]}
    nodes: {s: {block: add, in: [h, g]}}
    outputs: [s]
inputs: {x: [2]}
nodes: {p: {network: pair, in: [x]}}
outputs: [p]
"""


def test_wrong_number_of_network_inputs():
    assert problems(TWO_INPUTS) == [
        "r.yaml:7:9: nodes.p: node 'p' (network pair): expected 2 inputs (h, g), got 1"
    ]


def test_problems_in_a_network_body_come_before_its_wiring():
    text = RESIDUAL + "inputs: {x: [4]}\nnodes:\n  a: {network: residual, in: x, width: 0}\n"
    text += "outputs: [a]\n"
    assert problems(text) == [
        "r.yaml:4:17: networks.residual.inputs.h: expected a shape: a list of positive integers "
        "like [2], got [0] (in node 'a' (network residual))",
        "r.yaml:6:38: networks.residual.nodes.a.out: node 'a' (linear): expected a positive "
        "value, got 0 (in node 'a' (network residual))",
    ]


def test_a_missing_network_file_is_located_at_the_node(tmp_path):
    (tmp_path / "main.yaml").write_text(
        "inputs: {x: [2]}\nnodes:\n  e: {network: parts/gone.yaml, in: x}\noutputs: [e]\n"
    )
    found = [str(p) for p in compose.check(compose.load(tmp_path / "main.yaml")).problems]
    assert found == [
        f"{tmp_path / 'main.yaml'}:3:3: nodes.e: node 'e': network file 'parts/gone.yaml': "
        "cannot read the file: No such file or directory"
    ]


def test_problems_name_every_instance_they_came_through(tmp_path):
    (tmp_path / "inner.yaml").write_text(
        "params: {w: 2}\ninputs: {v: [2]}\nnodes:\n  l: {block: linear, in: v, out: $w}\n"
        "outputs: [l]\n"
    )
    (tmp_path / "outer.yaml").write_text(
        "params: {w: 2}\ninputs: {v: [2]}\nnodes:\n  i: {network: inner.yaml, in: v, w: $w}\n"
        "outputs: [i]\n"
    )
    (tmp_path / "main.yaml").write_text(
        "inputs: {x: [2]}\nnodes:\n  e: {network: outer.yaml, in: x, w: -1}\noutputs: [e]\n"
    )
    (found,) = [str(p) for p in compose.check(compose.load(tmp_path / "main.yaml")).problems]
    assert found.endswith(
        "nodes.l.out: node 'l' (linear): expected a positive value, got -1 "
        "(in node 'e' (outer.yaml) > node 'i' (inner.yaml))"
    )


def test_a_block_named_like_a_network_gets_a_hint():
    text = RESIDUAL + "inputs: {x: [4]}\nnodes:\n  a: {block: residual, in: x}\noutputs: [a]\n"
    assert problems(text) == [
        "r.yaml:12:14: nodes.a.block: node 'a': unknown block 'residual' ('residual' is a "
        "network: write network: residual)"
    ]


WEIGHTLESS = """\
networks:
  act:
    inputs: {h: [2]}
    nodes: {t: {block: tanh, in: h}, d: {block: dropout, in: t, rate: 0.1}}
    outputs: [d]
  xent:
    inputs: {p: [2], t: [2]}
    nodes:
      s: {block: softmax, in: p}
      l: {block: cross_entropy, in: {pred: s, target: t}}
    outputs: [l]
inputs: {x: [2], y: [2]}
nodes:
  a: {network: act, in: x, repeat: 4}
  logits: {block: linear, in: a, out: 2}
  loss: {network: xent, in: {p: logits, t: y}}
outputs: [logits]
loss: loss
train:
  data: {dataset: spiral, n: 200}
  batch: 20
  steps: 20
  optimizer: {sgd: {learning_rate: 0.1}}
"""


def test_a_repeated_network_without_weights_and_a_network_as_the_loss_train():
    from compose.model.inspection import inspect
    from compose.runs.training import train

    result = train(compose.loads(WEIGHTLESS))
    assert result.steps == 20 and np.isfinite(result.metrics["loss"])
    x = jnp.array([0.5, -0.5])
    np.testing.assert_allclose(
        result.model({"x": x})["logits"],
        result.model.weights["logits"]["weight"] @ np.tanh(np.tanh(np.tanh(np.tanh(x))))
        + result.model.weights["logits"]["bias"],
        rtol=1e-5,
    )
    seen = inspect(result.model, {"x": jnp.ones((3, 2)), "y": jnp.ones((3, 2)) / 2})
    assert seen.activations["a/t"].shape == (3, 4, 2)


def test_inspect_needs_a_loss():
    import pytest

    from compose.model.inspection import inspect

    model = compose.build(
        recipe(TWO_INPUTS.replace("in: [x]", "in: [x, x]")), key=jax.random.key(0)
    )
    with pytest.raises(ValueError, match="inspect needs a recipe with a `loss:`"):
        inspect(model, {"x": jnp.ones((2, 2))})


def test_summary_counts_one_node_in_the_singular():
    out = model_summary(compose.check(recipe(TWO_INPUTS.replace("in: [x]", "in: [x, x]"))))
    row = next(line for line in out.splitlines() if line.startswith("p "))
    assert "1 node" in row and "1 nodes" not in row
