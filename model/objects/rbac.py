"""RBAC: Role, ClusterRole, RoleBinding, ClusterRoleBinding.

Source: staging/src/k8s.io/api/rbac/v1/types.go; validation from pkg/apis/rbac/validation/validation.go.
Doc: https://kubernetes.io/docs/reference/access-authn-authz/rbac/
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from model.errors import join_path
from model.objects.meta import KubeObject, ObjectMeta, metadata_field
from model.schema import RAW, STR, Serializable, enum, field, list_of, nested, require

RBAC_GROUP = "rbac.authorization.k8s.io"


@attrs.frozen
class PolicyRule(Serializable):
    """rbac/v1 PolicyRule: ``*`` is a wildcard in verbs, apiGroups and resources."""

    verbs: tuple[str, ...] = field("verbs", list_of(STR), required=True)
    api_groups: tuple[str, ...] = field("apiGroups", list_of(STR), ())
    resources: tuple[str, ...] = field("resources", list_of(STR), ())
    resource_names: tuple[str, ...] = field("resourceNames", list_of(STR), ())
    non_resource_urls: tuple[str, ...] = field("nonResourceURLs", list_of(STR), ())

    def _defaulted(self, path: str) -> PolicyRule:
        require(bool(self.verbs), "Required value: verbs must contain at least one value", join_path(path, "verbs"))
        return self


@attrs.frozen
class Role(KubeObject):
    API_VERSION: ClassVar[str] = f"{RBAC_GROUP}/v1"
    KIND: ClassVar[str] = "Role"
    RESOURCE: ClassVar[str] = "roles"

    metadata: ObjectMeta = metadata_field()
    rules: tuple[PolicyRule, ...] = field("rules", list_of(nested(PolicyRule)), ())


@attrs.frozen
class ClusterRole(KubeObject):
    API_VERSION: ClassVar[str] = f"{RBAC_GROUP}/v1"
    KIND: ClassVar[str] = "ClusterRole"
    NAMESPACED: ClassVar[bool] = False
    RESOURCE: ClassVar[str] = "clusterroles"

    metadata: ObjectMeta = metadata_field()
    rules: tuple[PolicyRule, ...] = field("rules", list_of(nested(PolicyRule)), ())
    aggregation_rule: Any = field("aggregationRule", RAW)


@attrs.frozen
class Subject(Serializable):
    """rbac/v1 Subject: a User, Group or ServiceAccount (whose namespace defaults to a RoleBinding's own; a
    ClusterRoleBinding must name it)."""

    kind: str = field("kind", enum("User", "Group", "ServiceAccount"), required=True)
    name: str = field("name", STR, required=True)
    namespace: str | None = field("namespace", STR)
    api_group: str | None = field("apiGroup", STR)

    def _defaulted(self, path: str) -> Subject:
        """SetDefaults_Subject (the namespace rule is the binding's: ValidateRoleBindingSubject)."""
        if self.kind == "ServiceAccount":
            return self
        return attrs.evolve(self, api_group=RBAC_GROUP) if self.api_group is None else self


@attrs.frozen
class RoleRef(Serializable):
    kind: str = field("kind", enum("Role", "ClusterRole"), required=True)
    name: str = field("name", STR, required=True)
    api_group: str = field("apiGroup", STR, RBAC_GROUP)


@attrs.frozen
class RoleBinding(KubeObject):
    """Grants a Role (or a ClusterRole's rules) to subjects within the binding's own namespace."""

    API_VERSION: ClassVar[str] = f"{RBAC_GROUP}/v1"
    KIND: ClassVar[str] = "RoleBinding"
    RESOURCE: ClassVar[str] = "rolebindings"

    metadata: ObjectMeta = metadata_field()
    role_ref: RoleRef = field("roleRef", nested(RoleRef), required=True)
    subjects: tuple[Subject, ...] = field("subjects", list_of(nested(Subject)), ())


@attrs.frozen
class ClusterRoleBinding(KubeObject):
    """Grants a ClusterRole's rules to subjects in every namespace."""

    API_VERSION: ClassVar[str] = f"{RBAC_GROUP}/v1"
    KIND: ClassVar[str] = "ClusterRoleBinding"
    NAMESPACED: ClassVar[bool] = False
    RESOURCE: ClassVar[str] = "clusterrolebindings"

    metadata: ObjectMeta = metadata_field()
    role_ref: RoleRef = field("roleRef", nested(RoleRef), required=True)
    subjects: tuple[Subject, ...] = field("subjects", list_of(nested(Subject)), ())

    def _defaulted(self, path: str) -> ClusterRoleBinding:
        """ValidateClusterRoleBinding: a ClusterRole, and ServiceAccount subjects with a namespace
        (ValidateRoleBindingSubject with isNamespaced false; pkg/apis/rbac/validation/validation.go)."""
        require(self.role_ref.kind == "ClusterRole", 'Unsupported value: "Role": supported values: "ClusterRole"',
                join_path(path, "roleRef.kind"))
        for i, subject in enumerate(self.subjects):
            require(subject.kind != "ServiceAccount" or bool(subject.namespace), "Required value",
                    join_path(join_path(join_path(path, "subjects"), i), "namespace"))
        return self
