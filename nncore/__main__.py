import sys

from nncore.cli import main

sys.exit(main())
