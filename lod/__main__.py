from lod.cli import app

app(prog_name="lod")
