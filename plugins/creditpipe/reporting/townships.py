"""The townships, streets and parks (镇街道园区) and their bodies (seed 000 三（二）: 政务诚信
监测), from the credit office's register (credit.township_body), and any party attributed
to one of them:

1. by credit code: the register's code of a body (the reliable way);
2. by name: the register's name of a body;
3. by the shape of a government body's name naming a township: "江阴市华士镇人民政府",
   "江阴市人民政府澄江街道办事处", "江阴市华士镇华西村村民委员会" — a township of the register
   named in it, and a name a township body bears (人民政府, 办事处, 管理委员会, 村民委员会,
   居民委员会, 经济合作社).

A body recognised as governmental (credit code 11/12/54/55/N…, or such a name) that none of
the three attributes is listed for the credit office to settle (added to the register),
never dropped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from creditpipe.core.identifiers import is_masked_resident_id

# Names only township bodies bear (a company may be called …服务中心, not …村民委员会).
BODY_SUFFIXES = ("人民政府", "办事处", "管理委员会", "村民委员会", "居民委员会", "经济合作社")
# GB 32100's first two characters of the credit code of the kinds of body the seeds watch:
# 11 机关, 12 事业单位, 54 村民委员会, 55 居民委员会, N1–N3 集体经济组织.
BODY_CODE_PREFIXES = ("11", "12", "54", "55", "N1", "N2", "N3")


@dataclass(frozen=True)
class Body:
    township: str
    name: str
    kind: str
    credit_code: str = ""


@dataclass(frozen=True)
class Attribution:
    township: str | None  # None: a government body no township could be found for
    how: str  # 统一社会信用代码 / 单位名称 / 名称所含镇街园区 / 未能归属
    body: Body | None = None


def looks_governmental(name: str, code: str) -> bool:
    """Whether a party is a body the monitoring watches, by its code or its name."""
    code = (code or "").strip().upper()
    return (len(code) == 18 and code.startswith(BODY_CODE_PREFIXES)) or (name or "").strip().endswith(BODY_SUFFIXES)


class Townships:
    """The register: each township and its bodies."""

    def __init__(self, rows: list[dict]):
        self.bodies = [
            Body(r["镇街园区"].strip(), r["单位名称"].strip(), r["单位类别"], (r.get("统一社会信用代码") or "").strip())
            for r in rows
        ]
        self.names = sorted({b.township for b in self.bodies})
        self.contacts = {r["镇街园区"].strip(): r.get("预警联系邮箱") or "" for r in rows if r.get("预警联系邮箱")}
        self._by_code = {b.credit_code.upper(): b for b in self.bodies if b.credit_code}
        self._by_name = {b.name: b for b in self.bodies}
        # Longest first: 江阴临港经济开发区 before a shorter name it contains.
        self._by_length = sorted(self.names, key=len, reverse=True)

    def attribute(self, name: str, code: str = "", by_code_alone: bool = True) -> Attribution | None:
        """The township a party belongs to; None for a party that is not a township body
        (a company, a person) and names none. ``by_code_alone``: a body unattributed is one
        by its code too (11 机关, 12 事业单位…) — so on the court's list, where any government
        body matters; off for the parties of penalties and licences, whose issuers are the
        county's own bureaus (11 too), so that only a township-shaped name is listed there."""
        name, code = (name or "").strip(), (code or "").strip().upper()
        if code and code in self._by_code:
            body = self._by_code[code]
            return Attribution(body.township, "统一社会信用代码", body)
        if name in self._by_name:
            body = self._by_name[name]
            return Attribution(body.township, "单位名称", body)
        if name.endswith(BODY_SUFFIXES):
            township = next((t for t in self._by_length if t in name), None)
            if township is not None:
                return Attribution(township, "名称所含镇街园区")
        if name.endswith(BODY_SUFFIXES) or (by_code_alone and looks_governmental(name, code)):
            return Attribution(None, "未能归属")
        return None


