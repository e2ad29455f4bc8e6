"""creditpipe: public credit information collection (信用信息归集) for a county credit office."""

import os as _os

# Great Expectations must never phone home (no network here but the package registries).
_os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

__version__ = "0.1.0"
