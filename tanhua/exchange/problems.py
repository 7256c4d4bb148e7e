"""What an import reports back: one Problem per thing wrong, and the refusal that carries them."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or, as a warning, ignored) in an import: where, and why, in Chinese.

    `row` is numbered as a spreadsheet shows it (the header is row 1); None for the whole
    file or sheet. `column` is the header as the user wrote it, or "" for the whole row.
    """

    source: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(self.column)
        return f"{' '.join(p for p in where if p)}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        return cls(data["source"], data.get("row"), data.get("column", ""), data["message"])


class ImportRejected(Exception):
    """The import was refused as a whole; nothing was written."""

    def __init__(self, problems: list[Problem], *, code_unavailable: int = 0):
        self.problems = list(problems)
        # Rows refused because their code is taken by something the actor may not see.
        self.code_unavailable = code_unavailable
        super().__init__("\n".join(str(p) for p in self.problems[:20]))
