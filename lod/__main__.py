from lod.cli import app

# Guarded: conversion workers import the main module again, and must not start the command anew.
if __name__ == "__main__":
    app(prog_name="lod")
