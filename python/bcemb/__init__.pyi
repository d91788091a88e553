"""Type stubs of bcemb (the native module _bcemb)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

Float32Array = npt.NDArray[np.float32]

class Error(RuntimeError):
    """Bad input or state: unknown version or id, corrupt file, ... (the CLI's message)."""

class Registry:
    """A bcemb registry folder (``bcemb registry init``). Reads follow new
    publishes: the catalog's HEAD is checked on every call."""

    def __init__(self, path: str) -> None: ...
    @property
    def path(self) -> str: ...
    @property
    def latest(self) -> int:
        """The newest version."""
    def versions(self) -> List[Dict[str, Any]]:
        """One dict per version, as ``GET /v1/versions``: version, parent, dim,
        strategy, created_at, has_tables."""
    def embeddings(
        self, kind: str, version: Optional[int] = None, ids: Optional[Sequence[str]] = None
    ) -> Tuple[List[str], Float32Array]:
        """``kind`` "users" or "items": the ids and their version-``version``
        compatible embeddings [len(ids), dim(version)] (default: the latest
        version; all ids in table order unless given), computed from the latest
        table through the composed transform, as ``bcemb export``."""
    def transform(self, array: Float32Array, from_version: int, to_version: int) -> Float32Array:
        """Rows embedded in version ``from_version``'s space mapped to the older
        ``to_version``: array @ (B_{to+1} ... B_from)^T."""
    def publish_external(
        self,
        embeddings: Float32Array,
        ids: Sequence[str],
        previous_version: int,
        fit: str = "procrustes",
        user_embeddings: Optional[Float32Array] = None,
        user_ids: Optional[Sequence[str]] = None,
    ) -> float:
        """Publish another model's item (and user) embeddings as the next version,
        aligned in closed form ("procrustes" or "lstsq") to ``previous_version``
        (the latest) on the ids both share. Returns the alignment error."""
    def verify(self) -> Dict[str, Any]:
        """Every file's presence, size, checksum and shape: ok, versions, files, problems."""
    @staticmethod
    def create(path: str) -> "Registry":
        """A new, empty registry in ``path`` (``bcemb registry init``)."""
    def publish_run(self, run: str, version: int) -> Dict[str, Any]:
        """Publish version ``version`` of a training run directory (``bcemb registry publish``)."""

class Run:
    """A training run directory (``bcemb train --out RUN``)."""

    def __init__(self, path: str) -> None: ...
    @property
    def path(self) -> str: ...
    @property
    def versions(self) -> int: ...
    def embeddings(self, kind: str, version: int) -> Tuple[List[str], Float32Array]:
        """Version ``version``'s own table z_k with its ids."""
    def transform_matrix(self, version: int) -> Float32Array:
        """B_k, [d_{k-1}, d_k]: z_{k-1} ~ B_k z_k."""
    def compatible(self, kind: str, from_version: int, to_version: int) -> Float32Array:
        """Version ``from_version``'s table mapped to ``to_version``."""
    def metrics(self, version: int) -> Dict[str, Any]: ...
    def manifest(self) -> Dict[str, Any]: ...

class Client:
    """A ``bcemb serve`` at ``url`` (e.g. "http://127.0.0.1:8080"), for services
    that do not share the registry's file system."""

    def __init__(self, url: str) -> None: ...
    def embeddings(
        self, kind: str, version: Optional[int] = None, *, ids: Sequence[str]
    ) -> Tuple[List[str], Float32Array]:
        """As ``Registry.embeddings`` for the given ids, in one binary batch request."""
    def versions(self) -> List[Dict[str, Any]]: ...
