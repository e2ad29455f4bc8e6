"""Builds the DAGs from the catalog. Only Airflow's SDK and the catalog are imported at
parse time; pandas, Great Expectations and the warehouse are imported inside the tasks."""

from __future__ import annotations

import datetime as dt
import logging
import os

from airflow.sdk import Asset, Param, TaskGroup, dag, get_current_context, task, task_group

from creditpipe.core.catalog import SCHEDULES, Catalog, CatalogError, Dataset
from creditpipe.core.clock import county_tz
from creditpipe.core.labels import CHANNEL_LABELS, CYCLE_LABELS
from creditpipe.orchestration import task_log
from creditpipe.orchestration.task_log import MAP_INDEX_TEMPLATE

log = logging.getLogger(__name__)


def _start(catalog: Catalog) -> dt.datetime:
    """The DAGs' start date, in the county's time zone (catchup is off: only its zone matters)."""
    return dt.datetime(2026, 1, 1, tzinfo=county_tz(catalog))


# Production retries transient faults; the demo and the tests set CREDITPIPE_TASK_RETRIES=0
# so a failure shows at once instead of after the retry delays. Every step is idempotent (a
# delivery loads once, by its bytes; a chunk's verdict is rewritten whole), so a step whose
# worker died is retried soon; collecting waits longer, for a department's system to return.
RETRIES = int(os.environ.get("CREDITPIPE_TASK_RETRIES", "2"))
RETRY_DELAY = dt.timedelta(seconds=30)
SOURCE_RETRY_DELAY = dt.timedelta(minutes=5)
DEFAULT_ARGS = {"owner": "信息中心", "retries": RETRIES, "retry_delay": RETRY_DELAY}


def warehouse_asset(dataset_id: str) -> Asset:
    """Emitted when a dataset's records land in the warehouse (issue 5's warnings listen)."""
    return Asset(name=f"warehouse.{dataset_id}", uri=f"creditpipe://warehouse/{dataset_id}")


def _handles(item: dict) -> None:
    """Name the running mapped task after what it handles (its map_index_template reads it)."""
    get_current_context()[task_log.HANDLES] = task_log.handles(item)


def _run_moment(context) -> dt.datetime:
    moment = context.get("data_interval_end") or context.get("logical_date")
    return moment or dt.datetime.now(dt.UTC)


