"""Entry point: ``python server.py [options]`` starts the same server as ``healthkg serve``."""

import sys

from healthkg.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
