"""Tests for model.auth.rbac and model.auth.identity.

Tables are ported from plugin/pkg/auth/authorizer/rbac/rbac_test.go (TestAuthorizer, TestRuleMatches),
pkg/registry/rbac/validation/rule_test.go (TestAppliesTo, TestDefaultRuleResolver) and
pkg/auth/nodeidentifier/default_test.go (TestDefaultNodeIdentifier_NodeIdentity); the Forbidden messages follow
staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go (forbiddenMessage).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.auth.identity import (
    ADMIN,
    SCHEDULER,
    SYSTEM_MASTERS,
    UserInfo,
    controller_identity,
    kubelet_identity,
    node_identity,
    service_account,
    user,
)
from model.auth.rbac import (
    Decision,
    RequestAttributes,
    applies_to,
    authorize,
    forbidden_message,
    rule_allows,
)
from model.objects.rbac import ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject


def rule(verbs: str, groups: str, resources: str, names: str = "") -> PolicyRule:
    """rbac_test.go's newRule: comma-separated lists."""
    data: dict[str, Any] = {"verbs": verbs.split(","), "apiGroups": groups.split(","),
                            "resources": resources.split(",")}
    if names:
        data["resourceNames"] = names.split(",")
    return PolicyRule.from_dict(data)


def subjects(*specs: str) -> list[dict[str, str]]:
    """``Kind:name`` (or ``ServiceAccount:namespace:name``) subjects, as rbac_test.go writes them."""
    out = []
    for spec in specs:
        kind, rest = spec.split(":", 1)
        if kind == "ServiceAccount" and ":" in rest:
            namespace, name = rest.split(":", 1)
            out.append({"kind": kind, "name": name, "namespace": namespace})
        else:
            out.append({"kind": kind, "name": rest})
    return out


def cluster_role(name: str, *rules: PolicyRule) -> ClusterRole:
    return ClusterRole.from_dict({"metadata": {"name": name}, "rules": [r.to_dict() for r in rules]})


def role(namespace: str, name: str, *rules: PolicyRule) -> Role:
    return Role.from_dict({"metadata": {"name": name, "namespace": namespace}, "rules": [r.to_dict() for r in rules]})


def cluster_binding(role_name: str, *specs: str, name: str = "") -> ClusterRoleBinding:
    return ClusterRoleBinding.from_dict({"metadata": {"name": name or f"bind-{role_name}"},
                                         "roleRef": {"kind": "ClusterRole", "name": role_name},
                                         "subjects": subjects(*specs)})


def binding(namespace: str, role_name: str, *specs: str, kind: str = "Role", name: str = "") -> RoleBinding:
    return RoleBinding.from_dict({"metadata": {"name": name or f"bind-{role_name}", "namespace": namespace},
                                  "roleRef": {"kind": kind, "name": role_name}, "subjects": subjects(*specs)})


def request(who: UserInfo, verb: str, resource: str, namespace: str | None = None, *, group: str = "",
            subresource: str = "", name: str = "") -> RequestAttributes:
    return RequestAttributes(who, verb, group, resource, subresource, namespace, name)


def bare(name: str, *groups: str) -> UserInfo:
    """A user.DefaultInfo exactly as upstream tests build it (no implicit system:authenticated)."""
    return UserInfo(name, groups)


# --- TestRuleMatches (rbac_test.go) ------------------------------------------------------------------------

