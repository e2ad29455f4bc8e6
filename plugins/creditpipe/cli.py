"""The creditpipe command line.

  creditpipe validate --dataset ID FILE --out DIR   judge one delivered file
  creditpipe score --department D --month YYYY-MM   a department's assessment, each deduction's evidence
  creditpipe score conformity --rate-pct P          信息规范性 deduction for a rate
  creditpipe assess adjust --department D --item I --points P --reason R   the credit office's deduction
  creditpipe figures --month YYYY-MM                the month's figures from the warehouse
  creditpipe report --month YYYY-MM [--send]        rebuild a month's report from the warehouse
  creditpipe log --month YYYY-MM [--csv]            the month's collection log (归集日志)
  creditpipe demo [--month YYYY-MM] [--months N]    county months end to end, through Airflow
  creditpipe suites [--check]                       suites and tables from the datasets' declarations
  creditpipe init-warehouse                         create the warehouse tables from sql/
  creditpipe prod-smoke [--month YYYY-MM] [--keep]  the production shape (Celery) run and checked
  creditpipe airflow-ui [--port N]                  Airflow's UI and scheduler, on 127.0.0.1 only
  creditpipe airflow -- ARGS                        airflow with this project's environment

Errors are one line on stderr, never a traceback (set CREDITPIPE_DEBUG=1 to see one)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE = 0, 1, 2


# argparse's own messages (Python 3.11), said in Chinese: every refusal here is one line of it.
_ARGPARSE_MESSAGES = (
    (r"^the following arguments are required: (.+)$", r"缺少必填参数：\1"),
    (r"^unrecognized arguments: (.+)$", r"无法识别的参数：\1"),
    (r"^argument (\S+): invalid choice: (.+) \(choose from (.+)\)$", r"参数 \1：无效的选项 \2（可选：\3）"),
    (r"^argument (\S+): invalid (\w+) value: (.+)$", r"参数 \1：值 \3 不是有效的 \2"),
    (r"^argument (\S+): expected one argument$", r"参数 \1 后须跟一个值"),
    (r"^argument (\S+): not allowed with argument (\S+)$", r"参数 \1 不能与 \2 同时使用"),
    (r"^argument (\S+): (.+)$", r"参数 \1：\2"),
)


def chinese_argparse_message(message: str) -> str:
    import re

    for pattern, replacement in _ARGPARSE_MESSAGES:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line of Chinese, exit 2, like every other refusal here
        self.exit(EXIT_UNREADABLE, f"creditpipe: 参数错误：{chinese_argparse_message(message)}\n")


def _month(text: str) -> str:
    from creditpipe.core.months import check_month

    try:
        return check_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"须为有效日期，格式 YYYY-MM-DD（收到“{text[:20]}”）") from None


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="creditpipe", description="信用信息归集：校验、入库、退回与月度监测")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("validate", help="按数据集规则校验一个报送文件，写出退回清单与退回通知")
    v.add_argument("--dataset", required=True, help="数据集编号，如 market.admin_penalty")
    v.add_argument("file", help="报送文件（CSV 或 XLSX）")
    v.add_argument("--out", required=True, help="输出目录")
    v.add_argument(
        "--delivery-date",
        type=_day,
        help="报送日期 YYYY-MM-DD（默认文件的修改日期），决定日期不得晚于它、双公示期限按它计算",
    )
    v.add_argument("--department", help="报送部门编号（数据集由多个部门报送时必填，如 water）")

    s = sub.add_parser("score", help="考核得分：某部门某月各项扣分及依据；或按不合格率计算扣分")
    s.add_argument("--department", help="部门编号，如 market")
    s.add_argument("--month", type=_month, help="YYYY-MM（本年截至该月）")
    s.add_argument("--home", help="数据目录（默认 $CREDITPIPE_HOME 或 var/）")
    s_sub = s.add_subparsers(dest="item", required=False, parser_class=_Parser)
    c = s_sub.add_parser("conformity", help="信息规范性：按数据不合格率计算扣分")
    c.add_argument("--rate-pct", required=True, help="数据不合格率（百分数，如 1.2 表示 1.2%%）")

    a = sub.add_parser("assess", help="信用办评定的考核扣分")
    a_sub = a.add_subparsers(dest="action", required=True, parser_class=_Parser)
    adj = a_sub.add_parser("adjust", help="记录一项由信用办评定的扣分（如 双公示信息报送），须写明理由")
    adj.add_argument("--department", required=True, help="部门编号，如 market")
    adj.add_argument("--item", required=True, help="考核项目，如 双公示信息报送")
    adj.add_argument("--points", required=True, help="扣分（0.5 的倍数；撤回用负数）")
    adj.add_argument("--reason", required=True, help="扣分理由（报告列在扣分旁）")
    adj.add_argument("--month", type=_month, help="计入的月份 YYYY-MM（默认本月）")
    adj.add_argument("--by", help="记录人（默认当前系统用户）")
    adj.add_argument("--home", help="数据目录（默认 $CREDITPIPE_HOME 或 var/）")

    f = sub.add_parser("figures", help="从数据仓库计算某月各部门数据不合格率与扣分")
    f.add_argument("--month", required=True, type=_month, help="YYYY-MM")
    f.add_argument("--home", help="数据目录（默认 $CREDITPIPE_HOME 或 var/）")

    r = sub.add_parser("report", help="从数据仓库重建某月的监测与预警报告（网页、PDF、表格）")
    r.add_argument("--month", required=True, type=_month, help="YYYY-MM")
    r.add_argument("--home", help="数据目录（默认 $CREDITPIPE_HOME 或 var/）")
    r.add_argument("--send", action="store_true", help="同时通过 SMTP 连接 creditpipe_smtp 发送给信用办")
    r.add_argument(
        "--format", action="append", choices=("html", "pdf", "xlsx"), help="只生成指定形式（可重复；默认三种都生成）"
    )

    g = sub.add_parser("log", help="某月归集日志：每次报送（文件、接口、前置库）的来源、哈希、时间、状态与条数")
    g.add_argument("--month", required=True, type=_month, help="YYYY-MM（按接收时间）")
    g.add_argument("--home", help="数据目录（默认 $CREDITPIPE_HOME 或 var/）")
    g.add_argument("--csv", action="store_true", help="输出 CSV（表头同上，供表格软件打开）")

    d = sub.add_parser("demo", help="生成模拟报送数据并经 Airflow 端到端运行（默认连续 3 个月）")
    d.add_argument("--month", type=_month, help="最后一个月 YYYY-MM（默认上个月）")
    d.add_argument("--months", type=int, default=3, help="连续运行的月数（默认 3，至少 1）")
    d.add_argument("--home", help="数据目录（默认 $CREDITPIPE_HOME 或 var/）")
    d.add_argument("--seed", type=int, default=20261, help="随机种子（默认 20261）")

    g2 = sub.add_parser(
        "suites", help="由 dags/datasets/ 的数据集声明生成规则集（expectations/）和建表语句（sql/datasets/）"
    )
    g2.add_argument("--check", action="store_true", help="只检查生成的文件是否与声明一致（不一致则退出码 1）")

    w = sub.add_parser("init-warehouse", help="按 sql/ 建立（或补齐）数据仓库的表")
    w.add_argument("--home", help="数据目录（默认 $CREDITPIPE_HOME 或 var/）")

    ps = sub.add_parser(
        "prod-smoke", help="以进程方式启动生产形态（Celery、PostgreSQL、Redis）并经 REST API 验证一个月的运行"
    )
    ps.add_argument("--month", help="模拟的月份 YYYY-MM（默认上一个月）")
    ps.add_argument("--keep", action="store_true", help="保留临时目录（各服务日志与数据）以便查看")

    u = sub.add_parser("airflow-ui", help="启动 Airflow 界面与调度器（只在本机 127.0.0.1 监听）")
    u.add_argument("--home", help="数据目录（默认 $CREDITPIPE_HOME 或 var/）")
    u.add_argument("--port", type=int, default=8080, help="界面端口（默认 8080）")

    a = sub.add_parser("airflow", help="以本项目的环境运行 airflow 命令")
    a.add_argument("--home", help="数据目录（默认 $CREDITPIPE_HOME 或 var/）")
    a.add_argument("args", nargs=argparse.REMAINDER)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        from creditpipe.core.catalog import load_catalog

        for message in load_catalog().broken.values():  # a wrong dataset entry leaves out only its dataset
            print(f"creditpipe: 注意：{message}", file=sys.stderr)
        return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("creditpipe: 已中断", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one clear line, no traceback
        if os.environ.get("CREDITPIPE_DEBUG"):
            raise
        from creditpipe.devtools.airflow_env import AirflowRunError

        text = str(exc) or type(exc).__name__
        # An Airflow run's failure carries the tail of its log: that is what broke.
        shown = text if isinstance(exc, AirflowRunError) else text.splitlines()[0]
        print(f"creditpipe: {args.command} 失败：{shown}", file=sys.stderr)
        return EXIT_FAILED


def _delivery_date(given: dt.date | None, path: Path) -> tuple[dt.date, str]:
    """The day the file counts as delivered, and how it was found: as given, or — none given
    — the file's modification day in county time (when a landing folder would have seen it),
    not today (an old file judged as delivered today is warned for every late publication)."""
    from creditpipe.core.clock import county_tz

    if given is not None:
        return given, "--delivery-date"
    if not path.is_file():  # refused when it is read, with the reason (missing, a folder, …)
        return dt.date.today(), "今天"
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, county_tz()).date()
    return modified, "文件修改时间"


def cmd_validate(args) -> int:
    import tempfile

    from tqdm import tqdm

    from creditpipe.core.catalog import CatalogError, load_catalog
    from creditpipe.core.clock import county_tz
    from creditpipe.core.handoffs import UnreadableFile, ZeroReport
    from creditpipe.notice.files import write_rejections_csv
    from creditpipe.notice.workbook import write_rejection_notice
    from creditpipe.orchestration.steps import check_file
    from creditpipe.quality.chunks import read_verdict

    try:
        catalog = load_catalog()
        dataset = catalog.dataset(args.dataset)
        if args.department:
            department = catalog.departments[dataset.source_for(args.department).department]
        elif len(dataset.sources) == 1:
            department = catalog.departments[dataset.department]
        else:
            raise CatalogError(
                f"数据集 {dataset.id} 由多个部门报送（{'、'.join(dataset.departments)}），请用 --department 指定"
            )
    except (CatalogError, ValueError) as exc:
        print(f"creditpipe: 无法读取：{exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    path = Path(args.file)
    when, dated_by = _delivery_date(args.delivery_date, path)
    if dated_by != "--delivery-date":
        print(f"报送日期：{when}（未指定 --delivery-date，取{dated_by}；决定日期与双公示期限按此日判断）")
    delivered_at = dt.datetime.combine(when, dt.time(), county_tz())
    # The same way every delivery is judged (split, chunks on threads, merge), its work
    # folder a temporary one: nothing is loaded, nothing is moved. A progress bar on a
    # terminal only (silent in logs and CI).
    bar = tqdm(
        total=100,
        unit="%",
        desc=f"校验 {path.name}",
        disable=not sys.stderr.isatty(),
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
    )
    with tempfile.TemporaryDirectory(prefix="creditpipe-validate-") as work, bar:
        result = check_file(
            dataset.id,
            path,
            work,
            delivered_at,
            department.id,
            progress=lambda share: bar.update(round(share * 100) - bar.n),
        )
        if isinstance(result, UnreadableFile):
            print(f"creditpipe: 无法读取：{result.reason}", file=sys.stderr)
            return EXIT_UNREADABLE
        if isinstance(result, ZeroReport):
            print(
                f"{path.name}：只有表头，没有记录——报送时视为本期无数据（零报告），覆盖 {result.covers_from} 至 {result.covers_until}"
            )
            return EXIT_OK
        batch, verdict = read_verdict(result.work_dir)
    out = Path(args.out)
    csv_path = write_rejections_csv(verdict, out)
    xlsx_path = write_rejection_notice(
        verdict, dataset, department, path.name, delivered_at, out, extra_columns=batch.get("extra_columns") or []
    )
    summary = verdict.summary()
    print(f"退回清单：{csv_path}")
    print(f"退回通知：{xlsx_path}")
    print(
        json.dumps(
            {
                "dataset": dataset.id,
                "file": path.name,
                "encoding": batch["encoding"],
                "delivery_date": when.isoformat(),
                "delivery_date_from": dated_by,
                **summary,
            },
            ensure_ascii=False,
        )
    )
    return EXIT_OK


def cmd_score(args) -> int:
    from decimal import Decimal, InvalidOperation

    from creditpipe.core.catalog import load_catalog
    from creditpipe.reporting.scores import conformity_deduction

    if args.item is None:
        return _department_score(args)

    try:
        rate = Decimal(args.rate_pct)
        if not rate.is_finite() or rate < 0:
            raise InvalidOperation
    except InvalidOperation:
        print(f"creditpipe: --rate-pct 须为不小于 0 的数字，收到 {args.rate_pct!r}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(conformity_deduction(rate, load_catalog().assessment["conformity"]))
    return EXIT_OK


def _department_score(args) -> int:
    """`creditpipe score --department D --month M`: section 三 of 附件2 for the department,
    the month and the year to date, every deduction with its evidence."""
    from creditpipe.core.catalog import load_catalog
    from creditpipe.orchestration.steps import warehouse_engine
    from creditpipe.reporting.facts import MonthFacts
    from creditpipe.reporting.scores import department_score

    catalog = load_catalog()
    if not args.department or not args.month:
        print("creditpipe: 请写明 --department 和 --month（或使用 score conformity --rate-pct）", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.department not in catalog.assessed:
        known = "、".join(catalog.assessed)
        print(f"creditpipe: 未知部门 {args.department!r}；受考核的部门：{known}", file=sys.stderr)
        return EXIT_UNREADABLE
    facts = MonthFacts.judged(warehouse_engine(args.home), catalog, args.month)
    score = department_score(facts, args.department)
    dep = catalog.departments[args.department]
    print(
        f"{dep.short_name}（{dep.name}）{args.month[:4]}年{int(args.month[5:])}月考核（附件2 三、信用信息归集处理），截至 {facts.as_of}"
    )
    for i in score["items"]:
        if i["scored"]:
            print(
                f"  {i['item']}（{i['points']}分）：本年扣 {i['ytd']['deduction']} 分，得 {i['score']} 分；本月扣 {i['month']['deduction']} 分"
            )
            print(f"      本年依据：{i['ytd']['evidence']}")
            print(f"      本月依据：{i['month']['evidence']}")
        else:
            print(f"  {i['item']}（{i['points']}分）：待评——{i['evidence']}")
    print(
        f"本年得分 {score['ytd_score']}／{score['scored_points']}（本年扣 {score['ytd_deduction']} 分；本月扣 {score['month_deduction']} 分）"
    )
    return EXIT_OK


def cmd_assess(args) -> int:
    """`creditpipe assess adjust`: a deduction the credit office judges (附件2 三、双公示信息报送),
    stored with its reason, who and when; the month's report and `creditpipe score` show it."""
    import getpass

    from creditpipe.core.catalog import load_catalog
    from creditpipe.core.clock import county_now
    from creditpipe.orchestration.steps import warehouse_engine
    from creditpipe.warehouse.adjustments import AdjustmentError, record_adjustment

    catalog = load_catalog()
    judged = {t["title"]: t for k, t in catalog.assessment.items() if k == "public_disclosure"}
    if args.department not in catalog.assessed:
        print(f"creditpipe: 未知部门 {args.department!r}；受考核的部门：{'、'.join(catalog.assessed)}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.item not in judged:
        print(f"creditpipe: {args.item!r} 不是由信用办评定的考核项目；可记录：{'、'.join(judged)}", file=sys.stderr)
        return EXIT_UNREADABLE
    now = county_now()
    try:
        row = record_adjustment(
            warehouse_engine(args.home),
            department_id=args.department,
            item=args.item,
            month=args.month or now.strftime("%Y-%m"),
            points=args.points,
            reason=args.reason,
            recorded_by=args.by or getpass.getuser(),
            recorded_at=now.isoformat(timespec="seconds"),
            max_points=int(judged[args.item]["max_points"]),
        )
    except AdjustmentError as exc:
        print(f"creditpipe: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    dep = catalog.departments[args.department]
    print(
        f"已记录：{dep.short_name} {row['month']} {row['item']} 扣{row['points']}分（{row['reason']}；{row['recorded_by']}，{row['recorded_at']}）"
    )
    return EXIT_OK


def cmd_figures(args) -> int:
    from creditpipe.orchestration.month_steps import compute_figures

    result = compute_figures(args.month, args.home)
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


def cmd_report(args) -> int:
    from creditpipe.core import settings
    from creditpipe.core.catalog import load_catalog
    from creditpipe.orchestration.steps import warehouse_engine
    from creditpipe.reporting.publish import publish_month

    engine = warehouse_engine(args.home)
    formats = tuple(dict.fromkeys(args.format or ("html", "pdf", "xlsx")))
    out = publish_month(
        engine, load_catalog(), args.month, settings.paths(args.home).reports, send=args.send, formats=formats
    )
    for key in ("html", "pdf", "xlsx", "quarter_html", "quarter_pdf", "quarter_xlsx", "index"):
        if key in out:
            print(f"{key}: {out[key]}")
    print(f"预警 {out['warnings']} 条" + ("；已发送信用办" if out["mailed"] else ""))
    return EXIT_OK


def cmd_log(args) -> int:
    from creditpipe.core.catalog import load_catalog
    from creditpipe.orchestration.steps import warehouse_engine
    from creditpipe.warehouse.collection_log import as_csv, as_table, collection_log, log_lines, summary, unbalanced

    catalog = load_catalog()
    rows = collection_log(warehouse_engine(args.home), args.month)
    lines = log_lines(rows, catalog)
    if args.csv:
        sys.stdout.write(as_csv(lines))
    else:
        print(as_table(lines) if lines else f"{args.month} 没有报送记录")
        print(summary(rows, args.month))
    wrong = unbalanced(rows)
    for r in wrong:
        print(
            f"creditpipe: 归集日志不平：{r['file_name']} 收到 {r['received']}，入库 {r['accepted']} + 退回 {r['rejected']}",
            file=sys.stderr,
        )
    return EXIT_FAILED if wrong else EXIT_OK


def cmd_demo(args) -> int:
    from creditpipe.core.clock import county_now
    from creditpipe.core.months import previous_month
    from creditpipe.devtools.demo import run_demo

    if args.months < 1:
        print("creditpipe: --months 至少为 1", file=sys.stderr)
        return EXIT_UNREADABLE
    month = args.month or previous_month(county_now().strftime("%Y-%m"))  # as `make demo` does
    run_demo(month, home=args.home, seed=args.seed, months=args.months)
    return EXIT_OK


def cmd_suites(args) -> int:
    from creditpipe.core import settings
    from creditpipe.core.catalog import load_catalog
    from creditpipe.devtools import generate

    catalog, project = load_catalog(), settings.project_dir()
    if args.check:
        stale = generate.stale(catalog, project)
        for path in stale:
            print(f"creditpipe: {path.relative_to(project)} 与数据集声明不一致：请运行 make suites", file=sys.stderr)
        return EXIT_FAILED if stale else EXIT_OK
    for path in generate.write(catalog, project):
        print(f"已生成 {path.relative_to(project)}")
    print(f"{len(catalog.datasets)} 个数据集的规则集与建表语句均与声明一致")
    return EXIT_OK


def cmd_init_warehouse(args) -> int:
    from creditpipe.core import settings
    from creditpipe.core.catalog import load_catalog
    from creditpipe.warehouse.schema import apply_schema, connect

    engine = connect(settings.warehouse_url(args.home))
    apply_schema(engine, load_catalog())
    print(f"数据仓库已就绪：{engine.url.render_as_string(hide_password=True)}")
    return EXIT_OK


def cmd_prod_smoke(args) -> int:
    from creditpipe.devtools.prod_smoke import run_prod_smoke

    run_prod_smoke(args.month, keep=args.keep)
    return EXIT_OK


def cmd_airflow(args) -> int:
    from creditpipe.devtools.airflow_env import call_airflow

    return call_airflow(args.home, [a for a in args.args if a != "--"] or ["version"])


def cmd_airflow_ui(args) -> int:
    from creditpipe.devtools.airflow_ui import serve

    return serve(args.home, args.port)


_COMMANDS = {
    "validate": cmd_validate,
    "score": cmd_score,
    "assess": cmd_assess,
    "figures": cmd_figures,
    "report": cmd_report,
    "log": cmd_log,
    "demo": cmd_demo,
    "suites": cmd_suites,
    "init-warehouse": cmd_init_warehouse,
    "prod-smoke": cmd_prod_smoke,
    "airflow-ui": cmd_airflow_ui,
    "airflow": cmd_airflow,
}

if __name__ == "__main__":
    sys.exit(main())
