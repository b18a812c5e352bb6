"""Uploaded files, kept under their sha256 (never under the name a user gave) and never overwritten."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileStore:
    root: Path

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store `data`; return its sha256. Writing the same content twice keeps one copy."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_of(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.part")
        temporary.write_bytes(data)
        os.replace(temporary, target)  # atomic: a crash leaves no half-written file under the final name
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()
