"""Where each box and wire of a diagram goes on a grid of character cells.

grandalf's Sugiyama layout does the hard part: ranks (inputs at the top, so the loss ends
at the bottom), the order within each rank that keeps crossings few, the x position of
each box, and the dummy vertices that carry a long wire past the ranks it skips. This
module only turns its coordinates into whole cells, stacks the ranks with room for the
wires between them, and routes each wire as vertical and horizontal runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import DummyVertex, SugiyamaLayout

BOX_GAP = 2  # columns between two boxes of a rank
COMPONENT_GAP = 4  # columns between two unconnected parts of a graph

Cell = tuple[int, int]  # (x, y)


@dataclass(frozen=True)
class Placed:
    """A box's place on the grid: top-left corner, width and height in cells."""

    x: int
    y: int
    w: int
    h: int

    @property
    def centre(self) -> Cell:
        return self.x + self.w // 2, self.y + self.h // 2


@dataclass
class Arrangement:
    """The whole diagram's geometry: each box's place, each rank's boxes from left to
    right, and each edge's path as a list of corner cells (first and last on the borders
    of the boxes it joins). `up` holds the edges drawn against their direction (a cycle)."""

    width: int = 0
    height: int = 0
    boxes: dict[str, Placed] = field(default_factory=dict)
    ranks: list[list[str]] = field(default_factory=list)
    paths: dict[tuple[str, str], list[Cell]] = field(default_factory=dict)
    up: set[tuple[str, str]] = field(default_factory=set)


class _View:
    """The size grandalf reads from a vertex and the centre it writes back."""

    def __init__(self, w: float, h: float):
        self.w, self.h, self.xy = w, h, (0.0, 0.0)


def arrange(
    sizes: dict[str, tuple[int, int]], edges: Sequence[tuple[str, str]], *, gap: int = BOX_GAP
) -> Arrangement:
    """Lay out boxes of the given (width, height) joined by directed edges (source, target).

    Boxes keep the order of `sizes` where the layout leaves a choice; unconnected parts of
    the graph sit side by side, `gap` columns between two boxes of a rank. Self-loops and
    repeated edges are drawn once or not at all.
    """
    vertices = {name: Vertex(name) for name in sizes}
    for name, (w, h) in sizes.items():
        vertices[name].view = _View(w + gap, h)
    unique = list(dict.fromkeys((s, t) for s, t in edges if s != t and s in sizes and t in sizes))
    graph_edges = {pair: Edge(vertices[pair[0]], vertices[pair[1]]) for pair in unique}
    graph = Graph(list(vertices.values()), list(graph_edges.values()))
    result = Arrangement()
    offset = 0
    parts = sorted(graph.C, key=lambda c: min(list(sizes).index(v.data) for v in c.sV))
    for part in parts:
        width = _arrange_part(part, sizes, graph_edges, offset, result, gap)
        offset += width + COMPONENT_GAP
    result.width = max(0, offset - COMPONENT_GAP)
    return result


def _arrange_part(part, sizes, graph_edges, offset: int, result: Arrangement, gap: int) -> int:
    """Lay out one connected part at column `offset`; return its width."""
    layout = SugiyamaLayout(part)
    layout.xspace, layout.yspace = gap, 1
    order = list(sizes)
    sources = [v for v in part.sV if not v.e_in()]
    roots = sorted(sources, key=lambda v: order.index(v.data))
    layout.init_all(roots=roots or [min(part.sV, key=lambda v: order.index(v.data))])
    for layer in layout.layers:
        for v in layer:
            if isinstance(v, DummyVertex):
                v.view.w = 1 + gap
    layout.draw(3)
    layers = [sorted(layer, key=lambda v: v.view.xy[0]) for layer in layout.layers]
    width = {v: 1 if _dummy(v) else sizes[v.data][0] for layer in layers for v in layer}
    columns = _columns(layers, width, offset, gap)
    rank_of = {v: r for r, layer in enumerate(layers) for v in layer}
    chains = {pair: _chain(layout, e) for pair, e in graph_edges.items() if e in part.sE}
    ports = _ports(chains, columns, width)
    hops = [
        (rank_of[chain[i]], pair, i, _at(chain[i], pair, "out", columns, ports),
         _at(chain[i + 1], pair, "in", columns, ports))
        for pair, chain in chains.items()
        for i in range(len(chain) - 1)
    ]  # fmt: skip
    tracks = _tracks(hops)
    heights = [max([1] + [sizes[v.data][1] for v in layer if not _dummy(v)]) for layer in layers]
    tops, y = [], 0
    for r, height in enumerate(heights):
        tops.append(y)
        used = [t + 1 for (rank, _, _), t in tracks.items() if rank == r]
        y += height + (max([1, *used]) if r + 1 < len(heights) else 0)
    for r, layer in enumerate(layers):
        while len(result.ranks) <= r:
            result.ranks.append([])
        for v in layer:
            if not _dummy(v):
                result.ranks[r].append(v.data)
                result.boxes[v.data] = Placed(columns[v], tops[r], *sizes[v.data])
    result.height = max(result.height, y)
    for rank, pair, i, x0, x1 in hops:
        path = result.paths.setdefault(pair, [])
        lower = chains[pair][i + 1]
        if i == 0:  # from the upper box's bottom border (a dummy's column continues below)
            path.append((x0, tops[rank] + heights[rank] - 1))
        row = tops[rank] + heights[rank] + tracks.get((rank, pair, i), 0)
        path += [(x0, row), (x1, row), (x1, tops[rank + 1])]
        if _dummy(lower):
            path.append((x1, tops[rank + 1] + heights[rank + 1] - 1))
    for pair in chains:
        result.paths[pair] = _simplify(result.paths[pair])
        if chains[pair][0].data != pair[0]:
            result.up.add(pair)
    return max(columns[v] + width[v] for v in columns) - offset


