"""Canonical state keys for the exhaustive explorer: two states that differ only by the names the cluster made up
for itself get the same key.

What is relabelled (the *atoms*), everywhere in a state (objects in the store, informer caches, the watch-event log,
work queues, controller memory, node runtimes, strings that embed them):

- resourceVersions and revisions (``metadata.resourceVersion``, a request's ``precondition_resource_version``, the
  ``revision`` of a watch event, an informer and the store, and digit strings kept in a controller's memory, where
  the Endpoints controller remembers the resourceVersion it wrote): each becomes its rank among the state's
  revisions. The model only compares revisions (equality, order; a new one is always the largest), as etcd's
  clients may (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions: "clients must not
  assume resource versions are numeric ... may only compare them for equality"; the model's informers also order
  them, as the watch cache does), so ranks keep every behaviour.
- uids (``uid-NNNNNN``, wherever they appear, e.g. an owner reference or a Job's ``controller-uid`` label) and the
  store's uid counter: ranks among the state's uids (a new one is always the largest).
- generated names (``metadata.generateName`` plus five characters of ``names.SimpleNameGenerator``'s alphabet,
  staging/src/k8s.io/apiserver/pkg/storage/names/generate.go), wherever they appear, also inside longer strings:
  their rank among the state's generated names with the same prefix, so the order of names of one prefix is kept.
  Deliberate gap: upstream's suffix is random, the model's is a pseudo-random function of the uid counter; merging
  two states whose names differ only so treats the next name's sort position as upstream does (arbitrary), not as
  the model's fixed generator would place it.

Some atoms are labelled rather than ranked, as nothing observes their order (:func:`_identities`): each Node's uid
and settled resourceVersion (by the node's name), and the revision of an informer that has caught up with every
event still in the log. An informer's work queue is keyed as a set (the model offers a reconcile of each ready key;
nothing reads the queue's order).

With ``nodes`` (symmetry reduction) the key is the least over the states obtained by permuting the names of each
class of interchangeable nodes (see :func:`interchangeable_nodes`) wherever they appear, also inside strings (a
pod's ``spec.nodeName``, the ``kubernetes.io/hostname`` label, the kubelets' informers and runtimes, the routes
kube-proxy programmed per node, ...). Each Node object keeps its own uid and resourceVersion under the renaming;
since those are labelled by name, binding a pod to one or another identical node gives one key. Pods of one
template are not permuted (their names and uids keep their order: the scheduler's queue orders pods by uid).
The renamed states are not built: one memo of shapes per permutation reads each string through the renaming
(:class:`_Shapes`), which gives the shapes the renamed state would have.

Times are relative to now (:mod:`properties.relative_time` says which values are times and why merging is sound): each
is an atom labelled by its distance from the clock, so a state and its shift in time get one key, and the shapes stay
memoised across clock ticks.

Keys are hashes: the structural part is folded into Python's 64-bit ``hash`` per object (memoised by identity, as
successive states share unchanged objects), the atoms' ranks are kept in full and hashed last. Two different states
collide with probability about 2**-64 per pair, so the chance of any collision among N stored keys is below
N**2 / 2**65 (5e-9 for a million states) if ``hash`` behaves as a random function. A state whose raw shape (its
structure hash and its atoms as they are, hashed to 64 bits) was keyed before gets that key back from a memo, which
adds a second chance of the same size: below N**2 / 2**64 in all. ``hash`` of strings is salted per process
(PYTHONHASHSEED), so keys are comparable only within one process.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Hashable, Iterable
from itertools import chain
from typing import Any

import attrs

from model.apiserver.server import NAME_ALPHABET
from model.frozendict import FrozenDict
from model.informers import Informer
from model.state import ClusterState
from model.store import Store, WatchEvent
from properties.relative_time import MEMORY_TIMES, TIME_MAP, TIME_MEMORY, field_kinds, raw_time_key
from properties.relative_time import TIME as TIME_KIND

UID, GENERATED, TIME = 1 << 50, 2 << 50, 3 << 50
SPAN = 1 << 50
ABSOLUTE = TIME + SPAN
"""Atoms are small ints, so that ranking them is cheap: revision ``n`` is ``4 n`` (plus a counter's mark), uid ``n``
is ``UID + n``, a generated name is ``GENERATED + prefix id * 27**5 + the suffix read in base 27`` (prefix ids in
order of first sight, so one sort groups the names by prefix and orders each group as the suffixes sort), a time
``t`` is ``TIME + t`` (labelled ``t - now``), and a time written as a string makes the state's clock part of the key
(``ABSOLUTE``, labelled ``SPAN - now``). Labels
(:func:`_identities`) are negative."""
_COUNTERS = {Store: 1, Informer: 2}
"""Marks a revision that counts rather than names a version: the store's last revision (1), the revision an
informer's watch reached (2). ``4 n + mark`` sorts just after revision ``n``: the model only asks whether an event is
later than such a counter (and makes the next revision one past the store's), which a rank keeps, and a counter that
happens to equal a version's revision is not thereby that version's (see :func:`_identities`)."""
_SUFFIX = {c: i for i, c in enumerate(sorted(NAME_ALPHABET))}
CAUGHT_UP = -1

_UID = re.compile(r"uid-(\d{6,})")
_GENERATED = re.compile(rf"([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?-)([{NAME_ALPHABET}]{{5}})(?![-a-z0-9])")
_RV_HASH, _UID_HASH, _TIME_HASH = hash("rv"), hash("uid"), hash("time")
_RV_FIELDS = frozenset({"resource_version", "precondition_resource_version"})
_REVISION_OWNERS = (WatchEvent, Informer, Store)
_READ_AS = frozenset({"memory", "queue"})
"""Fields whose compound value is read in a way of its own (a controller's memory, a work queue as a set)."""
_MEMOISED_AS = _READ_AS | {TIME_MAP, TIME_MEMORY}
"""The ways of reading a compound that get a memo of their own: :data:`_READ_AS` and the maps holding times."""
_SCALARS = frozenset({int, bool, float, type(None)})


def _scalar(value: Any) -> int:
    """A scalar's hash, told apart where CPython's are equal: ``hash(-1) == hash(-2) == -2`` (and so for -1.0, -2.0),
    which would give two states that differ only by -1 and -2 one key."""
    found = hash(value)
    return found if found != -2 else hash(("-1" if value == -1 else "-2", type(value)))


Shape = tuple[int, tuple]
"""A value's structure with its atoms taken out (folded into a hash) and its atoms in order."""


class Canonicaliser:
    """Computes canonical keys; holds the memos (one per explorer run). ``nodes``: the classes of interchangeable
    node names (symmetry reduction), empty for none."""

    def __init__(self, nodes: Iterable[Iterable[str]] = (), memo_size: int = 200_000) -> None:
        self.classes = tuple(tuple(sorted(c)) for c in nodes if len(tuple(c)) > 1)
        names = [n for c in self.classes for n in c]
        self.node_names = frozenset(names)
        self._node_pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))) \
            if names else None
        self._memo_size = memo_size
        self._strings: dict[str, Shape] = {}
        self._raw: dict[int, int] = {}
        self._prefixes: dict[str, int] = {}
        layouts: dict[type, Layout] = {}
        per_class = [[dict(zip(c, p, strict=True)) for p in itertools.permutations(c)] for c in self.classes]
        self._maps = [dict(kv for m in combo for kv in m.items()) for combo in itertools.product(*per_class)]
        self._shapes = [_Shapes(self._strings, self._string, layouts, memo_size)]
        self._shapes += [_Shapes({}, functools.partial(self._renamed_string, mapping), layouts, memo_size)
                         for mapping in self._maps[1:]]

    def key(self, state: ClusterState) -> int:
        """The canonical key of ``state`` (see the module docstring). A state whose raw shape (structure and atoms
        as they are) was keyed before gets that key back without ranking or permuting again: about a third of the
        explorer's transitions reach a state equal to one reached before."""
        plain = self._shapes[0]
        shape = plain._value(state)
        raw = hash(shape)
        known = self._raw.get(raw)
        if known is not None:
            return known
        horizon = _horizon(state)
        best = self._ranked(shape, state, horizon, None)
        for mapping, renamed in zip(self._maps[1:], self._shapes[1:], strict=True):
            candidate = self._ranked(renamed._value(state), state, horizon, mapping)
            best = candidate if candidate < best else best
        if len(self._raw) >= self._memo_size:
            self._raw.pop(next(iter(self._raw)))
        self._raw[raw] = best
        return best

    def shape(self, value: Any, mapping: int = 0) -> Shape:
        """The shape of ``value`` (its structure hash and its atoms in order) with the node names renamed by the
        ``mapping``-th permutation of the interchangeable nodes (0: as they are): what the shape of the renamed value
        would be, without building it."""
        return self._shapes[mapping]._value(value)

    def _ranked(self, shape: Shape, state: ClusterState, horizon: int, mapping: dict[str, str] | None) -> int:
        shape_hash, atoms = shape
        ranks = _ranks(atoms, _identities(state, horizon, mapping), state.time)
        return hash((shape_hash, tuple(map(ranks.__getitem__, atoms))))

    def _renamed_string(self, mapping: dict[str, str], text: str) -> Shape:
        """The shape of ``text`` with the node names in it renamed by ``mapping`` (standalone names only)."""
        renamed = self._node_pattern.sub(lambda m: mapping[m.group(0)] if _whole(text, m) else m.group(0), text)
        return self._string(renamed)

    def _prefix_id(self, prefix: str) -> int:
        return self._prefixes.setdefault(prefix, len(self._prefixes))

    def _string(self, text: str) -> Shape:
        """The shape of a string: its uids and generated names are atoms (memoised by text)."""
        cached = self._strings.get(text)
        if cached is not None:
            return cached
        atoms: list[tuple] = []
        spans: list[tuple[int, int, tuple]] = []
        for match in _UID.finditer(text):
            spans.append((match.start(), match.end(), UID + int(match.group(1)), None))
        for match in _GENERATED.finditer(text):
            if not any(s <= match.start() < e for s, e, _ in spans):
                prefix, suffix = match.group(1), match.group(2)
                atom = GENERATED + self._prefix_id(prefix) * 27 ** 5 + sum(_SUFFIX[c] * 27 ** (4 - i)
                                                                          for i, c in enumerate(suffix))
                spans.append((match.start(), match.end(), atom, prefix))
        spans.sort()
        skeleton, last = [], 0
        for start, end, atom, prefix in spans:
            skeleton.append(text[last:start])
            skeleton.append("\x00" if prefix is None else f"\x00{prefix}")
            atoms.append(atom)
            last = end
        skeleton.append(text[last:])
        shape = (hash("".join(skeleton)), tuple(atoms))
        if len(self._strings) < 500_000:
            self._strings[text] = shape
        return shape