def serious_events(
    rows: list[dict],
    townships: Townships,
    month: str,
    as_of: dt.date,
    cutoff: str,
    removals: list[dict] = (),
) -> list[dict]:
    """严重失信事件: township bodies on the court's list (``listed_bodies.sql`` rows), one per
    case and debtor — 新列入 (first delivered in the month), 仍在列 (listed before, still
    listed: carried from month to month), 已移出 (ended in the month: the court's removal —
    ``removals``, its 删除日期 and 删除原因, 法释〔2017〕7号 第十条 — or an objection's 撤销) —
    with the days on the list (from its 发布时间 to the day judged, or to its end). An event
    that ended in an earlier month is no longer one. Bodies no township could be found for
    are kept, their township None."""
    removed = {((r["案号"] or "").strip(), (r["身份证号码/组织机构代码"] or "").strip()): r for r in removals}
    by_key: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        by_key.setdefault((r["case_no"], (r["debtor_id_no"] or "").strip()), []).append(r)
    out = []
    for (case_no, code), versions in by_key.items():
        latest = versions[-1]
        if is_masked_resident_id(code) and not (latest["legal_rep_name"] or "").strip():
            continue  # a person whose 性别 was left blank (110105… is Beijing, not 11 机关)
        found = townships.attribute(latest["debtor_name"], code)
        if found is None:
            continue
        first = min(v["delivered_at"] for v in versions)
        ends = []
        if (latest["superseded_by"] or "").startswith("异议 ") and latest["withdrawn_at"] < cutoff:
            ends.append((latest["withdrawn_at"][:10], f"异议撤销（{latest['superseded_by'][3:]}）"))
        removal = removed.get((case_no, code))
        if removal is not None and _day(removal["删除日期"]):
            ends.append((_day(removal["删除日期"]).isoformat(), f"法院删除：{removal['删除原因']}"))
        withdrawn, how = min(ends) if ends else (None, None)
        if withdrawn is not None and withdrawn[:7] < month:
            continue  # ended in an earlier month: no longer an event
        status = "已移出" if withdrawn else ("新列入" if first[:7] == month else "仍在列")
        since = _day(latest["published_date"]) or dt.date.fromisoformat(first[:10])
        until = dt.date.fromisoformat(withdrawn) if withdrawn else as_of
        out.append(
            {
                "township": found.township,
                "attributed_by": found.how,
                "name": (latest["debtor_name"] or "").strip(),
                "credit_code": code,
                "kind": body_kind(latest["debtor_name"], code, found),
                "case_no": case_no,
                "court_name": latest["court_name"],
                "published_date": latest["published_date"],
                "listed_since": first[:10],
                "status": status,
                "withdrawn_on": withdrawn,
                "removed_how": how,
                "days_on_list": max(0, (until - since).days),
            }
        )
    return sorted(out, key=lambda e: (e["township"] is None, e["township"] or "", e["listed_since"], e["case_no"]))


def body_kind(name: str, code: str, found: Attribution) -> str:
    """How the report names the kind of body: by its credit code (11 机关, 12 事业单位), else
    the register's kind, else by its name."""
    by_code = (
        {"11": "机关", "12": "事业单位", "54": "村民委员会", "55": "居民委员会"}.get(code[:2])
        if len(code) == 18
        else None
    )
    if by_code:
        return by_code
    if found.body is not None:
        return found.body.kind
    if (name or "").strip().endswith(("村民委员会", "居民委员会")):
        return "基层群众性自治组织"
    return "政府机构"


def _day(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text or "").strip()[:10])
    except ValueError:
        return None