def _dummy(v) -> bool:
    return isinstance(v, DummyVertex)


def _columns(layers, width, offset: int, gap: int) -> dict:
    """Whole-cell left columns from grandalf's centres, never overlapping in a rank."""
    columns = {}
    for layer in layers:
        right = None
        for v in layer:
            left = round(v.view.xy[0] - width[v] / 2)
            if right is not None:
                left = max(left, right + (min(1, gap) if _dummy(v) else gap))
            columns[v] = left
            right = left + width[v]
    shift = offset - min(columns.values())
    return {v: x + shift for v, x in columns.items()}


def _at(v, pair, kind: str, columns, ports) -> int:
    """The column where an edge passes vertex v: its port on a box, else the dummy's."""
    return columns[v] if _dummy(v) else ports[(pair, kind)]


def _chain(layout: SugiyamaLayout, edge: Edge) -> list:
    """The vertices an edge passes, from the upper rank to the lower one."""
    ctrl = layout.ctrls.get(edge)
    if ctrl:
        return [ctrl[r] for r in sorted(ctrl)]
    a, b = edge.v
    return [a, b] if layout.grx[a].rank <= layout.grx[b].rank else [b, a]


def _ports(chains, columns, width) -> dict:
    """The column where each edge leaves its upper box and enters its lower box: spread
    evenly along the border, in the order of where the edges go, so wires do not cross
    right at a box."""
    found: dict[tuple[object, str], list] = {}
    for pair, chain in chains.items():
        found.setdefault((chain[0], "out"), []).append((_middle(chain[1], columns, width), pair))
        found.setdefault((chain[-1], "in"), []).append((_middle(chain[-2], columns, width), pair))
    ports = {}
    for (v, kind), items in found.items():
        items.sort()
        inner = max(1, width[v] - 2)
        for k, (_, pair) in enumerate(items):
            along = (k + 1) * inner // (len(items) + 1)
            # a box too narrow for a border (an overview's one-cell box) takes its wires
            # on its own cells
            ports[(pair, kind)] = columns[v] + (
                min(along, width[v] - 1) if width[v] < 3 else 1 + along
            )
    return ports


def _middle(v, columns, width) -> float:
    return columns[v] + width[v] / 2


def _tracks(hops) -> dict:
    """A track (row in the gap below a rank) for each hop that runs sideways, so that no
    two sideways runs in one gap overlap."""
    rows_of: dict[int, list[list[tuple[int, int]]]] = {}
    found = {}
    for rank, pair, i, x0, x1 in sorted(hops, key=lambda h: (h[0], min(h[3], h[4]))):
        if x0 == x1:
            continue
        lo, hi = min(x0, x1), max(x0, x1)
        rows = rows_of.setdefault(rank, [])
        free = [t for t, row in enumerate(rows) if all(hi < a - 1 or lo > b + 1 for a, b in row)]
        t = free[0] if free else len(rows)
        if not free:
            rows.append([])
        rows[t].append((lo, hi))
        found[(rank, pair, i)] = t
    return found


def _simplify(path: list[Cell]) -> list[Cell]:
    """Drop repeated points and points in the middle of a straight run."""
    out: list[Cell] = []
    for p in path:
        if out and p == out[-1]:
            continue
        if len(out) >= 2 and (out[-2][0] == out[-1][0] == p[0] or out[-2][1] == out[-1][1] == p[1]):
            out[-1] = p
            continue
        out.append(p)
    return out