class _Shapes:
    """Shapes of values (a structure hash and the atoms in order), memoised by identity: successive states share
    unchanged objects. ``string`` gives a string's shape (memoised in ``strings``): a renaming of the node names takes
    effect there, so that one instance per permutation gives the shapes the renamed state would have."""

    def __init__(self, strings: dict[str, Shape], string: Callable[[str], Shape],
                 layouts: dict[type, Layout], memo_size: int) -> None:
        self._strings, self._string_of, self._layouts, self._memo_size = strings, string, layouts, memo_size
        self._shapes: dict[int, tuple[Any, Shape]] = {}
        self._read_as: dict[str, dict[int, tuple[Any, Shape]]] = {field: {} for field in _MEMOISED_AS}

    def _string(self, text: str) -> Shape:
        shape = self._string_of(text)
        if len(self._strings) < 500_000:
            self._strings[text] = shape
        return shape

    def _shape(self, value: Any, field: str | None = None, owner: type | None = None) -> Shape:
        """The shape of ``value`` found as ``field`` of an ``owner`` (which decides whether an int or a digit string
        there is an atom, and how a map or a tuple there is read)."""
        if isinstance(value, str):
            if field in _RV_FIELDS and value.isdigit():
                return (_RV_HASH, (int(value) * 4,))
            return self._string(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if field == "revision" and owner in _REVISION_OWNERS:
                return (_RV_HASH, (value * 4 if owner is WatchEvent else value * 4 + _COUNTERS[owner],))
            if field == "uids" and owner is Store:
                return (_UID_HASH, (UID + value,))
            return (_scalar(value), ())
        if value is None or isinstance(value, (bool, float)):
            return (_scalar(value), ())
        if field in _MEMOISED_AS:
            return self._memoised(value, field, self._read_as[field])
        return self._value(value)

    def _value(self, value: Any) -> Shape:
        """The shape of ``value`` in no particular field: the hot path, as most of a state is (a string, a number,
        or a compound memoised by identity)."""
        kind = type(value)
        if kind is str:
            shape = self._strings.get(value)
            return shape if shape is not None else self._string(value)
        if kind in _SCALARS:
            return (_scalar(value), ())
        cached = self._shapes.get(id(value))
        if cached is not None and cached[0] is value:
            return cached[1]
        if isinstance(value, (str, int, float)):  # a subclass (an enum, say): as its base type
            return self._shape(value)
        return self._memoised(value, None, self._shapes)

    def _memoised(self, value: Any, field: str | None, memo: dict[int, tuple[Any, Shape]]) -> Shape:
        cached = memo.get(id(value))
        if cached is not None and cached[0] is value:
            return cached[1]
        shape = self._compound(value, field)
        if len(memo) >= self._memo_size:
            memo.pop(next(iter(memo)))
        memo[id(value)] = (value, shape)  # keeps ``value`` alive, so its id is not reused meanwhile
        return shape

    def _compound(self, value: Any, field: str | None) -> Shape:
        cls = type(value)
        layout = self._layouts.get(cls)
        if layout:  # most compounds are records (attrs classes): looked up first
            return self._record(value, layout)
        if isinstance(value, (FrozenDict, dict)):
            memory, times, time_memory = field == "memory", field == TIME_MAP, field == TIME_MEMORY
            strings, shapes = self._strings, self._shapes
            rows = []
            for k, v in value.items():  # :meth:`_value` of each key and value, its common cases inlined
                if type(k) is str:
                    key_shape = strings.get(k) or self._string(k)
                else:
                    cached = shapes.get(id(k))
                    key_shape = cached[1] if cached is not None and cached[0] is k else self._value(k)
                if times or (k in MEMORY_TIMES if time_memory else raw_time_key(k) and type(v) is not FrozenDict):
                    value_shape = self._time(v)
                elif memory or time_memory:
                    value_shape = self._memory_value(v)
                else:
                    cached = shapes.get(id(v))
                    value_shape = cached[1] if cached is not None and cached[0] is v else self._value(v)
                rows.append((key_shape[0], value_shape[0], key_shape[1], value_shape[1]))
            # Items in order of their structure, then of their raw atoms (whose order the ranks keep), so that the
            # order does not depend on the names the atoms have.
            rows.sort()
            return (hash(("map", tuple([(i[0], i[1]) for i in rows]))),
                    tuple(chain.from_iterable([atoms for i in rows for atoms in (i[2], i[3]) if atoms])))
        if isinstance(value, (frozenset, set)) or field == "queue":
            # An informer's work queue is keyed as a set: the model offers a reconcile of every ready key at once
            # (model.controllers.base.enabled), and nothing else reads the queue's order.
            parts = sorted(map(self._value, value))
            return (hash(("set", tuple([p[0] for p in parts]))), tuple(chain.from_iterable([p[1] for p in parts])))
        if isinstance(value, (tuple, list)):
            parts = list(map(self._value, value))
            return (hash(("seq", tuple([p[0] for p in parts]))), tuple(chain.from_iterable([p[1] for p in parts])))
        if layout is None:
            layout = self._layouts[cls] = _layout(cls)
            if layout:
                return self._record(value, layout)
        if isinstance(value, Hashable):
            return (hash((cls.__qualname__, value)), ())
        raise TypeError(f"cannot key a {cls.__qualname__}")

    def _record(self, value: Any, layout: Layout) -> Shape:
        """An attrs object: its fields' shapes in order (:meth:`_value` inlined for the common cases)."""
        cls = type(value)
        strings, shapes = self._strings, self._shapes
        hashes, atoms = [], []
        for name, special in layout:
            part = getattr(value, name)
            if special is True:
                part = self._shape(part, name, cls)
            elif special:  # a time, or a map holding times (properties.relative_time)
                part = self._time(part) if special == TIME_KIND else self._shape(part, special, cls)
            else:
                kind = type(part)
                if kind is str:
                    part = strings.get(part) or self._string(part)
                elif kind in _SCALARS:
                    found = hash(part)
                    hashes.append(found if found != -2 else _scalar(part))
                    continue
                else:
                    cached = shapes.get(id(part))
                    part = cached[1] if cached is not None and cached[0] is part else self._value(part)
            hashes.append(part[0])
            if part[1]:
                atoms.append(part[1])
        return (hash((cls.__qualname__, tuple(hashes))), tuple(chain.from_iterable(atoms)))

    def _time(self, value: Any) -> Shape:
        """An absolute time (:mod:`properties.relative_time`): an atom labelled relative to now (:func:`_ranks`); a
        map of times (the scheduler's back-offs in its memory); a time written as a string is read as absolute, so it
        takes the :data:`ABSOLUTE` atom, labelled with the clock itself."""
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < SPAN:
            return (_TIME_HASH, (TIME + value,))
        if value is None:
            return (hash(None), ())
        if isinstance(value, FrozenDict):
            return self._shape(value, TIME_MAP)
        return (hash(("absolute", value)), (ABSOLUTE,))

    def _memory_value(self, value: Any) -> Shape:
        """A controller's memory: a digit string there is a resourceVersion (the Endpoints controller's)."""
        if isinstance(value, str) and value.isdigit():
            return (_RV_HASH, (int(value) * 4,))
        if isinstance(value, FrozenDict):
            return self._shape(value, "memory")
        return self._shape(value)


Layout = tuple[tuple[str, "bool | str"], ...]
"""An attrs class's fields in order, each with how its value is read: plainly (False), as an atom, a memory or a
queue (True: see :meth:`_Shapes._shape`), or as a time or a map holding times (its kind in
:func:`properties.relative_time.field_kinds`)."""


def _layout(cls: type) -> Layout:
    """The :data:`Layout` of ``cls``; empty for a class that is not attrs."""
    if not attrs.has(cls):
        return ()
    kinds = field_kinds(cls)
    return tuple((f.name, kinds.get(f.name) or f.name in _RV_FIELDS or f.name in _READ_AS
                  or (f.name == "revision" and cls in _REVISION_OWNERS) or (f.name == "uids" and cls is Store))
                 for f in attrs.fields(cls))


def _whole(text: str, match: re.Match) -> bool:
    """Whether a node name found in ``text`` stands alone (not part of a longer name)."""
    before = text[match.start() - 1] if match.start() else ""
    after = text[match.end()] if match.end() < len(text) else ""
    return not (before.isalnum() or before == "-") and not (after.isalnum() or after == "-")


def _ranks(atoms: tuple, named: dict[int, int] | None = None, now: int = 0) -> dict[int, int]:
    """Each atom's canonical label: its rank within its class (generated names: among those of their prefix), or
    the label ``named`` gives it (:func:`_identities`); a time's label is its distance from ``now`` (and
    :data:`ABSOLUTE`'s encodes ``now`` itself)."""
    distinct = set(atoms)
    if named:
        distinct.difference_update(named)
    # One sort orders revisions, then uids, then generated names by prefix: an atom's index there is its rank within
    # its class (or prefix) plus the number of atoms of the classes (prefixes) before it, which any relabelling that
    # keeps the order within each class keeps too. Times sort last and are not ranked.
    ordered = sorted(distinct)
    cut = bisect.bisect_left(ordered, TIME)
    labels = {atom: index for index, atom in enumerate(ordered[:cut])}
    labels.update((atom, atom - TIME - now) for atom in ordered[cut:])
    if named:
        labels.update(named)
    return labels


def _horizon(state: ClusterState) -> int:
    """A revision every informer has observed: just below the oldest event still in the log (or the store's last
    revision when the log is empty). Every informer's position (:func:`model.state.position`) is at least that, so a
    revision up to it is in no watch event any more, and every cache holds the version of each object the store
    holds at that revision or earlier."""
    return state.events[0].revision - 1 if state.events else state.store.revision


def _identities(state: ClusterState, horizon: int, renaming: dict[str, str] | None = None) -> dict[tuple, Any]:
    """Labels for the atoms whose order nothing observes, so that they are not ranked: each Node's uid and its
    resourceVersion if written no later than ``horizon``, labelled by the node's name; and the revision of each
    informer whose watch has reached ``horizon``, labelled alike ("caught up").

    Creation order hands the nodes their uids and first revisions (node-a gets the smaller), which would keep two
    states that differ by a permutation of interchangeable nodes apart. A label by name keeps equality (all the model
    does with a uid, and with such a resourceVersion: an update's precondition, a controller comparing the version
    it saw) and drops the order among the other atoms, which nothing observes: the model orders uids only of pods
    (the scheduler's queue), and revisions only of watch events against an informer's (every event still in the log
    is later than ``horizon``, so an informer's revision up to it leaves the same events to deliver whatever its
    value) and of a PersistentVolume(Claim)'s versions (the volume binder's assume cache), not labelled here."""
    labels: dict[int, int] = {}
    nodes = state.store.list("Node")
    if renaming:  # the state with its nodes renamed: the name order is the order of the new names
        nodes = sorted(nodes, key=lambda node: renaming.get(node.name, node.name))
    for index, node in enumerate(nodes):  # in name order: the label is the name's place
        meta = node.metadata
        match = _UID.fullmatch(meta.uid or "")
        if match:
            labels[UID + int(match.group(1))] = -2 * index - 2
        version = meta.resource_version
        if version and version.isdigit() and int(version) <= horizon:
            labels[int(version) * 4] = -2 * index - 3
    mark = _COUNTERS[Informer]
    for informer in state.informers.values():
        if informer.revision <= horizon:
            labels[informer.revision * 4 + mark] = CAUGHT_UP
    return labels


def interchangeable_nodes(state: ClusterState) -> tuple[tuple[str, ...], ...]:
    """Classes of nodes that differ only by name: the same spec (taints, unschedulable), the same labels but for
    ``kubernetes.io/hostname``, the same capacity and allocatable. The key is then the least over the permutations
    within each class. Any permutation of node names keeps the model's behaviour, as long as the model never treats
    one name differently from another (its scheduler offers every tied node rather than picking by name); the classes
    only choose the permutations worth trying. Classes of one node are left out."""
    groups: dict[Any, list[str]] = {}
    for node in state.store.list("Node"):
        labels = node.metadata.labels.discard("kubernetes.io/hostname")
        signature = (node.spec, labels, node.status.capacity, node.status.allocatable)
        groups.setdefault(signature, []).append(node.name)
    return tuple(tuple(sorted(names)) for names in groups.values() if len(names) > 1)
