"""properties.users.by_kind: the user's moves are drawn by kind, so a move offered once (a stale precondition delete,
``kubectl set image``) is one kind among a few dozen rather than one move among ~140; and the check's settled start
gets twice the user budget (properties.chunks)."""

from __future__ import annotations

import functools

import attrs

from model import manifests
from model.actions import Submit
from model.apiserver import requests as rq
from model.examples import DIRECTORY as EXAMPLES
from model.state import ClusterState
from properties.check import Profile
from properties.chunks import SETTLED_BUDGET_FACTOR, plan
from properties.explore import Scenario
from properties.registry import by_name
from properties.users import by_kind, user_actions


@functools.cache
def _settled() -> ClusterState:
    return Scenario("default", tuple(manifests.load([EXAMPLES])), settled=True).initial()


def _kind_of(kinds: list[list], test) -> list:  # noqa: ANN001 - a predicate on one move
    found = [kind for kind in kinds if any(test(move) for move in kind)]
    assert len(found) == 1, found
    return found[0]


def _request(move: object) -> object:
    return move.request if isinstance(move, Submit) else None


def test_every_move_is_in_exactly_one_kind_in_the_order_given() -> None:
    state = _settled()
    moves = list(user_actions(state))
    kinds = by_kind(state, moves)
    assert sorted(map(repr, (m for kind in kinds for m in kind))) == sorted(map(repr, moves))
    for kind in kinds:
        assert kind == [m for m in moves if m in kind]
    assert 20 < len(kinds) < len(moves) / 2


def test_a_stale_precondition_delete_is_a_kind_of_its_own() -> None:
    state = _settled()
    kinds = by_kind(state, list(user_actions(state)))
    versions = [getattr(_request(m), "precondition_resource_version", None) for m in user_actions(state)]
    held = sorted((v for v in versions if v is not None), key=int)
    assert len(held) == 2
    stale = _kind_of(kinds, lambda m: getattr(_request(m), "precondition_resource_version", None) == held[0])
    current = _kind_of(kinds, lambda m: getattr(_request(m), "precondition_resource_version", None) == held[1])
    assert len(stale) == len(current) == 1 and stale != current


def test_set_image_and_scale_are_different_kinds_and_scale_to_zero_is_a_scale() -> None:
    state = _settled()
    kinds = by_kind(state, list(user_actions(state)))
    web = state.store.get("Deployment", "prod", "web")

    def updates(move: object, test) -> bool:  # noqa: ANN001 - a predicate on the updated object
        request = _request(move)
        return isinstance(request, rq.Update) and request.object.kind == "Deployment" and \
            request.object.name == "web" and test(request.object)
    image = _kind_of(kinds, lambda m: updates(m, lambda d: d.spec.template != web.spec.template))
    scale = _kind_of(kinds, lambda m: updates(m, lambda d: d.spec.replicas != web.spec.replicas and
                                             d.metadata.resource_version == web.metadata.resource_version and
                                             _request(m).user.name == "kubernetes-admin"))
    assert image != scale
    to_zero = _kind_of(kinds, lambda m: isinstance(_request(m), rq.Update) and _request(m).object.kind ==
                       "StatefulSet" and _request(m).object.spec.replicas == 0)
    assert any(_request(m).object.spec.replicas == 4 for m in to_zero)  # scaled up, down and to zero: one kind


def test_the_suspended_job_can_be_resumed() -> None:
    state = _settled()
    assert state.store.get("Job", "dev", "export").spec.suspend
    resumes = [m for m in user_actions(state) if isinstance(_request(m), rq.Update) and
               _request(m).object.kind == "Job" and not _request(m).object.spec.suspend]
    assert [r.request.object.name for r in resumes] == ["export"]


def test_a_move_of_a_type_never_seen_gets_a_kind_of_its_own() -> None:
    @attrs.frozen
    class Drain:
        node: str

    state = _settled()
    moves = [*user_actions(state), Drain("worker-1"), Drain("worker-2")]
    kinds = by_kind(state, moves)
    assert kinds[-1] == [Drain("worker-1"), Drain("worker-2")]
    assert len(kinds) == len(by_kind(state, moves[:-2])) + 1


def test_the_settled_start_gets_twice_the_user_budget() -> None:
    scenario = Scenario("default", tuple(manifests.load([EXAMPLES])))
    chunks = plan(scenario, by_name(["names-unique"]), Profile("p", 20, 5), 0)
    assert [c.scenario.settled for c in chunks] == [False, True]
    assert [c.scenario.user_budget for c in chunks] == [3, 3 * SETTLED_BUDGET_FACTOR]


def test_replay_accepts_the_environments_moves_that_no_component_offers() -> None:
    from model.config import ModelConfig
    from model.kubelet.component import ContainerBecomesUnready
    from properties.replay import _applicable

    state = _settled()
    unready = next(m for m in user_actions(state) if isinstance(m, ContainerBecomesUnready))
    assert _applicable(state, unready, ModelConfig())
    assert not _applicable(state, unready, ModelConfig(), kubectl=False)
