"""SQLAlchemy 2 models of the store. One plan per database row in `plans`; codes are unique per plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from dutyflow.states import (
    AccountRole,
    InboundOutcome,
    NotificationStatus,
    ObligationState,
    ReportState,
    SubmissionChannel,
    SubmissionStatus,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass a timezone-aware one")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _states(states: type[StrEnum]) -> Enum:
    """A column of `states`' values, stored as VARCHAR(16) (no database enum type, no constraint:
    the schema stays as migrated); a value that is not one of them is refused before it is written,
    and a row reads back as the member."""
    return Enum(
        states,
        native_enum=False,
        create_constraint=False,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar = {dt.datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class PlanRow(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int]
    source_path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
    """The validated plan as JSON: flows read the plan from here, not from the file."""
    loaded_at: Mapped[dt.datetime]


class UnitRow(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    gso_code: Mapped[str | None] = mapped_column(String(5))
    parent_code: Mapped[str | None] = mapped_column(String(64))
    focal_name: Mapped[str] = mapped_column(Text)
    focal_email: Mapped[str] = mapped_column(String(254))
    head_name: Mapped[str] = mapped_column(Text)
    head_email: Mapped[str] = mapped_column(String(254))
    opens: Mapped[dt.date | None] = mapped_column(Date)
    closes: Mapped[dt.date | None] = mapped_column(Date)
    successor_code: Mapped[str | None] = mapped_column(String(64))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str | None] = mapped_column(Text)


class DutyRow(Base):
    __tablename__ = "duties"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(64))
    section: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    units: Mapped[list[Any]]
    """Codes of the units in charge, groups expanded."""
    partners: Mapped[list[Any]]


class DataElementRow(Base):
    __tablename__ = "data_elements"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    nature: Mapped[str] = mapped_column(String(16))


class IndicatorRow(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(64))
    group: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(String(16))
    numerator: Mapped[str] = mapped_column(String(64))
    denominator: Mapped[str | None] = mapped_column(String(64))
    factor: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    direction: Mapped[str] = mapped_column(String(16))
    strict: Mapped[bool] = mapped_column(Boolean)
    target: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    reported_by: Mapped[list[Any]]


class FormRow(Base):
    __tablename__ = "forms"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict[str, Any]]


class DeliverableRow(Base):
    __tablename__ = "deliverables"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    definition: Mapped[dict[str, Any]]


class ObligationRow(Base):
    __tablename__ = "obligations"
    __table_args__ = (
        UniqueConstraint("unit_id", "deliverable_id", "period"),
        Index("ix_obligations_due_action", "state", "next_action_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverables.id"))
    period: Mapped[str] = mapped_column(String(16))
    period_label: Mapped[str] = mapped_column(Text)
    due: Mapped[dt.date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(String(8))
    last_day: Mapped[dt.date] = mapped_column(Date)
    cutoff: Mapped[dt.date | None] = mapped_column(Date)
    covers: Mapped[list[Any]]
    state: Mapped[ObligationState] = mapped_column(_states(ObligationState), default=ObligationState.PENDING)
    extended_until: Mapped[dt.date | None] = mapped_column(Date)
    next_action_at: Mapped[dt.datetime | None]
    """When the chase must next look at this obligation; NULL when nothing is owed."""
    chase_round: Mapped[int] = mapped_column(Integer, default=0)
    """Starts at 0; a returned submission starts a new round, which restarts the ladder."""
    state_changed_at: Mapped[dt.datetime | None]

    unit: Mapped[UnitRow] = relationship(lazy="joined", innerjoin=True)
    deliverable: Mapped[DeliverableRow] = relationship(lazy="joined", innerjoin=True)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("obligation_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    channel: Mapped[SubmissionChannel] = mapped_column(_states(SubmissionChannel))
    received_at: Mapped[dt.datetime]
    submitted_by: Mapped[str | None] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None]
    status: Mapped[SubmissionStatus] = mapped_column(_states(SubmissionStatus))
    reasons: Mapped[list[Any]]
    warnings: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))
    """What rules that warn and accept found (the report was not returned for them)."""
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(Text)


class DataValueRow(Base):
    __tablename__ = "data_values"
    __table_args__ = (UniqueConstraint("submission_id", "form", "row", "column"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    form: Mapped[str] = mapped_column(String(64))
    row: Mapped[str] = mapped_column(String(64))
    column: Mapped[str] = mapped_column(String(64))
    number: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    text: Mapped[str | None] = mapped_column(Text)


class NotificationRow(Base):
    """The outbox: one row per (obligation, round, step, recipient), claimed before sending.

    status: a `NotificationStatus` (claimed, sent, failed, refused).
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status", "status", "claimed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(32))
    template: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(254))
    status: Mapped[NotificationStatus] = mapped_column(_states(NotificationStatus))
    message_id: Mapped[str] = mapped_column(String(255), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]]
    reason: Mapped[str | None] = mapped_column(Text)


