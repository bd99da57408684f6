"""Domain errors. Each carries the HTTP status it means, so the API can
translate all of them in one handler without the domain importing FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass


class StorygraphError(Exception):
    status: int = 500
    title: str = "Internal error"
    type: str = "about:blank"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def extra(self) -> dict:
        """Members added to the problem document beside type/title/status/detail."""
        return {}


@dataclass(frozen=True, slots=True)
class Fault:
    """One thing wrong with a fact sheet, located as precisely as we can."""

    file: str
    fact_id: str | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = self.file + (f": fact '{self.fact_id}'" if self.fact_id else "")
        return f"{where}: {self.field}: {self.reason}"

    def as_dict(self) -> dict:
        return {"file": self.file, "fact_id": self.fact_id, "field": self.field, "reason": self.reason}


class SheetInvalid(StorygraphError):
    status = 422
    title = "Invalid fact sheet"
    type = "https://storygraph.dev/problems/invalid-fact-sheet"

    def __init__(self, faults: list[Fault]) -> None:
        self.faults = faults
        noun = "fault" if len(faults) == 1 else "faults"
        super().__init__(f"{len(faults)} {noun}; nothing was written. First: {faults[0]}")

    def extra(self) -> dict:
        return {"errors": [f.as_dict() for f in self.faults]}


class _ReferenceError(StorygraphError):
    """An entity reference that does not name exactly one entity."""

    def __init__(self, ref: str, candidates: list[dict], message: str, parameter: str | None) -> None:
        self.ref, self.candidates, self.parameter = ref, candidates, parameter
        super().__init__(message)

    @staticmethod
    def _where(parameter: str | None) -> str:
        return f" (parameter '{parameter}')" if parameter else ""

    def extra(self) -> dict:
        return {"candidates": self.candidates}


class EntityNotFound(_ReferenceError):
    status = 404
    title = "Entity not found"
    type = "https://storygraph.dev/problems/entity-not-found"

    def __init__(self, ref: str, candidates: list[dict], *, parameter: str | None = None) -> None:
        names = ", ".join(f"'{c['name']}'" for c in candidates)
        hint = f"; did you mean {names}?" if candidates else ""
        super().__init__(ref, candidates, f"No entity matches '{ref}'{self._where(parameter)}{hint}", parameter)


class AmbiguousReference(_ReferenceError):
    status = 409
    title = "Ambiguous entity reference"
    type = "https://storygraph.dev/problems/ambiguous-reference"

    def __init__(self, ref: str, candidates: list[dict], *, parameter: str | None = None) -> None:
        ids = ", ".join(c["id"] for c in candidates)
        message = f"'{ref}'{self._where(parameter)} names {len(candidates)} entities ({ids}); use an id"
        super().__init__(ref, candidates, message, parameter)


class NotFound(StorygraphError):
    status = 404
    title = "Not found"

    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"No {what} with id '{ident}'")


class InvalidParameter(StorygraphError):
    status = 422
    title = "Invalid parameter"
    type = "https://storygraph.dev/problems/invalid-parameter"

    def __init__(self, parameter: str, reason: str) -> None:
        self.parameter = parameter
        super().__init__(f"Parameter '{parameter}': {reason}")

    def extra(self) -> dict:
        return {"errors": [{"parameter": self.parameter, "reason": self.detail}]}


class StoreUnavailable(StorygraphError):
    status = 503
    title = "Store unavailable"

    def __init__(self, detail: str = "The database cannot be reached") -> None:
        super().__init__(detail)