def build_ingest_dag(dataset: Dataset, catalog: Catalog):
    """One DAG per dataset; inside, one task group per delivering department, so a source
    that is down does not hold up the others."""
    names = {d: catalog.departments[d].short_name for d in dataset.departments}
    sources_md = "\n".join(
        f"- {names[s.department]}：{CHANNEL_LABELS[s.channel]}"
        + (
            f" `landing/{s.department}/{dataset.name}/`"
            if s.channel == "landing"
            else f" （连接 `{s.option('conn_id')}`）"
        )
        for s in dataset.sources
    )

    @dag(
        dag_id=f"ingest__{dataset.slug}",
        # The list shows who delivers, unless the title says so already.
        dag_display_name=dataset.title
        if all(n in dataset.title for n in names.values())
        else f"{dataset.title} · {'、'.join(names.values())}",
        description=f"{'、'.join(names.values())}：{dataset.title} 归集、校验、入库、退回",
        schedule=dataset.schedule,
        start_date=_start(catalog),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["creditpipe", "ingest", *dataset.departments],
        doc_md=(
            f"### {dataset.title}（`{dataset.id}`）\n{sources_md}\n\n"
            f"交换周期：{CYCLE_LABELS[dataset.cycle]}报送；每日 00:00（{catalog.timezone}，即县里的时间）归集，月末的报送赶在次月 1 日 01:00 的月报之前入库。"
            "接口和前置库的记录按其变更时间计入月份（而非运行时间）。\n\n"
            f"按规则集 `expectations/{dataset.suite}.json` 逐条校验，合格记录入库 `{dataset.table}`，"
            "不合格记录写入该部门的退回箱。同一批记录只入库一次；接口和前置库按水位增量读取，"
            "水位随入库事务一并提交，失败的运行会重读而不会漏读。"
        ),
    )
    def ingest():
        @task(retry_delay=SOURCE_RETRY_DELAY)
        def collect(department_id: str) -> list[dict]:
            from creditpipe.orchestration import steps

            found = steps.collect(dataset.id, department_id, _run_moment(get_current_context()))
            log.info("%s", task_log.said_collected(f"{names[department_id]}·{dataset.title}", found))
            return [r.to_xcom() for r in found]

        @task(map_index_template=MAP_INDEX_TEMPLATE)
        def split(ref: dict) -> dict:
            from creditpipe.orchestration import steps

            _handles(ref)
            return task_log.say(steps.split(ref))

        @task
        def chunks_of(split_results: list) -> list[dict]:
            from creditpipe.orchestration import steps

            return [c.to_xcom() for c in steps.chunks_of(split_results)]

        @task
        def readable_of(split_results: list) -> list[dict]:
            from creditpipe.orchestration import steps

            return [d.to_xcom() for d in steps.readable_of(split_results)]

        @task
        def unreadable_of(split_results: list) -> list[dict]:
            from creditpipe.orchestration import steps

            return [u.to_xcom() for u in steps.unreadable_of(split_results)]

        # One mapped task per chunk: Celery workers on several machines share a large file.
        @task(max_active_tis_per_dagrun=8, map_index_template=MAP_INDEX_TEMPLATE)
        def check(chunk: dict) -> dict:
            from creditpipe.orchestration import steps

            _handles(chunk)
            return task_log.say(steps.check(chunk))

        @task(map_index_template=MAP_INDEX_TEMPLATE)
        def merge(delivery: dict, judged: list) -> dict:
            from creditpipe.orchestration import steps

            _handles(delivery)
            return task_log.say(steps.merge(delivery, list(judged)))

        @task(outlets=[warehouse_asset(dataset.id)], map_index_template=MAP_INDEX_TEMPLATE)
        def load(checked: dict) -> dict:
            from creditpipe.orchestration import steps

            _handles(checked)
            return task_log.say(steps.load(checked))

        @task(map_index_template=MAP_INDEX_TEMPLATE)
        def send_rejection_notice(loaded: dict) -> dict:
            from creditpipe.orchestration import steps

            _handles(loaded)
            return task_log.say(steps.send_rejection_notice(loaded))

        # Each delivery loads and sends its notice on its own (a mapped group: one map index
        # per delivery), so one delivery's failed load holds back no other's notice.
        @task_group(group_display_name="入库与退回")
        def deliver(checked: dict):
            send_rejection_notice(load(checked))

        # What an earlier run loaded but did not send (it failed after the load) is sent now.
        @task
        def send_owed_notices(department_id: str) -> list[dict]:
            from creditpipe.orchestration import steps

            dag_run = get_current_context().get("dag_run")
            started = getattr(dag_run, "start_date", None) or dt.datetime.now(dt.UTC)
            sent = steps.send_owed_notices(dataset.id, department_id, started)
            log.info("%s", f"补发此前未发出的退回通知 {len(sent)} 份" if sent else "没有待补发的退回通知")
            return [task_log.say(n) for n in sent]

        @task
        def zero_reports_of(split_results: list) -> list[dict]:
            from creditpipe.orchestration import steps

            return [z.to_xcom() for z in steps.zero_reports_of(split_results)]

        # A file with the header and no record: the department's 本期无数据 for its period.
        @task(map_index_template=MAP_INDEX_TEMPLATE)
        def record_zero_report(zero: dict) -> dict:
            from creditpipe.orchestration import steps

            _handles(zero)
            return task_log.say(steps.record_zero_report(zero))

        # A file that cannot be read takes its own way: refused whole, with a notice.
        @task(map_index_template=MAP_INDEX_TEMPLATE)
        def refuse_file(unreadable: dict) -> dict:
            from creditpipe.orchestration import steps

            _handles(unreadable)
            return task_log.say(steps.refuse_file(unreadable))

        for source in dataset.sources:
            label = f"{names[source.department]}（{CHANNEL_LABELS[source.channel]}）"
            with TaskGroup(group_id=source.department, group_display_name=label, tooltip=label):
                split_results = split.expand(ref=collect(source.department))
                judged = check.expand(chunk=chunks_of(split_results))
                checked = merge.partial(judged=judged).expand(delivery=readable_of(split_results))
                deliver.expand(checked=checked)
                send_owed_notices(source.department)
                refuse_file.expand(unreadable=unreadable_of(split_results))
                record_zero_report.expand(zero=zero_reports_of(split_results))

    return ingest()


