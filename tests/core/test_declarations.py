"""Each dataset declared once: the suites in expectations/ and the tables in sql/datasets/
are what the declarations generate (make suites), and a declaration that names what does
not exist says so."""

import copy

import pytest

from creditpipe.core import settings
from creditpipe.core.catalog import CatalogError, load_catalog, parse_catalog
from creditpipe.devtools import generate
from creditpipe.quality.suites import SuiteError, suite_for


def test_the_generated_suites_and_tables_are_up_to_date():
    stale = generate.stale(load_catalog(), settings.project_dir())
    assert stale == [], f"run make suites: {[str(p) for p in stale]}"


def test_blocks_are_included_in_place_and_overrides_change_only_their_words(catalog):
    market, police = catalog.dataset("market.admin_penalty"), catalog.dataset("police.admin_penalty")
    assert market.field_names == police.field_names and market.field_names[0] == "行政相对人名称"
    assert [r[0] for r in market.rules] == [r[0] for r in police.rules]
    words = {e["meta"]["fix"] for e in suite_for(police)["expectations"]} - {
        e["meta"]["fix"] for e in suite_for(market)["expectations"]
    }
    assert len(words) == 3 and any("驾驶证" in w for w in words)
    assert len(suite_for(market)["expectations"]) == len(suite_for(police)["expectations"])


def _raw(**changes):
    raw = {
        "departments": [{"id": "water", "name": "水务集团", "short_name": "水务"}],
        "datasets": [
            {
                "id": "water.arrears",
                "title": "水费欠费信息",
                "table": "rec_water_arrears",
                "cycle": "monthly",
                "sources": [{"department": "water", "channel": "landing"}],
                "fields": [{"name": "户号", "column": "account_no", "required": True, "checks": ["uscc"]}],
            }
        ],
    }
    raw["datasets"][0].update(copy.deepcopy(changes))
    return raw


def test_a_declaration_naming_what_does_not_exist_is_refused_with_its_name():
    with pytest.raises(CatalogError, match="引用的字段块 'nope' 不存在"):
        parse_catalog(_raw(fields=[{"include": "nope"}]))
    with pytest.raises(CatalogError, match="规则 unique 引用的字段 账号 不在字段表中"):
        parse_catalog(_raw(rules=[{"unique": ["账号"]}]))
    with pytest.raises(CatalogError, match="未知的键 typo"):
        parse_catalog(_raw(fields=[{"name": "户号", "column": "account_no", "typo": 1}]))
    ds = parse_catalog(_raw(fields=[{"name": "户号", "column": "account_no", "checks": ["usc"]}])).dataset(
        "water.arrears"
    )
    with pytest.raises(SuiteError, match="校验 'usc' 不存在；可用："):
        suite_for(ds)
    ds = parse_catalog(
        _raw(fields=[{"name": "户号", "column": "account_no", "checks": [{"enum": {"value": []}}]}])
    ).dataset("water.arrears")
    with pytest.raises(SuiteError, match="不认识参数 value"):
        suite_for(ds)
