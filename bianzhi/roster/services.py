"""Roster services (DOMAIN §3.3–3.5): the only writers of persons, postings,
appointments, secondments, off-quota staff and retirement exceptions.

Callers keep `from bianzhi.roster import services; services.person_enroll(...)`;
the functions live in services_postings / services_appointments /
services_people, the shared steps in services_common.

Decisions written down here (DOMAIN leaves them open):
- Roles. Enrollment and release: office staff, or the unit's own HR (an
  assignment scoped to that unit); the initial load, a back-dated enrollment and a release filed
  after the 10-working-day window need office staff with a reason. Transfer,
  appointments, secondments, locked fields and retirement exceptions: office
  staff only. Non-locked person fields and off-quota staff: the unit's HR or
  the office.
- No future dates for postings and appointments: the counters hold today's
  state and the roster keeps no pending postings, so a start, exit or
  transfer date after today is refused (DATE_INVALID); record it on the day.
- A back-dated intake that uses vacancy must have had vacancy on every date
  from its start (approved from the entries, occupancy from the postings; past
  reservations are unknown and count 0). An intake by N-out-1-in credit uses
  today's credit and is not re-checked in the past; the initial load
  (初始化导入) is not re-checked either: its people predate the loaded quota.
- The initial load checks age at 进入本单位时间; a person past retirement
  today is loaded with Posting.flagged_past_retirement.
- Enrolling an existing person (by ID number) updates the fields given and may
  set a new identity (the intake decides it); name, certified birth date and
  work start date must agree with the record (locked fields change only
  through person_change_locked_field). Their running off-quota records end on
  the enrollment date.
- Release reason 调出 (transfer_out) is a release only to somewhere outside the
  database: it needs `destination`, and a destination naming an active unit
  is refused (VALUE_INVALID: do a transfer). A release ends the person's
  appointments and running secondments on the exit date.
- N-out-1-in: every release (and transfer-out) recorded while the account is
  over quota counts; every N earn one credit, valid to the end of the year of
  recording. Crossing occupied > approved (an intake by credit) sets
  over_since; a release back to approved clears it (quota.occupancy).
- Transfer = release (调出) + enroll (调任/转任/调入, default 调入) in one
  transaction with every intake check. Within the same unit it is the change
  of the locked field "occupied account": a reason is required and the
  person's appointments follow the new posting. `identity` may change with
  the move (参公 → 公务员 is reverse flow). `from_posting` lets a form refuse a
  transfer of someone who moved meanwhile (PERSON_ALREADY_POSTED); a transfer
  into the account the person already holds is refused the same way.
- Appointments are checked at every date from their start where the count or
  the use of that key changes (incl. scheduled quota versions): one more must
  fit each time, so a lowering below use blocks new appointments.
- The permit hook (set_permit_hook) runs for channels that need a permit
  (values.CHANNEL), inside the transaction, after the locks; the default
  accepts everything.
- Lock order: person → units (by id) → accounts (by id) → audit head.
"""

from .services_appointments import appointment_end, appointment_start
from .services_common import PermitDecision, permit_check, set_permit_hook
from .services_people import (
    offquota_add,
    offquota_end,
    person_change_locked_field,
    person_update_fields,
    retirement_exception_record,
    secondment_end,
    secondment_record,
)
from .services_postings import person_enroll, person_release, person_transfer
from .services_requests import (
    field_change_decide,
    field_change_request,
    field_change_withdraw,
)

__all__ = [
    "PermitDecision",
    "appointment_end",
    "appointment_start",
    "field_change_decide",
    "field_change_request",
    "field_change_withdraw",
    "offquota_add",
    "offquota_end",
    "permit_check",
    "person_change_locked_field",
    "person_enroll",
    "person_release",
    "person_transfer",
    "person_update_fields",
    "retirement_exception_record",
    "secondment_end",
    "secondment_record",
    "set_permit_hook",
]