RULE_MATCHES = [
    ("star verb, exact match other", rule("*", "group1", "resource1"), {
        ("verb1", "group1", "resource1"): True, ("verb1", "group2", "resource1"): False,
        ("verb1", "group1", "resource2"): False, ("verb1", "group2", "resource2"): False,
        ("verb2", "group1", "resource1"): True, ("verb2", "group2", "resource1"): False,
        ("verb2", "group1", "resource2"): False, ("verb2", "group2", "resource2"): False}),
    ("star group, exact match other", rule("verb1", "*", "resource1"), {
        ("verb1", "group1", "resource1"): True, ("verb1", "group2", "resource1"): True,
        ("verb1", "group1", "resource2"): False, ("verb1", "group2", "resource2"): False,
        ("verb2", "group1", "resource1"): False, ("verb2", "group2", "resource1"): False,
        ("verb2", "group1", "resource2"): False, ("verb2", "group2", "resource2"): False}),
    ("star resource, exact match other", rule("verb1", "group1", "*"), {
        ("verb1", "group1", "resource1"): True, ("verb1", "group2", "resource1"): False,
        ("verb1", "group1", "resource2"): True, ("verb1", "group2", "resource2"): False,
        ("verb2", "group1", "resource1"): False, ("verb2", "group2", "resource1"): False,
        ("verb2", "group1", "resource2"): False, ("verb2", "group2", "resource2"): False}),
    ("tuple expansion", rule("verb1,verb2", "group1,group2", "resource1,resource2"), {
        (verb, group, resource): True for verb in ("verb1", "verb2") for group in ("group1", "group2")
        for resource in ("resource1", "resource2")}),
]


@pytest.mark.parametrize(("case", "policy", "expected"), RULE_MATCHES, ids=[c[0] for c in RULE_MATCHES])
def test_rule_matches(case: str, policy: PolicyRule, expected: dict[tuple[str, str, str], bool]) -> None:
    for (verb, group, resource), allowed in expected.items():
        assert rule_allows(request(bare("u"), verb, resource, group=group), policy) is allowed, (verb, group, resource)


@pytest.mark.parametrize(("verb", "group", "resource", "subresource", "allowed"), [
    # "subresource expansion" in TestRuleMatches
    ("verb1", "group1", "resource1", "subresource1", True),
    ("verb1", "group2", "resource1", "subresource2", False),
    ("verb1", "group1", "resource2", "subresource1", False),
    ("verb1", "group2", "resource2", "subresource1", False),
    ("verb2", "group1", "resource1", "subresource1", True),
    ("verb2", "group2", "resource1", "subresource2", False),
])
def test_rule_matches_subresource_expansion(verb: str, group: str, resource: str, subresource: str,
                                            allowed: bool) -> None:
    policy = rule("*", "*", "resource1/subresource1")
    attrs = request(bare("u"), verb, resource, group=group, subresource=subresource)
    assert rule_allows(attrs, policy) is allowed


@pytest.mark.parametrize(("resources", "resource", "subresource", "allowed"), [
    # evaluation_helpers.go ResourceMatches: "*", exact, and "*/subresource" for any resource.
    ("*/scale", "deployments", "scale", True),
    ("*/scale", "statefulsets", "scale", True),
    ("*/scale", "deployments", "", False),
    ("*/scale", "deployments", "status", False),
    ("*/status", "pods", "status", True),
    ("*", "pods", "status", True),
    ("pods", "pods", "status", False),
    ("pods/status", "pods", "", False),
    ("*/xscale", "deployments", "scale", False),
])
def test_resource_matches_star_subresource(resources: str, resource: str, subresource: str, allowed: bool) -> None:
    attrs = request(bare("u"), "get", resource, "ns", group="apps", subresource=subresource)
    assert rule_allows(attrs, rule("get", "*", resources)) is allowed


@pytest.mark.parametrize(("verb", "subresource", "name", "allowed"), [
    ("get", "", "mine", True),
    ("get", "", "other", False),
    ("get", "", "", False),            # a list has no name: resourceNames restrict it away
    ("update", "", "mine", True),
    ("create", "", "mine", False),     # a create posts to the collection: never matched by resourceNames
    ("deletecollection", "", "mine", False),
    ("create", "token", "mine", True),  # a subresource create names its parent
])
def test_resource_names(verb: str, subresource: str, name: str, allowed: bool) -> None:
    policy = rule("get,update,create,deletecollection", "", "serviceaccounts,serviceaccounts/token", names="mine")
    attrs = request(bare("u"), verb, "serviceaccounts", "ns", subresource=subresource, name=name)
    assert rule_allows(attrs, policy) is allowed


