"""Airflow's local settings for creditpipe (Airflow imports this module from the plugins
folder at start-up): the notice atop the UI's home page.

Airflow's UI shows times in the browser's time zone and has no server-side default. The
county's clerks' browsers run in China Standard Time; one that does not (a server's
headless browser, a laptop set to UTC) would show 01:00's monthly run as 17:00 — the notice
says how to switch."""

from airflow.api_fastapi.common.types import UIAlert

DASHBOARD_UIALERTS = [
    UIAlert(
        text=(
            "creditpipe：界面时间按浏览器所在时区显示，县里的时间为北京时间（UTC+08:00，Asia/Shanghai）。"
            "若左侧栏下方的时钟不是 +08:00，请点击它并选择 Asia/Shanghai。"
            "新的 DAG 默认暂停：打开 DAG 列表中的开关即按计划运行。"
        ),
        category="info",
    )
]
