"""``python -m aipm_widgets.core.demo`` regenerates the bundled demo data, its card and the data card."""

if __name__ == "__main__":  # not on import (pkgutil.walk_packages imports every module)
    from . import _regenerate

    _regenerate()
