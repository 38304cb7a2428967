import sys
from pathlib import Path

# Lets the tests import their helper module `pages`.
sys.path.insert(0, str(Path(__file__).resolve().parent))
