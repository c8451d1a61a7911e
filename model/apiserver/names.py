"""Name syntax the API server validates: object names per kind, container and port names.

Sources: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1123Label, IsDNS1035Label,
IsValidPortName), staging/src/k8s.io/apimachinery/pkg/api/validation/generic.go (NameIsDNSSubdomain,
NameIsDNSLabel, NameIsDNS1035Label), pkg/api/validation/path/name.go (IsValidPathSegmentName, used for RBAC
names), and the per-kind name functions of pkg/apis/core/validation/validation.go (ValidateNamespaceName,
ValidateServiceName, ...), pkg/apis/apps/validation and pkg/apis/rbac/validation (ValidateRBACName).
"""

from __future__ import annotations

import re

from model.labels import is_dns1123_subdomain

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(_DNS1123_LABEL_FMT)
_DNS1035_LABEL = re.compile(_DNS1035_LABEL_FMT)
_PORT_NAME_CHARS = re.compile("[-a-z0-9]+")
_HAS_LETTER = re.compile("[a-z]")


def is_dns1123_label(value: str) -> list[str]:
    """IsDNS1123Label."""
    errs = []
    if len(value.encode()) > 63:
        errs.append("must be no more than 63 characters")
    if not _DNS1123_LABEL.fullmatch(value):
        errs.append("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                    f"validation is '{_DNS1123_LABEL_FMT}')")
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """IsDNS1035Label."""
    errs = []
    if len(value.encode()) > 63:
        errs.append("must be no more than 63 characters")
    if not _DNS1035_LABEL.fullmatch(value):
        errs.append("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
                    f"regex used for validation is '{_DNS1035_LABEL_FMT}')")
    return errs


def is_path_segment_name(value: str) -> list[str]:
    """IsValidPathSegmentName (RBAC object names)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def is_valid_port_name(value: str) -> list[str]:
    """IsValidPortName: an IANA_SVC_NAME (at most 15 characters of ``[-a-z0-9]`` with a letter, no leading,
    trailing or doubled hyphen)."""
    errs = []
    if len(value) > 15:
        errs.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARS.fullmatch(value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if not _HAS_LETTER.search(value):
        errs.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


NAME_RULES = {
    "Namespace": is_dns1123_label, "Service": is_dns1035_label, "StatefulSet": is_dns1123_label,
    "Role": is_path_segment_name, "ClusterRole": is_path_segment_name, "RoleBinding": is_path_segment_name,
    "ClusterRoleBinding": is_path_segment_name,
}
"""Each kind's name rule where it is not a DNS subdomain (the rule of every other modelled kind)."""


def name_problems(kind: str, name: str) -> list[str]:
    """Why ``name`` is not a valid ``metadata.name`` for ``kind`` (ValidateObjectMeta with the kind's name
    function)."""
    return NAME_RULES.get(kind, is_dns1123_subdomain)(name)
