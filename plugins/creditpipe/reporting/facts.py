"""The facts of a month, read from the warehouse (each by its statement in sql/report/):
what every department delivered, how it was judged, how timely, what is still open.

The monthly report and the early warnings both read a month through ``MonthFacts``, so a
figure in the report and the warning raised on it cannot disagree. Personal data never
leaves here unmasked: keys and names of natural persons are masked as they are read."""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditpipe.core.catalog import Catalog
from creditpipe.core.clock import county_now, county_tz, start_of_day
from creditpipe.core.cycles import Report, due_in, last_day_on_time, period_of
from creditpipe.core.identifiers import mask_ids_in, mask_person_name, mask_personal_value
from creditpipe.core.labels import CYCLE_LABELS
from creditpipe.core.months import month_end, month_list
from creditpipe.core.records import nonconformity_rate
from creditpipe.core.workdays import WorkingCalendar
from creditpipe.warehouse.schema import statement

# An 18-character citizen ID inside a key (公民身份号码, or a debtor's ID when unmasked).
_LAG_DAYS = re.compile(r"决定于 (\d{4}-\d{2}-\d{2})，(\d{4}-\d{2}-\d{2}) 才报送公示")


def rate_pct(rejected: int, received: int) -> float | None:
    """数据不合格率 in percent, rounded for display; None when nothing was delivered.
    Thresholds and deductions use the exact rate (``exact_rate``), never this one."""
    return round(float(nonconformity_rate(rejected, received)), 4) if received else None


def exact_rate(rejected: int, received: int):
    """数据不合格率 in percent as an exact Decimal; None when nothing was delivered."""
    return nonconformity_rate(rejected, received) if received else None


def publication_day(month: str) -> dt.date:
    """A month is judged as of the first day of the next month, so judging it again later
    gives the same figures."""
    return month_end(month) + dt.timedelta(days=1)


def judged_as_of(month: str, now: dt.datetime, as_of: dt.date | None = None) -> tuple[dt.date, str | None]:
    """(day, cutoff) a month is judged as of: the first day of the next month, what was
    delivered before it; for a month not yet over, now (the month so far)."""
    if as_of is not None:
        return as_of, None
    day = publication_day(month)
    local = now.astimezone(county_tz())
    if local.date() < day:
        return local.date(), local.isoformat(timespec="seconds")
    return day, None