# --- TestAppliesTo (rule_test.go) --------------------------------------------------------------------------

APPLIES_TO = [
    ("single subject that matches username", ["User:foobar"], bare("foobar"), "", True),
    ("multiple subjects, one that matches username", ["User:barfoo", "User:foobar"], bare("foobar"), "", True),
    ("multiple subjects, none that match username", ["User:barfoo", "User:foobar"], bare("zimzam"), "", False),
    ("multiple subjects, one that match group", ["User:barfoo", "Group:foobar"], bare("zimzam", "foobar"), "",
     True),
    ("multiple subjects, one that match group, should ignore namespace", ["User:barfoo", "Group:foobar"],
     bare("zimzam", "foobar"), "namespace1", True),
    ("multiple subjects with a service account that matches",
     ["User:barfoo", "Group:foobar", "ServiceAccount:kube-system:default"],
     bare("system:serviceaccount:kube-system:default"), "default", True),
    ("* user subject name doesn't match all users", ["User:*"], bare("foobar"), "default", False),
    ("binding to all authenticated and unauthenticated subjects matches authenticated user",
     ["Group:system:authenticated", "Group:system:unauthenticated"], bare("foobar", "system:authenticated"),
     "default", True),
    ("binding to all authenticated and unauthenticated subjects matches anonymous user",
     ["Group:system:authenticated", "Group:system:unauthenticated"],
     bare("system:anonymous", "system:unauthenticated"), "default", True),
]


@pytest.mark.parametrize(("case", "specs", "who", "namespace", "expected"), APPLIES_TO, ids=[c[0] for c in APPLIES_TO])
def test_applies_to(case: str, specs: list[str], who: UserInfo, namespace: str, expected: bool) -> None:
    subs = [Subject.from_dict(s) for s in subjects(*specs)]
    assert (applies_to(who, subs, namespace) is not None) is expected


def test_service_account_subject_without_namespace_defaults_to_the_binding_namespace() -> None:
    """appliesToUser: an unqualified ServiceAccount subject means the binding's namespace, and never applies
    from a ClusterRoleBinding (no namespace to default to). The model's Subject requires a namespace on
    decode, so the unqualified subject is built directly."""
    sa = Subject(kind="ServiceAccount", name="builder")
    assert applies_to(service_account("ci", "builder"), [sa], "ci") == sa
    assert applies_to(service_account("ci", "builder"), [sa], "other") is None
    assert applies_to(service_account("ci", "builder"), [sa], "") is None


# --- TestAuthorizer (rbac_test.go) -------------------------------------------------------------------------

def _run(cluster_roles: list[ClusterRole], role_bindings: list[RoleBinding],
         passes: list[RequestAttributes], fails: list[RequestAttributes], roles: list[Role] = (),
         cluster_role_bindings: list[ClusterRoleBinding] = ()) -> None:
    for attrs in passes:
        assert authorize(attrs, roles, cluster_roles, role_bindings, cluster_role_bindings).allowed, attrs
    for attrs in fails:
        assert not authorize(attrs, roles, cluster_roles, role_bindings, cluster_role_bindings).allowed, attrs


def test_authorizer_role_binding_to_cluster_role() -> None:
    admin_role = [cluster_role("admin", rule("*", "*", "*"))]
    bindings = [binding("ns1", "admin", "User:admin", "Group:admins", kind="ClusterRole")]
    _run(admin_role, bindings,
         passes=[request(bare("admin"), "get", "Pods", "ns1"), request(bare("admin"), "watch", "Pods", "ns1"),
                 request(bare("admin", "group1"), "watch", "Foobar", "ns1"),
                 request(bare("joe", "admins"), "watch", "Foobar", "ns1"),
                 request(bare("joe", "group1", "admins"), "watch", "Foobar", "ns1")],
         fails=[request(bare("admin"), "GET", "Pods", "ns2"), request(bare("admin"), "GET", "Nodes"),
                request(bare("admin", "admins"), "GET", "Pods", "ns2"),
                request(bare("admin", "admins"), "GET", "Nodes")])


