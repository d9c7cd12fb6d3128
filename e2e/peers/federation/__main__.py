"""python3 -m federation [--port P] [--mode M]: the fake sign-in endpoint, standalone."""
import sys

from .server import main

sys.exit(main())
