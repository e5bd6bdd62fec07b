"""Files the project writes get the mode ``open()`` would give them.

They are written to a temporary file first (``tempfile.mkstemp``, whose
0600 is meant for secrets) and moved into place; the temporary file is given
the mode the final file should have before it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def mode_for(target: Path, replacing: bool) -> int:
    """The mode the file ends up with: the replaced file's own mode, else what
    ``open()`` would give a new file (0666 less the umask)."""
    if replacing:
        try:
            return stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            pass
    umask = os.umask(0o022)  # the only way to read the umask is to set it
    os.umask(umask)
    return 0o666 & ~umask