@pytest.mark.parametrize(("resources", "allowed_subresource", "denied_subresource"), [
    ("pods", "", "status"),
    ("pods/status", "status", ""),
])
def test_authorizer_subresource_resolution(resources: str, allowed_subresource: str, denied_subresource: str) -> None:
    admin_role = [cluster_role("admin", rule("*", "*", resources))]
    bindings = [binding("ns1", "admin", "User:admin", "Group:admins", kind="ClusterRole")]
    _run(admin_role, bindings,
         passes=[request(bare("admin"), "get", "pods", "ns1", subresource=allowed_subresource)],
         fails=[request(bare("admin"), "get", "pods", "ns1", subresource=denied_subresource)])


def test_default_rule_resolver() -> None:
    """TestDefaultRuleResolver, as decisions: a Role binding applies in its namespace only; cluster-wide,
    only ClusterRoleBindings count."""
    read = PolicyRule.from_dict({"verbs": ["GET", "WATCH"], "apiGroups": ["v1"], "resources": ["pods", "services"]})
    roles = [role("namespace1", "readthings", read)]
    cluster_roles = [cluster_role("cluster-admin", rule("*", "*", "*")),
                     cluster_role("write-nodes", rule("PUT,CREATE,UPDATE", "v1", "nodes"))]
    role_bindings = [binding("namespace1", "readthings", "User:foobar", "Group:group1")]
    cluster_bindings = [cluster_binding("cluster-admin", "User:admin", "Group:admin")]
    _run(cluster_roles, role_bindings, roles=roles, cluster_role_bindings=cluster_bindings,
         passes=[request(bare("foobar"), "GET", "pods", "namespace1", group="v1"),
                 request(bare("x", "group1"), "WATCH", "services", "namespace1", group="v1"),
                 request(bare("foobar", "admin"), "delete", "nodes", name="n")],
         fails=[request(bare("foobar"), "GET", "pods", "namespace2", group="v1"),
                request(bare("foobar"), "GET", "pods", group="v1"),
                request(bare("foobar"), "CREATE", "nodes", group="v1"),
                request(bare(""), "GET", "pods", "namespace1", group="v1")])


def test_role_binding_looks_up_its_role_in_its_own_namespace() -> None:
    roles = [role("a", "reader", rule("get", "", "pods")), role("b", "writer", rule("*", "", "pods"))]
    bindings = [binding("a", "writer", "User:bob"), binding("b", "reader", "User:bob")]
    decision_a = authorize(request(user("bob"), "delete", "pods", "a", name="p"), roles, (), bindings)
    assert not decision_a.allowed
    assert decision_a.authorizer_reason == 'RBAC: role.rbac.authorization.k8s.io "writer" not found'
    assert not authorize(request(user("bob"), "get", "pods", "b", name="p"), roles, (), bindings).allowed


def test_role_binding_to_a_cluster_role_grants_only_in_its_namespace() -> None:
    roles = [cluster_role("edit-pods", rule("*", "", "pods"))]
    bindings = [binding("dev", "edit-pods", "User:bob", kind="ClusterRole", name="bob-dev")]
    allowed = authorize(request(user("bob"), "create", "pods", "dev"), (), roles, bindings)
    assert allowed == Decision(True, 'RBAC: allowed by RoleBinding "bob-dev/dev" of ClusterRole "edit-pods" to '
                                     'User "bob"', allowed.reason)
    assert not authorize(request(user("bob"), "create", "pods", "prod"), (), roles, bindings).allowed
    assert not authorize(request(user("bob"), "list", "pods"), (), roles, bindings).allowed


