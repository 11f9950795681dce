#!/usr/bin/env bash
# demo.sh NZIP - the main job: compress a real file, decompress it, verify it.
echo "demo: not yet"
