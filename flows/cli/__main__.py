"""`python -m flows.cli`: the same as the installed `tshock`."""

from flows.cli import main

main()