def test_binding_to_a_missing_role_grants_nothing_and_says_so() -> None:
    """GetRoleReferenceRules' NotFound errors become the denial reason (aggregated, de-duplicated)."""
    cluster_bindings = [cluster_binding("ghost", "User:bob", name="b1"),
                        cluster_binding("ghost", "User:bob", name="b2"), cluster_binding("phantom", "Group:devs")]
    attrs = request(user("bob", "devs"), "get", "pods", "dev", name="p")
    decision = authorize(attrs, cluster_role_bindings=cluster_bindings)
    reason = ('RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, '
              'clusterrole.rbac.authorization.k8s.io "phantom" not found]')
    assert decision == Decision(False, f"{forbidden_message(attrs)}: {reason}", reason)
    # once the role exists, the same binding grants its rules
    ghost = cluster_role("ghost", rule("get", "", "pods"))
    assert authorize(attrs, cluster_roles=[ghost], cluster_role_bindings=cluster_bindings).allowed
    # a binding that does not name the user contributes no error
    assert authorize(request(user("eve"), "get", "pods", "dev"), cluster_role_bindings=cluster_bindings) == Decision(
        False, 'pods is forbidden: User "eve" cannot get resource "pods" in API group "" in the namespace "dev"')


def test_cluster_role_bindings_are_visited_before_role_bindings() -> None:
    roles = [cluster_role("all", rule("*", "*", "*"))]
    decision = authorize(request(user("bob"), "get", "pods", "dev"), (), roles,
                         [binding("dev", "all", "User:bob", kind="ClusterRole", name="local")],
                         [cluster_binding("all", "User:bob", name="global")])
    assert decision.reason == 'RBAC: allowed by ClusterRoleBinding "global" of ClusterRole "all" to User "bob"'


def test_system_masters_bypasses_rbac() -> None:
    assert authorize(request(ADMIN, "delete", "nodes", name="n1")).allowed
    assert authorize(request(bare("root", SYSTEM_MASTERS), "escalate", "clusterroles", group="x")).allowed
    assert not authorize(request(user("root", "system:master"), "get", "pods", "ns")).allowed


# --- Forbidden messages ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("attrs", "message"), [
    (request(user("bob"), "create", "pods", "prod", name="ignored-on-create"),
     'pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "prod"'),
    (request(user("bob"), "get", "pods"),
     'pods is forbidden: User "bob" cannot get resource "pods" in API group "" at the cluster scope'),
    (request(user("bob"), "get", "pods", "prod", name="x"),
     'pods "x" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "prod"'),
    (request(user("bob"), "update", "deployments", "prod", group="apps", subresource="scale", name="web"),
     'deployments.apps "web" is forbidden: User "bob" cannot update resource "deployments/scale" in API group '
     '"apps" in the namespace "prod"'),
    (request(user("bob"), "delete", "nodes", "", name="n1"),
     'nodes "n1" is forbidden: User "bob" cannot delete resource "nodes" in API group "" at the cluster scope'),
])
def test_forbidden_message(attrs: RequestAttributes, message: str) -> None:
    assert forbidden_message(attrs) == message
    assert authorize(attrs) == Decision(False, message)


# --- scenarios -------------------------------------------------------------------------------------------

def test_user_bound_only_in_dev_is_denied_in_prod() -> None:
    edit = cluster_role("edit", rule("create,delete,get,list,patch,update,watch", "", "pods"))
    bindings = [binding("dev", "edit", "User:bob", kind="ClusterRole", name="bob-edit")]
    assert authorize(request(user("bob"), "create", "pods", "dev"), (), [edit], bindings).allowed
    assert authorize(request(user("bob"), "create", "pods", "prod"), (), [edit], bindings) == Decision(
        False, 'pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "prod"')