class MonthFacts:
    """Everything the report and the warnings need about ``month``, judged as of ``as_of``
    (the moment of the run: a deadline not yet passed at ``as_of`` is not yet late)."""

    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        month: str,
        as_of: dt.date,
        calendar: WorkingCalendar | None = None,
        cutoff: str | None = None,
    ):
        self.engine, self.catalog, self.month, self.as_of = engine, catalog, month, as_of
        # What was delivered before the cutoff counts (an ISO timestamp in county time; by
        # default the start of ``as_of``): a rebuild later gives the same figures.
        self.cutoff = cutoff or start_of_day(as_of)
        self.calendar = calendar or WorkingCalendar.from_catalog(catalog)
        self.months = month_list(month, 12)
        self.year_months = [m for m in self.months if m[:4] == month[:4]]
        # 以上 includes the number: a period reported this many working days late is late.
        self.late_from = int(catalog.assessment["timeliness"]["late_from_working_days"])

    @classmethod
    def judged(
        cls, engine: Engine, catalog: Catalog, month: str, now: dt.datetime | None = None, as_of: dt.date | None = None
    ) -> MonthFacts:
        """The month as judged at ``now`` (``judged_as_of``): what a run reads once and hands
        to the warnings, the figures and the report alike."""
        day, cutoff = judged_as_of(month, now or county_now(), as_of)
        return cls(engine, catalog, month, day, cutoff=cutoff)

    def _rows(self, name: str, **params) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text(statement(name)), params).mappings()]

    # --- records delivered and refused ------------------------------------------------
    @cached_property
    def by_department_month(self) -> dict[tuple[str, str], dict]:
        """(department, month) → batches, received, accepted, rejected, warning_count."""
        rows = self._rows("report/conformity_by_month", from_month=self.months[0], to_month=self.month)
        return {
            (r["department_id"], r["month"]): {
                k: int(r[k] or 0) for k in ("batches", "received", "accepted", "rejected", "warning_count")
            }
            for r in rows
        }

    def delivered(self, department_id: str, month: str | None = None) -> dict:
        zero = {"batches": 0, "received": 0, "accepted": 0, "rejected": 0, "warning_count": 0}
        return self.by_department_month.get((department_id, month or self.month), zero)

    def year_to_date(self, department_id: str) -> dict:
        received = sum(self.delivered(department_id, m)["received"] for m in self.year_months)
        rejected = sum(self.delivered(department_id, m)["rejected"] for m in self.year_months)
        return {"received": received, "rejected": rejected, "rate_pct": rate_pct(rejected, received)}

    # --- rules broken -----------------------------------------------------------------
    @cached_property
    def issues_by_rule(self) -> list[dict]:
        """(department, month, rule, severity, issues) over the 12 months."""
        return self._rows("report/issues_by_rule", from_month=self.months[0], to_month=self.month)

    def rule_counts(self, month: str | None = None) -> list[dict]:
        month = month or self.month
        return [r for r in self.issues_by_rule if r["month"] == month]

    def publication_late_count(self, department_id: str, month: str | None = None) -> int:
        return sum(
            int(r["issues"])
            for r in self.rule_counts(month)
            if r["department_id"] == department_id and r["rule"] == "late_publication"
        )

    @cached_property
    def late_publications(self) -> list[dict]:
        """The month's 双公示 records published late, with their key and party (masked)."""
        rows = self._rows("report/late_publications", month=self.month)
        records = self._record_details(rows)
        for row in rows:
            row.update(records.get((row["batch_id"], row["source_row"]), {"record_key": "", "party": ""}))
            # The rule's own message says both days (quality.explain: "决定于 …，… 才报送公示").
            days = _LAG_DAYS.search(row["message"] or "")
            row["decision_date"], row["published"] = days.groups() if days else ("", "")
        return rows

    def _record_details(self, rows: list[dict]) -> dict[tuple[str, int], dict]:
        """Each warned record's business key and party, read from its dataset's table."""
        out: dict[tuple[str, int], dict] = {}
        by_dataset: dict[str, set] = {}
        for r in rows:
            by_dataset.setdefault(r["dataset_id"], set()).add(r["batch_id"])
        for dataset_id, batches in by_dataset.items():
            ds = self.catalog.datasets.get(dataset_id)
            if ds is None:  # a dataset since removed from the catalog: its history stays
                continue
            person = ds.natural_person or {}
            names = list(dict.fromkeys([*ds.business_key, *(v for k, v in person.items() if k.endswith("field"))]))
            cols = ", ".join(ds.column_of(n) for n in names)
            # Table and column names come from the validated catalog; values are parameters.
            sql = sa.text(f"SELECT batch_id, source_row, {cols} FROM {ds.table} WHERE batch_id = :batch_id")
            with self.engine.connect() as conn:
                for batch_id in sorted(batches):
                    for rec in conn.execute(sql, {"batch_id": batch_id}).mappings():
                        value = {n: rec[ds.column_of(n)] for n in names}
                        party = value.get(person.get("name_field"), "") or ""
                        if person and value.get(person.get("category_field")) == person.get("category_value"):
                            party = mask_person_name(party)
                        key = "|".join(str(value[k] or "") for k in ds.business_key)
                        out[(batch_id, rec["source_row"])] = {
                            "record_key": self.masked_key(dataset_id, key),
                            "party": party,
                        }
        return out

    def masked_key(self, dataset_id: str, key: str) -> str:
        """A business key (parts joined by |) with every personal part masked, whatever its
        shape (a malformed ID is still an ID), and any citizen ID elsewhere in it."""
        ds = self.catalog.datasets.get(dataset_id)
        parts = key.split("|")
        if ds is not None and len(parts) == len(ds.business_key):
            personal = {f.name for f in ds.fields if f.personal}
            parts = [mask_personal_value(p) if name in personal else p for name, p in zip(ds.business_key, parts)]
        return mask_ids_in("|".join(parts))

    # --- timeliness ---------------------------------------------------------------------
    @cached_property
    def exchange_start(self) -> dt.date | None:
        """The county's first delivery on record (None on an empty warehouse): a category
        owed without a ``from`` is owed from then."""
        first = self._rows("report/first_delivery", cutoff=self.cutoff)[0]["first_delivered_at"]
        return dt.date.fromisoformat(first[:10]) if first else None

    @cached_property
    def trend_months(self) -> list[str]:
        """The months the report's trend spans: from the first month with data in the
        warehouse (its first delivery) to the month — at most the twelve of ``months``, and
        only the month itself on an empty warehouse."""
        first = self.exchange_start.strftime("%Y-%m") if self.exchange_start else self.month
        return [m for m in self.months if m >= first] or [self.month]

    def owed_from(self, obligation) -> dt.date | None:
        return obligation.owed_from or self.exchange_start

    @cached_property
    def _reports(self) -> dict[tuple[str, str], list[Report]]:
        """Each source's records and zero reports (``cycles.Report``) over the 12 months and
        the month before them."""
        start = dt.date.fromisoformat(self.months[0] + "-01") - dt.timedelta(days=40)
        rows = self._rows(
            "report/reports", from_day=start.isoformat(), to_day=self.as_of.isoformat(), cutoff=self.cutoff
        )
        out: dict[tuple[str, str], list[Report]] = {}
        for r in rows:
            out.setdefault((r["dataset_id"], r["department_id"]), []).append(
                Report(*(dt.date.fromisoformat(r[k]) for k in ("covers_from", "covers_until", "reported_day")))
            )
        return out

    def timeliness_items(self, month: str | None = None) -> list[dict]:
        """Every exchange period of every category a department owes (``Catalog.obligations``)
        whose last day on time fell in the month, judged by what the source reported
        (``cycles.due_in``): its records or a zero report. Periods before the category was
        owed are not judged; a category not collected yet is coverage's, not timeliness'."""
        month = month or self.month
        items = []
        for ob in self.catalog.obligations():
            owed_from = self.owed_from(ob)
            if ob.dataset_id is None or owed_from is None:
                continue
            reports = self._reports.get((ob.dataset_id, ob.department_id), [])
            for item in due_in(ob.cycle, month, reports, self.calendar, self.as_of, self.late_from, owed_from):
                items.append(
                    {
                        "dataset_id": ob.dataset_id,
                        "department_id": ob.department_id,
                        "dataset": ob.category,
                        "department": self.catalog.departments[ob.department_id].short_name,
                        "cycle": CYCLE_LABELS[ob.cycle],
                        "period": item.period.label,
                        "due": last_day_on_time(item.period, self.calendar, self.late_from).isoformat(),
                        "delivered": item.delivered.isoformat() if item.delivered else None,
                        "working_days_late": item.working_days_late,
                        "late": item.is_late(self.late_from),
                    }
                )
        return items

    def silent_sources(self) -> list[tuple[str, str]]:
        """Owed categories (dataset, department) a source has reported nothing of — no record,
        no zero report — in the 12 months, once its first period is overdue: the last day on
        time of the period holding the day the platform first collected anything (or the day
        the category is owed from, if later) has passed. So an empty warehouse — a
        deployment's first unpause, every source loading at once — warns of nothing, and a
        source that never started is named as soon as its first period is overdue."""
        first_collected = self._rows("report/first_collected", cutoff=self.cutoff)[0]["first_collected_at"]
        if not first_collected:
            return []
        start = dt.date.fromisoformat(first_collected[:10])
        out = []
        for ob in self.catalog.obligations():
            if ob.dataset_id is None:
                continue
            first = period_of(ob.cycle, max(ob.owed_from or start, start))
            if last_day_on_time(first, self.calendar, self.late_from) >= self.as_of:
                continue
            if not self._reports.get((ob.dataset_id, ob.department_id)):
                out.append((ob.dataset_id, ob.department_id))
        return out

    @cached_property
    def _items_by_month(self) -> dict[str, list[dict]]:
        return {m: self.timeliness_items(m) for m in self.months}

    def late_items(self, department_id: str, month: str | None = None) -> list[dict]:
        return [
            i for i in self._items_by_month[month or self.month] if i["department_id"] == department_id and i["late"]
        ]

    def items_due(self, department_id: str, month: str | None = None) -> int:
        return sum(1 for i in self._items_by_month[month or self.month] if i["department_id"] == department_id)

    def ytd_late_item_list(self, department_id: str) -> list[dict]:
        """Late items of the year, but none for a category that produced no information this
        year (seed 002 "如果该信息类别一年内未产生信息的，不扣分": read as no record delivered in
        the year — zero reports only, or nothing at all)."""
        active = {
            ds
            for (ds, dep), n in self.received_by_source(self.year_months[0]).items()
            if dep == department_id and n > 0
        }
        return [i for m in self.year_months for i in self.late_items(department_id, m) if i["dataset_id"] in active]

    def ytd_late_items(self, department_id: str) -> int:
        return len(self.ytd_late_item_list(department_id))

    # --- coverage -----------------------------------------------------------------------
    def received_by_source(self, from_month: str) -> dict[tuple[str, str], int]:
        rows = self._rows("report/received_by_source", from_month=from_month, to_month=self.month)
        return {(r["dataset_id"], r["department_id"]): int(r["received"] or 0) for r in rows}

    @cached_property
    def _zero_reported(self) -> set[tuple[str, str, str]]:
        """(dataset, department, month) with a zero report given in that month."""
        rows = self._rows(
            "report/zero_reports_by_month", from_month=self.months[0], to_month=self.month, cutoff=self.cutoff
        )
        return {(r["dataset_id"], r["department_id"], r["month"]) for r in rows}

    def zero_reported(self, department_id: str, month: str) -> bool:
        """Whether the department said 本期无数据 (a zero report) for something in the month."""
        return any(dep == department_id and m == month for _, dep, m in self._zero_reported)

    def _provided(self, ob, months: list[str], received: dict) -> bool:
        """A category is provided in the months when its source delivered records or said
        本期无数据 in them (a zero report is provision: the seed deducts for 未提供, not for a
        category with nothing to report)."""
        key = (ob.dataset_id, ob.department_id)
        return bool(received.get(key)) or any((*key, m) in self._zero_reported for m in months)

    @cached_property
    def coverage(self) -> dict[str, dict]:
        """department → the categories it owes (as of the month's end), and those not provided
        this month and this year. Seed 002: each missing category costs 2 points; none of them
        provided, 7 (``all_missing_points``)."""
        month = self.received_by_source(self.month)
        year = self.received_by_source(self.year_months[0])
        end = month_end(self.month)
        out = {}
        for dep in self.catalog.assessed:
            owed = [o for o in self.catalog.obligations_of(dep) if o.owed_from is None or o.owed_from <= end]
            out[dep] = {
                "required": len(owed),
                "missing_month": [o.category for o in owed if not self._provided(o, [self.month], month)],
                "missing_ytd": [o.category for o in owed if not self._provided(o, self.year_months, year)],
            }
        return out

    # --- the credit office's own deductions ----------------------------------------------
    @cached_property
    def adjustments(self) -> list[dict]:
        """Deductions the credit office recorded against the year's months so far."""
        return self._rows("report/adjustments", from_month=self.year_months[0], to_month=self.month, cutoff=self.cutoff)

    # --- objections (异议处理) -------------------------------------------------------------
    @cached_property
    def objections(self) -> list[dict]:
        """The credit office's objection register as delivered before the cutoff: each
        objection with the department it was forwarded to (``department_id``), its deadline,
        the day handled (None while open) and the disputed record's key, masked."""
        from creditpipe.warehouse.objections import objection_rows

        out = []
        for r in objection_rows(self.engine, self.catalog, self.cutoff):
            department = self.catalog.department_named(r["department"])
            if department is None or r["deadline"] is None:
                continue  # refused when the register was judged
            out.append(
                {**r, "department_id": department.id, "record_key": self.masked_key(r["dataset"], r["key"] or "")}
            )
        return out

    # --- open refusals ------------------------------------------------------------------
    @cached_property
    def open_refusals(self) -> list[dict]:
        """Refusals not corrected as of ``as_of``, with their age in working days."""
        rows = self._rows("report/open_refusals_as_of", cutoff=self.cutoff)
        out = []
        for r in rows:
            delivered = dt.datetime.fromisoformat(r["delivered_at"]).date()
            r["age_working_days"] = self.calendar.working_days_between(delivered, self.as_of)
            r["record_key"] = self.masked_key(r["dataset_id"], r.pop("business_key") or "")
            out.append(r)
        return out

    @cached_property
    def _corrected(self) -> dict[str, int]:
        rows = self._rows("report/refusals_corrected", month=self.month, cutoff=self.cutoff)
        return {r["department_id"]: int(r["corrected"] or 0) for r in rows}

    def refusals_corrected(self, department_id: str) -> int:
        return self._corrected.get(department_id, 0)

    # --- the court's list ---------------------------------------------------------------
    @cached_property
    def organisation_debtors(self) -> list[dict]:
        if "court.dishonest_debtor" not in self.catalog.datasets:
            return []
        return self._rows("report/organisation_debtors", month=self.month)

    # --- the townships (seed 000: 镇街道园区政务诚信监测) ------------------------------------
    @cached_property
    def townships(self):
        """The register of the townships and their bodies as it stood at the cutoff."""
        from creditpipe.reporting.townships import Townships

        return Townships(self._register("township_register"))

    @cached_property
    def serious_events(self) -> list[dict]:
        """严重失信事件: the townships' bodies on the court's list (``townships.serious_events``)."""
        from creditpipe.reporting.townships import serious_events, with_responses

        monitoring = self.catalog.monitoring
        if not monitoring.get("debtor_list"):
            return []
        rows = self._rows("report/listed_bodies", cutoff=self.cutoff)
        removals = self._register("debtor_removals")
        events = serious_events(rows, self.townships, self.month, self.as_of, self.cutoff, removals)
        within = int(monitoring.get("response_within_working_days", 10))
        return with_responses(events, self._register("responses"), within, self.calendar, self.as_of)

    def _register(self, key: str) -> list[dict]:
        """The rows of the credit office's register ``monitoring.<key>`` as it stood at the cutoff."""
        from creditpipe.warehouse.registers import latest_rows

        register = self.catalog.datasets.get(self.catalog.monitoring.get(key, ""))
        return latest_rows(self.engine, register, self.cutoff) if register else []

    @cached_property
    def township_commitments(self) -> list[dict]:
        """守信践诺: the townships' commitments and their state as of the day judged."""
        from creditpipe.reporting.townships import commitment_states

        return commitment_states(self._register("commitments"), self.as_of)

    @cached_property
    def township_arrears(self) -> list[dict]:
        """清欠: the township bodies' accounts in arrears, this month against the last."""
        from creditpipe.reporting.townships import arrears

        previous = self.months[-2]
        rows = self.monitored_rows("arrears", [previous, self.month])
        return arrears(rows, self.townships, self.month, previous)

    @cached_property
    def township_penalties(self) -> list[dict]:
        """The month's penalties imposed on township bodies."""
        from creditpipe.reporting.townships import parties

        return parties(self.monitored_rows("penalties", [self.month]), self.townships)

    @cached_property
    def township_publications(self) -> list[dict]:
        """政务公开: the month's 双公示 records township bodies issued, each late or not."""
        from creditpipe.reporting.townships import parties

        return parties(self.monitored_rows("publications", [self.month]), self.townships)

    def monitored_rows(self, kind: str, months: list[str]) -> list[dict]:
        """The records of ``monitoring.<kind>``'s datasets delivered in ``months`` before the
        cutoff, their fields by role, each month's version (a record replaced by a later
        delivery still counts in its own month; one withdrawn by an objection does not), with
        its month, department and whether it was warned published late."""
        out = []
        for source in self.catalog.monitoring.get(kind) or []:
            ds = self.catalog.datasets[source["dataset"]]
            roles = {role: ds.column_of(name) for role, name in source.items() if role != "dataset"}
            cols = ", ".join(f'r.{c} AS "{role}"' for role, c in roles.items())
            # Table and column names come from the validated catalog; values are parameters.
            sql = sa.text(
                f"SELECT {cols}, b.department_id, b.delivered_month, b.delivered_at, "
                "EXISTS (SELECT 1 FROM record_issue i WHERE i.batch_id = r.batch_id AND i.source_row = r.source_row "
                "AND i.rule = 'late_publication') AS late "
                f"FROM {ds.table} r JOIN delivery_batch b ON b.batch_id = r.batch_id "
                "WHERE b.delivered_month IN :months AND b.delivered_at < :cutoff "
                "AND (r.superseded_by IS NULL OR r.superseded_by NOT LIKE '异议 %') "
                "ORDER BY b.delivered_at, r.source_row"
            ).bindparams(sa.bindparam("months", expanding=True))
            with self.engine.connect() as conn:
                for row in conn.execute(sql, {"months": months, "cutoff": self.cutoff}).mappings():
                    out.append({**row, "dataset_id": ds.id, "late": bool(row["late"])})
        return out