def township_rows(
    townships: Townships,
    events: list[dict],
    points: int,
    owed: list[dict] = (),
    penalised: list[dict] = (),
    issued: list[dict] = (),
    commitments: list[dict] = (),
    weights: dict | None = None,
) -> list[dict]:
    """Each township's indicators for the month: 严重失信事件 (bodies listed — 新列入, 仍在列,
    已移出 — the longest on the list, and seed 002 五's deduction, once per township however
    many of its bodies are listed: "considered met if not listed"); 清欠 (its bodies' arrears
    this month and last, accounts cleared and grown: ``arrears``); penalties imposed on its
    bodies; 政务公开 (双公示 records its bodies issued, and how many were published late);
    政府反馈 (events without a response in time); 守信践诺 (commitments failed); and, with
    ``weights``, the composite — by which the rows are ranked, best first."""
    out = []
    for name in townships.names:
        mine = [e for e in events if e["township"] == name]
        listed = [e for e in mine if e["status"] != "已移出"]
        debts = [a for a in owed if a["township"] == name]
        records = [r for r in issued if r["township"] == name]
        late = sum(r["late"] for r in records)
        out.append(
            {
                "township": name,
                "bodies": sum(b.township == name for b in townships.bodies),
                "newly_listed": sum(e["status"] == "新列入" for e in mine),
                "still_listed": sum(e["status"] == "仍在列" for e in mine),
                "removed": sum(e["status"] == "已移出" for e in mine),
                "longest_days": max((e["days_on_list"] for e in listed), default=0),
                "deduction": points if listed else 0,
                "arrears_amount": round(sum(a["amount"] for a in debts), 2),
                "arrears_previous": round(sum(a["previous"] or 0 for a in debts), 2),
                "arrears_cleared": sum(a["status"] == "已结清" for a in debts),
                "arrears_grown": sum(a["status"] in ("新增", "增加") for a in debts),
                "penalties": sum(r["township"] == name for r in penalised),
                "issued": len(records),
                "published_late": late,
                "on_time_pct": round((len(records) - late) * 100 / len(records), 2) if records else None,
                "responses_overdue": sum(bool(e.get("response_overdue")) for e in mine),
                "commitments": sum(c["township"] == name for c in commitments),
                "commitments_failed": sum(c["township"] == name and c["failed"] for c in commitments),
            }
        )
    if weights:
        for row in out:
            row["composite"] = composite(row, weights)
        out.sort(key=lambda r: (-r["composite"], r["township"]))
        for row in out:  # equal indices share a rank
            row["rank"] = 1 + sum(other["composite"] > row["composite"] for other in out)
    return out


def _amount(text) -> Decimal:
    try:
        return Decimal(str(text or "0").strip())
    except InvalidOperation:
        return Decimal(0)


def arrears(rows: list[dict], townships: Townships, month: str, previous: str) -> list[dict]:
    """清欠 (政府失信问题专项治理; seed 003: 欠款…月月有进度): each township body's account in
    arrears with a utility, this month against the last — the amount each month (an account's
    latest row of the month), and what became of it: 新增, 增加, 减少, 持平, or 已结清 (in arrears
    last month, absent this month while its utility delivered this month). ``rows``:
    ``facts.monitored_rows("arrears", [previous, month])``."""
    latest: dict[tuple, dict] = {}
    for r in rows:
        latest[(r["delivered_month"], r["dataset_id"], r["department_id"], (r["account"] or "").strip())] = r
    delivered = {(m, dep) for m, _, dep, _ in latest}
    accounts: dict[tuple, dict] = {}
    for (m, ds, dep, account), r in latest.items():
        found = townships.attribute(r["name"], r["code"] or "", by_code_alone=False)
        if found is None:
            continue
        entry = accounts.setdefault(
            (ds, dep, account),
            {
                "township": found.township,
                "name": (r["name"] or "").strip(),
                "provider": r["provider"],
                "account": account,
            },
        )
        entry[m] = _amount(r["amount"])
        entry[f"months_{m}"] = r["months"]
    out = []
    for (_, dep, _), a in accounts.items():
        now, before = a.get(month), a.get(previous)
        if now is None and (before is None or (month, dep) not in delivered):
            continue  # its utility has not delivered this month: nothing to say yet
        if now is None:
            status = "已结清"
        elif before is None:
            status = "新增"
        else:
            status = "增加" if now > before else "减少" if now < before else "持平"
        out.append(
            {
                "township": a["township"],
                "name": a["name"],
                "provider": a["provider"],
                "account": a["account"],
                "amount": float(now or 0),
                "previous": None if before is None else float(before),
                "months_overdue": a.get(f"months_{month}"),
                "status": status,
            }
        )
    return sorted(out, key=lambda a: (a["township"] is None, a["township"] or "", -a["amount"], a["name"]))


