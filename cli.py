"""The `lod` command line; the commands live in lod/cli.py so that installing never adds a module `cli`."""

from lod.cli import app

if __name__ == "__main__":
    app()
