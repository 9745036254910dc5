"""The acting party of a write: a user under one role assignment, or the system."""

from __future__ import annotations

from dataclasses import dataclass

from .roles import OFFICE_ROLES, Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    role: str  # a Role value, or "system"
    scope: str = ""  # "region:990100", "unit:12", "" for system

    @classmethod
    def system(cls, name: str = "系统") -> Actor:
        return cls(user_id=None, name=name, role="system")

    @property
    def is_system(self) -> bool:
        return self.role == "system"

    @property
    def is_office(self) -> bool:
        """Office staff (or the system acting for the office, e.g. `bianzhi daily`)."""
        return self.is_system or self.role in OFFICE_ROLES

    @property
    def is_office_leader(self) -> bool:
        return self.is_system or self.role == Role.OFFICE_LEADER