@given(verb=st.sampled_from(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]),
       resource=st.sampled_from(["pods", "services", "secrets", "deployments", "nodes"]),
       namespace=st.one_of(st.none(), st.sampled_from(["dev", "prod", "kube-system"])))
@settings(max_examples=40)
def test_unbound_user_gets_nothing(verb: str, resource: str, namespace: str | None) -> None:
    """With bindings that name others, an authenticated user with no binding of their own is denied everything."""
    roles = [cluster_role("all", rule("*", "*", "*"))]
    bindings = [binding("dev", "all", "User:alice", "Group:admins", kind="ClusterRole")]
    cluster_bindings = [cluster_binding("all", "User:root", "ServiceAccount:kube-system:bob")]
    attrs = request(user("bob"), verb, resource, namespace)
    assert not authorize(attrs, (), roles, bindings, cluster_bindings).allowed


# --- properties ------------------------------------------------------------------------------------------

NAMESPACES = st.sampled_from(["a", "b", "c"])
VERBS = st.sampled_from(["get", "list", "create", "update", "delete"])
RESOURCES = st.sampled_from(["pods", "secrets", "configmaps"])


@st.composite
def role_bindings(draw: st.DrawFn) -> list[RoleBinding]:
    return [binding(draw(NAMESPACES), "all", f"User:{draw(st.sampled_from(['u1', 'u2']))}", kind="ClusterRole",
                    name=f"rb{i}") for i in range(draw(st.integers(0, 4)))]


@given(bindings=role_bindings(), who=st.sampled_from(["u1", "u2"]), verb=VERBS, resource=RESOURCES, ns=NAMESPACES)
@settings(max_examples=60)
def test_role_bindings_grant_exactly_in_their_namespace(bindings: list[RoleBinding], who: str, verb: str,
                                                        resource: str, ns: str) -> None:
    roles = [cluster_role("all", rule("*", "*", "*"))]
    expected = any(b.namespace == ns and b.subjects[0].name == who for b in bindings)
    assert authorize(request(user(who), verb, resource, ns), (), roles, bindings).allowed is expected


@given(first=role_bindings(), extra=role_bindings(), verb=VERBS, resource=RESOURCES, ns=NAMESPACES)
@settings(max_examples=60)
def test_adding_bindings_never_revokes(first: list[RoleBinding], extra: list[RoleBinding], verb: str,
                                       resource: str, ns: str) -> None:
    """RBAC is purely additive: more bindings can only allow more."""
    roles = [cluster_role("all", rule("get,list", "", "pods,secrets"))]
    attrs = request(user("u1"), verb, resource, ns)
    if authorize(attrs, (), roles, first).allowed:
        assert authorize(attrs, (), roles, first + extra).allowed


# --- identity (pkg/auth/nodeidentifier/default_test.go, serviceaccount/util.go) ----------------------------

@pytest.mark.parametrize(("who", "expected"), [
    (bare("system:node:foo"), None),                  # node username without group
    (bare("foo", "system:nodes"), None),              # node group without username
    (bare("system:node:foo", "system:nodes"), "foo"),
    (bare("system:node:", "system:nodes"), ""),       # a node identity that names no node
])
def test_node_identity(who: UserInfo, expected: str | None) -> None:
    assert node_identity(who) == expected


def test_component_identities() -> None:
    assert user("bob", "devs") == UserInfo("bob", ("devs", "system:authenticated"))
    assert user("bob", "system:authenticated").groups == ("system:authenticated",)
    assert SCHEDULER == UserInfo("system:kube-scheduler", ("system:authenticated",))
    assert controller_identity("job-controller") == UserInfo(
        "system:serviceaccount:kube-system:job-controller",
        ("system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"))
    assert kubelet_identity("n1") == UserInfo("system:node:n1", ("system:nodes", "system:authenticated"))
    assert node_identity(kubelet_identity("n1")) == "n1"
    assert SYSTEM_MASTERS in ADMIN.groups