def build_warning_dag(catalog: Catalog):
    """Runs after every load (any dataset's Asset) and every working morning (a feed that
    stops delivering loads nothing, so time must trigger too)."""
    from functools import reduce
    from operator import or_

    from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable

    mornings = CronTriggerTimetable(SCHEDULES["warning_mornings"], timezone=catalog.timezone)
    assets = [warehouse_asset(ds.id) for ds in catalog.datasets.values()]
    schedule = AssetOrTimeSchedule(timetable=mornings, assets=reduce(or_, assets)) if assets else mornings

    @dag(
        dag_id="early_warning",
        dag_display_name="预警（每次入库后与工作日上午）",
        description="预警：每次入库后及每个工作日上午评估预警规则，新预警即时邮件告知信用办",
        schedule=schedule,
        start_date=_start(catalog),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["creditpipe", "warning"],
        doc_md=(
            "### 预警\n每次任一数据集入库后、以及每个工作日上午（" + catalog.timezone + "，即县里的时间）"
            "按 `dags/catalog.yml` 的 `early_warnings.rules` 评估本月（及上月到期的交换周期）：\n"
            + "\n".join(
                f"- {r.get('level') or '分级'}　{r['title']}：{r['action']}"
                for r in catalog.early_warnings.get("rules", [])
            )
            + "\n\n新出现或等级上升的预警立即通过 SMTP 连接 `creditpipe_smtp` 发给信用办，"
            "镇街园区的预警另发给该镇街园区的预警联系人（只发它自己的）。任务日志写明本次新增预警的条数和等级。"
        ),
    )
    def early_warning():
        @task
        def raise_warnings() -> dict:
            from creditpipe.orchestration import month_steps

            context = get_current_context()
            dag_run = context.get("dag_run")
            moment = context.get("logical_date") or getattr(dag_run, "run_after", None) or dt.datetime.now(dt.UTC)
            return month_steps.raise_warnings(moment)

        raise_warnings()

    return early_warning()


def build_monthly_dag(catalog: Catalog):
    @dag(
        dag_id="monthly_report",
        dag_display_name="月度监测与预警报告",
        description="每月：各部门数据不合格率与考核扣分、时效性、覆盖率、预警；发布月度监测与预警报告（网页、PDF、表格）并邮件信用办",
        # Runs at 01:00 on the 1st for the month just ended; params.month re-runs any month.
        schedule=SCHEDULES["report"],
        start_date=_start(catalog),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["creditpipe", "monthly"],
        doc_md=(
            "### 月度监测与预警报告\n每月 1 日 01:00（" + catalog.timezone + "，即县里的时间）统计上一个月："
            "各部门的数据不合格率与考核扣分（附件2）、信息时效性、覆盖率，镇街园区的政务诚信监测指标，"
            "本月预警；发布报告的网页、PDF 和表格（`reports/<月份>/`），并邮件发给信用办。\n\n"
            "重跑或补跑某月：以参数 `month`（YYYY-MM）手动触发（Trigger → 填写 month）。"
            "重跑只更新报告文件；已邮件发送过的月份不再发送，除非勾选 `resend`。"
        ),
        params={
            "month": Param(
                None,
                type=["null", "string"],
                pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                description="统计月份 YYYY-MM；留空则为运行日期的上一个月",
            ),
            "resend": Param(
                False,
                type="boolean",
                description="该月报告已邮件发送过时是否再次发送（默认否：重跑只更新报告文件）",
            ),
        },
    )
    def monthly_report():
        @task
        def resolve_month() -> str:
            from creditpipe.orchestration import month_steps

            context = get_current_context()
            return month_steps.resolve_month((context.get("params") or {}).get("month"), context.get("logical_date"))

        @task
        def compute_figures(month: str) -> dict:
            from creditpipe.orchestration import month_steps

            figures = month_steps.compute_figures(month)
            log.info("%s", task_log.said_figures(figures))
            return figures

        @task
        def publish_report(month: str, figures: dict) -> dict:
            from creditpipe.orchestration import month_steps

            context = get_current_context()
            resend = bool((context.get("params") or {}).get("resend"))
            published = month_steps.publish_report(
                month, context.get("logical_date"), figures=figures["json"], resend=resend
            )
            log.info("%s", task_log.said_published(published))
            return published

        month = resolve_month()
        publish_report(month, compute_figures(month))

    return monthly_report()


def build_broken_entry(dataset_id: str, catalog: Catalog):
    """The DAG of a dataset whose declaration is wrong. It never loads: parsing it raises
    the catalog's message, which Airflow records as the DAG file's import error (shown atop
    the DAG list), while the file's other DAGs load as usual. The message lists every wrong
    entry, since Airflow keeps one import error per file."""
    from airflow.sdk import DAG

    class BrokenCatalogEntry(DAG):
        def validate(self):
            wrong = "\n".join(f"- ingest__{k.replace('.', '__')}：{v}" for k, v in catalog.broken.items())
            raise CatalogError(f"dags/catalog.yml 中有 {len(catalog.broken)} 个条目有误，其 DAG 未载入：\n{wrong}")

    return BrokenCatalogEntry(dag_id=f"ingest__{dataset_id.replace('.', '__')}", schedule=None)


def build_all(catalog: Catalog) -> dict:
    dags = {}
    for ds in catalog.datasets.values():
        d = build_ingest_dag(ds, catalog)
        dags[d.dag_id] = d
    for dataset_id in catalog.broken:
        d = build_broken_entry(dataset_id, catalog)
        dags[d.dag_id] = d
    for d in (build_warning_dag(catalog), build_monthly_dag(catalog)):
        dags[d.dag_id] = d
    return dags
