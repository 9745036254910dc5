"""The statistical forms of DOMAIN §8, one module each (f01_*.py … f10_*.py).
Importing a module registers its form in stats/base.py's registry; every
module named f<NN>_* in this package is imported at startup."""

import pkgutil
from importlib import import_module

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name[:1] == "f" and _info.name[1:3].isdigit():
        import_module(f"{__name__}.{_info.name}")