def parties(rows: list[dict], townships: Townships) -> list[dict]:
    """The records (penalties on them, or 双公示 records they issued) whose party in the
    source's ``name``/``code`` roles is a township body, attributed."""
    out = []
    for r in rows:
        found = townships.attribute(r["name"], r["code"] or "", by_code_alone=False)
        if found is not None:
            out.append({**r, "township": found.township, "attributed_by": found.how})
    return out


def with_responses(events: list[dict], responses: list[dict], within: int, calendar, as_of: dt.date) -> list[dict]:
    """政府反馈: each serious event with the township's response (the credit office's register
    ``credit.event_response``, by case and body) and whether it came later than ``within``
    working days after the listing was first delivered; or — none yet — the working days it
    has waited, and whether that is beyond ``within`` (the last day allowed is the
    ``within``-th working day, so more than it is overdue)."""
    by_key = {((r["案号"] or "").strip(), (r["单位名称"] or "").strip()): r for r in responses}
    out = []
    for e in events:
        r = by_key.get((e["case_no"], e["name"]))
        since = dt.date.fromisoformat(e["listed_since"])
        waited = calendar.working_days_between(since, as_of)
        answered = _day(r["反馈日期"]) if r else None
        out.append(
            {
                **e,
                "responded_on": r["反馈日期"] if r else None,
                "measures": r["整改措施"] if r else None,
                "expected_on": (r.get("预计履行日期") or None) if r else None,
                "waited_working_days": None if r else waited,
                "response_overdue": r is None and e["status"] != "已移出" and waited > within,
                "response_late": answered is not None and calendar.working_days_between(since, answered) > within,
            }
        )
    return out


def commitment_states(rows: list[dict], as_of: dt.date) -> list[dict]:
    """守信践诺: each township's commitment (``township.commitment``, which it delivers) and its state
    as of the day judged: 已兑现; 未兑现 (broken, as registered); 逾期未兑现 (past its 兑现期限,
    not kept); 履约中."""
    out = []
    for r in rows:
        status = (r["履约状态"] or "").strip()
        status = {"已履约": "已兑现", "违诺": "未兑现", "进行中": "履约中"}.get(status, status)
        due = _day(r["兑现期限"])
        if status == "履约中" and due is not None and due < as_of:
            status = "逾期未兑现"
        out.append(
            {
                "number": r["承诺编号"],
                "township": (r["镇街园区"] or "").strip(),
                "matter": r["承诺事项"],
                "kind": r["承诺类型"],
                "made_on": r["作出日期"],
                "due_on": r["兑现期限"],
                "kept_on": r.get("兑现日期") or None,
                "status": status,
                "failed": status in ("未兑现", "逾期未兑现"),
            }
        )
    return sorted(out, key=lambda c: (c["township"], c["due_on"] or "", c["number"]))


def composite(row: dict, weights: dict) -> int:
    """街道乡镇政务诚信建设: ``start`` less each occurrence's points (catalog
    ``monitoring.composite``), not below 0."""
    lost = (
        (weights["listed_body"] if row["deduction"] else 0)
        + weights["response_overdue"] * row["responses_overdue"]
        + weights["arrears_grown"] * row["arrears_grown"]
        + weights["penalty"] * row["penalties"]
        + weights["late_publication"] * row["published_late"]
        + weights["commitment_failed"] * row["commitments_failed"]
    )
    return max(0, int(weights["start"]) - lost)


def composite_text(weights: dict) -> str:
    """The composite's formula in words, as the report states it."""
    return (
        f"政务诚信建设指数 = {weights['start']} − 所属单位被列为失信被执行人 {weights['listed_body']} − "
        f"每件超期未反馈的严重失信事件 {weights['response_overdue']} − 每户新增或增加的欠费 {weights['arrears_grown']} − "
        f"所属单位每件受行政处罚 {weights['penalty']} − 每条超期公示的双公示信息 {weights['late_publication']} − "
        f"每项未兑现或逾期未兑现的承诺 {weights['commitment_failed']}，最低为0。"
    )
