"""creditpipe: public credit information collection (信用信息归集) for a county credit office."""

import os as _os

# No library phones home: Great Expectations' analytics, Scarf (Airflow's and others'
# install-time and usage pings) and the DO_NOT_TRACK convention. airflow_env.py,
# docker-compose.yml and the Makefile set the same (tests/test_personal_data.py checks).
TELEMETRY_OFF = {"GX_ANALYTICS_ENABLED": "False", "SCARF_ANALYTICS": "false", "DO_NOT_TRACK": "1"}
for _name, _value in TELEMETRY_OFF.items():
    _os.environ.setdefault(_name, _value)

__version__ = "0.1.0"
