"""NamespaceLifecycle admission: no new content in a missing or terminating namespace, and the
immortal namespaces cannot be deleted.

Source: staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go.
"""

from __future__ import annotations

IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


def check_create(namespace: object | None, namespace_name: str) -> tuple[str, str] | None:
    """For a create in ``namespace_name``: None when allowed, else (reason, message).

    A missing namespace is NotFound (``namespaces "x" not found``); a terminating one is Forbidden.
    """
    if namespace is None:
        return ("NotFound", f'namespaces "{namespace_name}" not found')
    if namespace.is_terminating:
        return ("Forbidden", f"unable to create new content in namespace {namespace_name} because it is being "
                             "terminated")
    return None


def check_delete_namespace(name: str) -> str | None:
    """The Forbidden detail for deleting an immortal namespace, else None."""
    return "this namespace may not be deleted" if name in IMMORTAL_NAMESPACES else None
