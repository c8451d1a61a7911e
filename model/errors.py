"""Errors a user's input can cause, carrying where in the input they occurred."""

from __future__ import annotations


class ManifestError(ValueError):
    """A manifest that Kubernetes would reject, located by file, document and field path.

    ``str(error)`` is the one line the command line prints, e.g.
    ``deploy.yaml doc 2: spec.template.spec.containers[0].resources.requests.cpu: invalid quantity "1.1.1"``.
    """

    def __init__(self, message: str, field: str = "", source: str = "", document: int | None = None):
        self.message = message
        self.field = field
        self.source = source
        self.document = document
        super().__init__(str(self))

    def located(self, source: str, document: int | None) -> ManifestError:
        """The same error, placed in a file and document (1-based) of that file."""
        return ManifestError(self.message, self.field, source, document)

    def within(self, prefix: str) -> ManifestError:
        """The same error with its field path nested under ``prefix``."""
        field = join_path(prefix, self.field) if prefix else self.field
        return ManifestError(self.message, field, self.source, self.document)

    def __str__(self) -> str:
        where = self.source
        if self.document is not None:
            where = f"{where} doc {self.document}" if where else f"doc {self.document}"
        parts = [p for p in (where, self.field) if p]
        return ": ".join([*parts, self.message])


def join_path(prefix: str, name: str | int) -> str:
    """Extend a field path: ``join_path("spec", "replicas")``, ``join_path("containers", 0)``."""
    if isinstance(name, int):
        return f"{prefix}[{name}]"
    if not prefix:
        return name
    if not name:
        return prefix
    return f"{prefix}.{name}"