class ScheduleRow(Base):
    """When each flow runs. Ours, not Prefect's: `serve` builds deployments from these rows."""

    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(primary_key=True)
    flow: Mapped[str] = mapped_column(String(32), unique=True)
    cron: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(128))


class UnitTokenRow(Base):
    """A unit's personal portal link. Only the token's hash is stored; a new generation revokes the old."""

    __tablename__ = "unit_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    generation: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class AccountRow(Base):
    """A named office account: who signs in to the console and whom the audit log names. Only the
    password's argon2 hash is stored. Accounts are disabled, never deleted, so the audit keeps its people."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    """The title documents print under the name, e.g. "Phó Chủ tịch"."""
    role: Mapped[AccountRole] = mapped_column(_states(AccountRole))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]
    changed_at: Mapped[dt.datetime]


class AdminSessionRow(Base):
    """A signed-in office user. Server-side: the cookie holds a random id, the store only its hash."""

    __tablename__ = "admin_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user: Mapped[str] = mapped_column(String(128))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    """The signed-in account (None only on sessions older than accounts, which open nothing)."""
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class InboundMailRow(Base):
    """An email read from the office's mailbox, keyed by its Message-ID (or a content hash): a
    message is processed once, however often it is read. `outcome` says what was done; rows with
    outcome "review" and no `reviewed_at` are the office's review queue. `destination` is the
    folder it must be moved to (None: left where it was), `moved_at` when that was done."""

    __tablename__ = "inbound_mail"
    __table_args__ = (Index("ix_inbound_mail_sender", "sender", "processed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    message_id: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str] = mapped_column(String(254))
    sender_name: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    references: Mapped[list[Any]]
    processed_at: Mapped[dt.datetime]
    outcome: Mapped[InboundOutcome] = mapped_column(_states(InboundOutcome))
    reason: Mapped[str | None] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    submission_ids: Mapped[list[Any]]
    problems: Mapped[list[Any]]
    """Answered to the sender: why files could not be taken (no submission to acknowledge)."""
    destination: Mapped[str | None] = mapped_column(String(255))
    answered_at: Mapped[dt.datetime | None]
    moved_at: Mapped[dt.datetime | None]
    reviewed_at: Mapped[dt.datetime | None]


class SentMessageRow(Base):
    """A message as it left, once per Message-ID (the outbox's rows are one per recipient): its
    headers as sent, in order, its text and HTML bodies, and its attachments' names and sizes, so
    the console can show what a unit was sent (see decisions.md, "A sent message is kept as sent")."""

    __tablename__ = "sent_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    sent_at: Mapped[dt.datetime]
    headers: Mapped[list[Any]]
    """[[name, value], ...], values decoded, in the order they were written."""
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]]
    """[{"name", "type", "size"}, ...]."""


class ReportRow(Base):
    """A report made (draft or final): its files, kept in the file store under their sha256, and the
    completeness it counted when it was made."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    made_at: Mapped[dt.datetime]
    as_of: Mapped[dt.date] = mapped_column(Date)
    final: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(Text)
    docx_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    html_sha256: Mapped[str] = mapped_column(String(64))
    expected: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)


class ReportVersionRow(Base):
    """One version of the consolidated report of an obligation: what dutyflow made, or the office's
    edit of its narrative (sections II–IV), or the approved, numbered and signed document. Never
    updated but for its files once made; a new version is a new row (see decisions.md, "The
    consolidated report's versions and steps are rows")."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("obligation_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[dt.date] = mapped_column(Date)
    cutoff: Mapped[dt.datetime]
    """The instant its figures stand at: the final report's, kept by every later version."""
    narrative: Mapped[list[Any] | None]
    """The office's sections II–IV, paragraph by paragraph; None: generated from the units' reports."""
    narrative_source: Mapped[str | None] = mapped_column(Text)
    """The file the narrative was read from (name and SHA-256), or None for a text edit."""
    number: Mapped[str | None] = mapped_column(String(64))
    signer_name: Mapped[str | None] = mapped_column(Text)
    signer_title: Mapped[str | None] = mapped_column(Text)
    docx_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(Text)
    made_at: Mapped[dt.datetime]
    made_by: Mapped[str] = mapped_column(String(128))


class ReportStepRow(Base):
    """A step of the consolidated report's way (draft, returned, approved, signed, issued): who took
    it, when, and why. The report's state is its last step."""

    __tablename__ = "report_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("report_versions.id"))
    state: Mapped[ReportState] = mapped_column(_states(ReportState))
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str | None] = mapped_column(Text)


class RegisterNumberRow(Base):
    """The office's document register: one row per number given, per issuer, kind and year. The
    unique sequence makes two simultaneous approvals take two numbers; a number once given stays,
    whatever happens to the document afterwards."""

    __tablename__ = "register_numbers"
    __table_args__ = (UniqueConstraint("issuer", "kind", "year", "sequence"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    """As the document prints it: "123/BC-UBND"."""
    subject: Mapped[str] = mapped_column(Text)
    """What the number was given to, e.g. the report's obligation and version."""
    given_at: Mapped[dt.datetime]
    given_by: Mapped[str] = mapped_column(String(128))
