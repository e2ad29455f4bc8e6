#!/usr/bin/env bash
# The Debian packages the monthly report needs beyond Python: a CJK font for the PDF and
# charts, Pango for WeasyPrint, and Chromium for the browser tests. Fast when they are all
# there (dpkg only). Never fails the build: when it cannot install, it says what is
# missing and what will not work, and exits 0 (the tests then skip, or fail in CI).
set -u

PACKAGES=(chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0)

purpose() {
  case "$1" in
    chromium) echo "浏览器测试无法运行 / browser tests cannot run (tests/test_report_render.py)" ;;
    fonts-noto-cjk) echo "PDF 与图表无法显示中文 / no Chinese font: the PDF report and charts cannot be rendered" ;;
    libpango*) echo "无法生成 PDF 报告（WeasyPrint 需要 Pango）/ the PDF report cannot be rendered (WeasyPrint needs Pango)" ;;
  esac
}

installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

missing() {
  local p out=()
  for p in "${PACKAGES[@]}"; do installed "$p" || out+=("$p"); done
  echo "${out[@]:-}"
}

if ! command -v dpkg >/dev/null 2>&1; then
  echo "system-deps: 不是 Debian 系统，请自行安装 / not Debian, install these yourself: ${PACKAGES[*]}" >&2
  exit 0
fi

todo=$(missing)
[ -z "$todo" ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  fi
fi

if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
  echo "system-deps: 安装 / installing: $todo"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt (e.g. unattended upgrades) rather than failing on its lock.
  # shellcheck disable=SC2086
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq \
    && $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $todo >/dev/null \
    || echo "system-deps: apt-get 失败 / apt-get failed" >&2
fi

todo=$(missing)
if [ -n "$todo" ]; then
  echo "system-deps: 缺少以下 Debian 软件包 / missing Debian packages (run as root: apt-get install $todo):" >&2
  for p in $todo; do echo "  - $p: $(purpose "$p")" >&2; done
fi
exit 0
